/**
 * A JSON value whose strings are Liquid templates (action and token request bodies). Compiled
 * once; a string that is exactly `{{ x }}` keeps x's JSON type, so numbers, booleans, arrays
 * and objects from the input arrive as themselves, not as text.
 */
import { compileTemplate, type TemplateScope } from './liquid.js';
import { escapePointerToken } from '../json-pointer.js';

export type JsonTemplate = (scope: TemplateScope) => unknown;

export function compileJsonTemplate(value: unknown, pointer: string): JsonTemplate {
  if (typeof value === 'string') {
    const template = compileTemplate(value, pointer);
    return template.isStatic ? () => value : (scope) => template.renderValue(scope);
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileJsonTemplate(item, `${pointer}/${index}`));
    return (scope) => items.map((item) => item(scope));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, compileJsonTemplate(item, `${pointer}/${escapePointerToken(key)}`)] as const,
    );
    // A key named __proto__ must stay a field: plain assignment would set the result's prototype.
    if (entries.some(([key]) => key === '__proto__')) {
      return (scope) => {
        const out: Record<string, unknown> = {};
        for (const [key, item] of entries) Object.defineProperty(out, key, { value: item(scope), enumerable: true, writable: true, configurable: true });
        return out;
      };
    }
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) out[key] = item(scope);
      return out;
    };
  }
  return () => value;
}
