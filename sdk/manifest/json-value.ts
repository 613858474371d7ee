/** Questions about a parsed JSON value that the checks ask before trusting its shape. */
import { escapePointerToken } from '../json-pointer.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The JSON Schema type name of a value; whole numbers are "integer", as ajv reports them. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Pointer of the first object or array nested deeper than `levels`, or undefined. Recursion
 * stops at the limit, so it is stack-safe, and a cycle is just infinitely deep.
 */
export function tooDeep(value: unknown, levels: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (levels === 0) return '';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = tooDeep(value[i], levels - 1);
      if (below !== undefined) return `/${i}${below}`;
    }
    return undefined;
  }
  for (const key in value) {
    const below = Object.hasOwn(value, key) ? tooDeep((value as Record<string, unknown>)[key], levels - 1) : undefined;
    if (below !== undefined) return `/${escapePointerToken(key)}${below}`;
  }
  return undefined;
}
