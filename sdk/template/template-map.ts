/** Objects of name → template (headers, query parameters, cookies), compiled once. */
import { compileTemplate, type CompiledTemplate } from './liquid.js';

export type TemplateMap = readonly (readonly [string, CompiledTemplate])[];

export function compileTemplateMap(object: Record<string, string | undefined> | null | undefined, pointer: string): TemplateMap {
  return Object.entries(object ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => [name, compileTemplate(value, `${pointer}/${pointerSegment(name)}`)] as const);
}

/** RFC 6901 escaping of one JSON pointer segment. */
export function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
