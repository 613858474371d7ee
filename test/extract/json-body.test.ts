/**
 * Unit tests of sdk/extract/json-body.ts: bodies from untrusted servers parse without the keys
 * that could reach a prototype later (`__proto__`, `constructor`, `prototype`, spelled plainly
 * or with \u escapes); text that is not JSON, and nesting too deep for the reviver, yield undefined.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonSafely } from '../../sdk/extract/json-body.js';

describe('parseJsonSafely', () => {
  it.each([
    ['null', null],
    ['1', 1],
    ['"s"', 's'],
    ['[1, "a", true]', [1, 'a', true]],
    ['{"a": {"b": [1, 2]}}', { a: { b: [1, 2] } }],
    ['"__proto__"', '__proto__'],
    ['{"a": "constructor", "b": ["prototype"]}', { a: 'constructor', b: ['prototype'] }],
    ['{"b": "\\u0041"}', { b: 'A' }],
  ])('parses %s', (text, value) => {
    expect(parseJsonSafely(text)).toEqual(value);
  });

  it.each(['', ' ', 'not json', '{"a": 1,}', "{'a': 1}", '{"a": 1} trailing', 'undefined'])('returns undefined for %j', (text) => {
    expect(parseJsonSafely(text)).toBeUndefined();
  });

  it('drops "__proto__" so the parsed object keeps Object.prototype', () => {
    const value = parseJsonSafely('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    expect(value).toEqual({ a: 1 });
    expect(Object.keys(value)).toEqual(['a']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(false);
    expect(value.polluted).toBeUndefined();
  });

  it('drops "constructor" and "prototype" at any depth, in objects inside arrays too', () => {
    expect(parseJsonSafely('{"a": {"constructor": {"prototype": {"x": 1}}, "b": 2}}')).toEqual({ a: { b: 2 } });
    expect(parseJsonSafely('[{"prototype": 1, "k": 0}, 2]')).toEqual([{ k: 0 }, 2]);
    expect(parseJsonSafely('{"__proto__": 1}')).toEqual({});
  });

  it('drops a key spelled with \\u escapes', () => {
    expect(parseJsonSafely('{"\\u005f_proto__": {"x": 1}, "b": "\\u0041"}')).toEqual({ b: 'A' });
    expect(parseJsonSafely('{"\\u0063onstructor": 1, "c": 3}')).toEqual({ c: 3 });
  });

  it('returns undefined when the reviver runs out of stack on deep nesting', () => {
    const depth = 200_000;
    expect(parseJsonSafely(`${'['.repeat(depth)}"\\u0041"${']'.repeat(depth)}`)).toBeUndefined();
  });

  // V8's JSON.parse is not recursive: without a suspicious key or escape, no reviver runs and
  // the same depth parses. Callers that recurse must bound the depth themselves.
  it('parses deep nesting that needs no reviver', () => {
    const depth = 200_000;
    let value = parseJsonSafely(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
    for (let level = 0; level < depth; level++) value = (value as unknown[])[0];
    expect(value).toBe(1);
  });
});
