/**
 * Unit tests of sdk/extract/json-path.ts: Locoia's short paths normalised, scripts and malformed
 * paths refused with their messages, the member-path fast path agreeing with jsonpath-plus, own
 * properties only, first() on missing values, and evaluation failures as ResponseErrors.
 */
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { ResponseError } from '../../sdk/errors.js';
import { checkJsonPath, compileJsonPath, normalizeJsonPath } from '../../sdk/extract/json-path.js';

const SCRIPT = 'script and filter expressions ("?(…)", "(…)") are not allowed in JSONPaths: select by name or index';

/** A response body as a server sends it: JSON.parse makes "__proto__" an own key. */
const body = JSON.parse(
  '{"__proto__": {"polluted": 1}, "a": {"b": [10, 20], "c d": 3, "s": "str", "e": ""}, "c d": "cd", "x": null,' +
    ' "arr": [{"id": 1}, {"id": 2}], "@odata.nextLink": "next", "a-b": "dash", "$": "dollar"}',
) as Record<string, unknown>;

describe('normalizeJsonPath', () => {
  it.each([
    ['access_token', '$.access_token'],
    ['  data.items  ', '$.data.items'],
    ['[0].id', '$[0].id'],
    ['$.a', '$.a'],
    ['$', '$'],
    ['$..id', '$..id'],
    ['', '$.'],
  ])('%j → %j', (path, normalized) => {
    expect(normalizeJsonPath(path)).toBe(normalized);
  });
});

describe('checkJsonPath', () => {
  it.each(['access_token', '$', '$.a.b[0]', "$['c d']", '$["c d"]', '$..id', '$.a[*]', '$.a[0:2]', "$['a (b)']", "$['a(b']", '$.@odata.nextLink', "$['a]']"])(
    'accepts %j',
    (path) => {
      expect(checkJsonPath(path)).toBeUndefined();
    },
  );

  it.each(['$$', '$$.a', '$foo', '$$..x'])('refuses %j: after the root $ comes . or [', (path) => {
    expect(checkJsonPath(path)).toBe(`"${path}" is not a valid JSONPath: after the root $ comes . or [`);
  });

  it.each(['', '   ', '$.'])('refuses the empty path %j', (path) => {
    expect(checkJsonPath(path)).toBe('the JSONPath is empty');
  });

  it.each([
    '$.a[?(@.x)]',
    '$..[?(@.constructor)]',
    '$.a[(@.length-1)]',
    "$['?(@.x)']",
    "$['(x)']",
    '$["(x)"]',
    '$.a("b")',
    '$.a(b)',
    "$.a['b','?(@.x)']",
    '$.a["(b)"]',
  ])('refuses the script %j', (path) => {
    expect(checkJsonPath(path)).toBe(SCRIPT);
  });

  it.each([
    ['$.a...b', '"$.a...b" is not a valid JSONPath'],
    ['$.a.', '"$.a." is not a valid JSONPath'],
    ['$.a[]', '"$.a[]" is not a valid JSONPath'],
    ['$.a[ ]', '"$.a[ ]" is not a valid JSONPath'],
    ['$.a[0', '"$.a[0" has unbalanced brackets'],
    ['$.a]0[', '"$.a]0[" has unbalanced brackets'],
    ['a[0]]', '"a[0]]" has unbalanced brackets'],
  ])('refuses %j', (path, message) => {
    expect(checkJsonPath(path)).toBe(message);
  });

  it('quotes the path as written, cut to 60 characters', () => {
    const path = `${'a'.repeat(70)}[`;
    expect(checkJsonPath(path)).toBe(`"${'a'.repeat(57)}..." has unbalanced brackets`);
  });
});

describe('compileJsonPath', () => {
  it('throws a TypeError with the check\'s message for a path it refuses', () => {
    expect(() => compileJsonPath('$[?(@.x)]')).toThrow(new TypeError(SCRIPT));
    expect(() => compileJsonPath('')).toThrow(new TypeError('the JSONPath is empty'));
    expect(() => compileJsonPath('$.a[0')).toThrow(new TypeError('"$.a[0" has unbalanced brackets'));
  });

  it('keeps the source as written and the normalised form', () => {
    const path = compileJsonPath(' data.token ');
    expect(path.source).toBe(' data.token ');
    expect(path.normalized).toBe('$.data.token');
  });

  it.each([
    ['$', [body]],
    ['$.a.b[1]', [20]],
    ['a.b', [[10, 20]]],
    ["$['c d']", ['cd']],
    ['$.a["c d"]', [3]],
    ['$.x', [null]],
    ['$.missing', []],
    ['$.x.y', []],
    ['$.a.b[5]', []],
    ['$.a.s.length', [3]],
    ['$.a.s[0]', ['s']],
    ['$.a.e.length', []],
    ['$.a.b.length', [2]],
    ['$.a-b', ['dash']],
    ['$.arr[*].id', [1, 2]],
    ['$..id', [1, 2]],
    ['$.arr[0:1]', [{ id: 1 }]],
    ['arr[1].id', [2]],
    ['$.constructor', []],
    ['$.toString', []],
    ['$.a.b.constructor', []],
  ])('%j finds %j, as jsonpath-plus does', (path, expected) => {
    const compiled = compileJsonPath(path);
    expect(compiled.all(body)).toEqual(expected);
    expect(compiled.first(body)).toEqual(expected[0]);
    expect(JSONPath({ path: compiled.normalized, json: body, wrap: true, eval: false })).toEqual(expected);
  });

  it('reads a quoted name starting with "@" itself, where jsonpath-plus throws', () => {
    expect(compileJsonPath("$['@odata.nextLink']").all(body)).toEqual(['next']);
    expect(() => JSONPath({ path: "$['@odata.nextLink']", json: body, wrap: true, eval: false })).toThrow(TypeError);
  });

  it('reads a "__proto__" key of the body as data, never the prototype', () => {
    expect(compileJsonPath('$.__proto__.polluted').all(body)).toEqual([1]);
    expect(compileJsonPath('$.polluted').all(body)).toEqual([]);
  });

  it('returns undefined from first() when nothing matches, on both paths', () => {
    expect(compileJsonPath('$.missing.deeper').first(body)).toBeUndefined();
    expect(compileJsonPath('$..missing').first(body)).toBeUndefined();
    expect(compileJsonPath('$.arr[*].missing').first(body)).toBeUndefined();
  });

  it('finds nothing below a root that is not an object or an array', () => {
    for (const root of [null, 5, 'str', true, undefined]) {
      expect(compileJsonPath('$.a').all(root)).toEqual([]);
      expect(compileJsonPath('$.length').first(root)).toBeUndefined();
      expect(compileJsonPath('$..a').all(root)).toEqual([]);
    }
    expect(compileJsonPath('$').all(null)).toEqual([null]);
    expect(compileJsonPath('$').all('str')).toEqual(['str']);
    expect(compileJsonPath('$').all(undefined)).toEqual([]);
  });

  it('indexes an array at the root', () => {
    expect(compileJsonPath('[1]').first(['a', 'b'])).toBe('b');
    expect(compileJsonPath('$.length').first(['a', 'b'])).toBe(2);
  });

  it('leaves a member named "$" to jsonpath-plus', () => {
    expect(compileJsonPath('$.a.$').all({ a: { $: 'inner' } })).toEqual(['inner']);
  });

  it('throws a ResponseError naming the path, not the response, when jsonpath-plus fails', () => {
    const path = compileJsonPath('$.^');
    expect(() => path.all({ secret: 'value' })).toThrow(new ResponseError('the JSONPath $.^ cannot be evaluated on this response'));
  });

  it('throws a ResponseError for a body nested too deeply for `..`', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) {
      const next: Record<string, unknown> = {};
      deep.n = next;
      deep = next;
    }
    expect(() => compileJsonPath('$..x').all(root)).toThrow(new ResponseError('the response is nested too deeply to search with $..x'));
    // The fast path walks only as deep as the path: the same body is fine there.
    expect(compileJsonPath('$.n.n.n').first(root)).toEqual(expect.objectContaining({ n: expect.any(Object) }));
  });
});
