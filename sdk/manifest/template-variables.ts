/**
 * The variables a Liquid template uses, each as its path of segments
 * (`{{ input.user.id }}` → ["input", "user", "id"]), cached by source: manifests repeat the same
 * templates, and finding the variables means parsing.
 */
import { TemplateError } from '../errors.js';
import { templateVariables } from '../template/liquid.js';

const analysed = new Map<string, readonly string[][]>();
const ANALYSED_LIMIT = 10_000;

/** The template's distinct variables, or the message of why it does not parse. */
export function variablesOf(source: string, pointer: string): readonly string[][] | string {
  if (!source.includes('{')) return [];
  const cached = analysed.get(source);
  if (cached) return cached;
  let variables: string[][];
  try {
    variables = templateVariables(source, pointer);
  } catch (e) {
    // Not cached: the message names the pointer, and broken templates are rare.
    if (e instanceof TemplateError) return e.message;
    throw e;
  }
  const unique = [...new Map(variables.map((segments) => [segments.join('.'), segments])).values()];
  if (analysed.size >= ANALYSED_LIMIT) analysed.delete(analysed.keys().next().value as string);
  analysed.set(source, unique);
  return unique;
}
