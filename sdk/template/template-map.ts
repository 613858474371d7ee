/** Objects of name → template (headers, query parameters, cookies), compiled once. */
import { escapePointerToken } from '../json-pointer.js';
import { compileTemplate, type CompiledTemplate } from './liquid.js';

export type TemplateMap = readonly (readonly [string, CompiledTemplate])[];

export function compileTemplateMap(object: Record<string, string | undefined> | null | undefined, pointer: string): TemplateMap {
  return Object.entries(object ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => [name, compileTemplate(value, `${pointer}/${escapePointerToken(name)}`)] as const);
}
