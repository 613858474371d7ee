/** Unit tests of sdk/manifest/json-value.ts: isRecord, jsonType as ajv names types, and tooDeep's pointer. */
import { describe, expect, it } from 'vitest';
import { isRecord, jsonType, tooDeep } from '../../sdk/manifest/json-value.js';

describe('isRecord', () => {
  it('is true for objects only, not arrays or null', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('x')).toBe(false);
    expect(isRecord(undefined)).toBe(false);
  });
});

describe('jsonType', () => {
  it.each([
    [null, 'null'],
    [[], 'array'],
    [1, 'integer'],
    [-0, 'integer'],
    [1.5, 'number'],
    [Number.NaN, 'number'],
    ['s', 'string'],
    [true, 'boolean'],
    [{}, 'object'],
    [undefined, 'undefined'],
  ])('%j is %j', (value, type) => {
    expect(jsonType(value)).toBe(type);
  });
});

describe('tooDeep', () => {
  it('is undefined for values within the limit and for scalars', () => {
    expect(tooDeep({ a: { b: [1] } }, 3)).toBeUndefined();
    expect(tooDeep('text', 0)).toBeUndefined();
    expect(tooDeep(null, 0)).toBeUndefined();
  });

  it('points at the first object or array beyond the limit', () => {
    expect(tooDeep({ a: { b: [1] } }, 2)).toBe('/a/b');
    expect(tooDeep({ a: 1, b: [0, [[]]] }, 2)).toBe('/b/1');
    expect(tooDeep({}, 0)).toBe('');
  });

  it('escapes keys in the pointer', () => {
    expect(tooDeep({ 'a/b': { '~': {} } }, 2)).toBe('/a~1b/~0');
  });

  it('ignores inherited enumerable properties', () => {
    const value = Object.create({ inherited: { deep: {} } }) as Record<string, unknown>;
    value.own = 1;
    expect(tooDeep(value, 1)).toBeUndefined();
  });

  it('treats a cycle as infinitely deep, without overflowing the stack', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(tooDeep(cycle, 64)).toBe('/self'.repeat(64));
  });
});
