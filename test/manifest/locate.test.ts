/**
 * Unit tests of sdk/manifest/locate.ts: parseJson's limits (bytes, depth), its syntax
 * diagnostics in an author's words at the right line and column, and JsonLocator mapping JSON
 * pointers (with ~0 and ~1 escapes) to the key or value an editor shows.
 */
import { describe, expect, it } from 'vitest';
import { JsonLocator, parseJson } from '../../sdk/manifest/locate.js';

const LIMITS = { maxBytes: 1 << 20, maxDepth: 4 };

function diagnosticOf(text: string, limits = LIMITS) {
  const parsed = parseJson(text, limits);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  return parsed.diagnostic;
}

const invalid = (line: number, column: number, message: string, hint?: string) => ({
  line,
  column,
  pointer: '',
  message: `invalid JSON: ${message}`,
  ...(hint ? { hint } : {}),
  severity: 'error',
});

describe('parseJson', () => {
  it('returns the value and a locator for valid JSON', () => {
    const parsed = parseJson('{"a": [1, {"b": null}]}', LIMITS);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toEqual({ a: [1, { b: null }] });
    expect(parsed.locator).toBeInstanceOf(JsonLocator);
    expect(parsed.locator.position('/a/1/b')).toEqual({ line: 1, column: 17 });
  });

  it('ignores a byte order mark', () => {
    const parsed = parseJson('\ufeff{"a": 1}', LIMITS);
    expect(parsed.ok && parsed.value).toEqual({ a: 1 });
    expect(parsed.ok && parsed.locator.position('/a')).toEqual({ line: 1, column: 7 });
  });

  describe('size limit', () => {
    it('refuses text larger than maxBytes, naming the limit in MB', () => {
      expect(diagnosticOf(`"${'x'.repeat(1 << 20)}"`)).toEqual({
        line: 1,
        column: 1,
        pointer: '',
        message: 'the file is larger than 1 MB',
        hint: 'split the connector or remove unused parts',
        severity: 'error',
      });
    });

    it('counts UTF-8 bytes, not characters', () => {
      const euros = '"€€€"'; // 5 characters, 11 bytes
      expect(parseJson(euros, { maxBytes: 11, maxDepth: 4 }).ok).toBe(true);
      expect(parseJson(euros, { maxBytes: 10, maxDepth: 4 }).ok).toBe(false);
      expect(parseJson('"abc"', { maxBytes: 5, maxDepth: 4 }).ok).toBe(true);
      expect(parseJson('"abc"', { maxBytes: 4, maxDepth: 4 }).ok).toBe(false);
    });
  });

  describe('depth limit', () => {
    it('accepts maxDepth levels and refuses the first opening beyond, at its position', () => {
      expect(parseJson('[[[[]]]]', LIMITS).ok).toBe(true);
      expect(diagnosticOf('[[[[[]]]]]')).toEqual({
        line: 1,
        column: 5,
        pointer: '',
        message: 'nesting deeper than 4 levels',
        hint: 'flatten the structure',
        severity: 'error',
      });
      expect(diagnosticOf('{\n "a": [\n  1,\n  {"b": [[[[1]]]]}\n ]\n}')).toMatchObject({ line: 4, column: 10 });
    });

    it('does not count brackets inside strings, escaped quotes included', () => {
      expect(parseJson('"[[[[[[["', LIMITS).ok).toBe(true);
      expect(parseJson('{"a": "\\"[[[[[["}', LIMITS).ok).toBe(true);
    });
  });

  describe('syntax errors', () => {
    it.each([
      ['{"id": 1,}', invalid(1, 9, 'trailing comma before "}"', 'JSON allows no comma after the last item: remove it')],
      ['[1, 2,\n]', invalid(1, 6, 'trailing comma before "]"', 'JSON allows no comma after the last item: remove it')],
      ['', invalid(1, 1, 'the file ends too early: a closing "}", "]" or quote is missing', 'the file looks truncated')],
      ['{"a": 1', invalid(1, 8, 'the file ends too early: a closing "}", "]" or quote is missing', 'the file looks truncated')],
      ['{"a": "x', invalid(1, 9, 'the file ends too early: a closing "}", "]" or quote is missing', 'the file looks truncated')],
      ['{"a": 1\n\n', invalid(1, 8, 'the file ends too early: a closing "}", "]" or quote is missing', 'the file looks truncated')],
      ['{"a" 1}', invalid(1, 6, 'unexpected number', 'a comma or colon may be missing before it')],
      ['{"a": 1\n "b": 2}', invalid(2, 2, 'unexpected string', 'a comma or colon may be missing before it')],
      ['{"a": 1}}', invalid(1, 9, 'unexpected "}"', 'a comma or colon may be missing before it')],
      ['{\n  // note\n}', invalid(2, 3, 'comments are not allowed', 'JSON has no comments: move notes into "description"')],
      ["{'a': 1}", invalid(1, 2, 'single quotes are not allowed', 'JSON strings and property names take double quotes')],
      ['{"a": tru}', invalid(1, 7, 'unexpected word "tru"', 'JSON knows only true, false and null; strings take double quotes')],
      ['{"a": @}', invalid(1, 7, 'unexpected character "@"')],
      ['{"a": NaN}', invalid(1, 7, 'unexpected character "N"')],
      ['{"a":1}\n\n  x', invalid(3, 3, 'unexpected character "x"')],
      ['{"a": "tab\there"}', invalid(1, 11, 'bad control character in string literal', 'write tabs and line breaks in strings as \\t and \\n')],
    ])('%j', (text, diagnostic) => {
      expect(diagnosticOf(text)).toEqual(diagnostic);
    });
  });
});

describe('JsonLocator.position', () => {
  const text = '{\n  "a": {"b/c": [10, {"d~e": true}]},\n  "x": 1,\n  "x": 2,\n  "": "empty"\n}';
  const locator = new JsonLocator(text);

  it('finds the value, or with at: "key" the property name', () => {
    expect(locator.position('')).toEqual({ line: 1, column: 1 });
    expect(locator.position('/a')).toEqual({ line: 2, column: 8 });
    expect(locator.position('/a', 'key')).toEqual({ line: 2, column: 3 });
  });

  it('unescapes ~1 to "/" and ~0 to "~"', () => {
    expect(locator.position('/a/b~1c')).toEqual({ line: 2, column: 16 });
    expect(locator.position('/a/b~1c/1/d~0e', 'key')).toEqual({ line: 2, column: 22 });
    expect(locator.position('/a/b~1c/1/d~0e')).toEqual({ line: 2, column: 29 });
  });

  it('indexes arrays; an element has no key, so at: "key" gives its value', () => {
    expect(locator.position('/a/b~1c/0')).toEqual({ line: 2, column: 17 });
    expect(locator.position('/a/b~1c/0', 'key')).toEqual({ line: 2, column: 17 });
    expect(locator.position('/a/b~1c/1')).toEqual({ line: 2, column: 21 });
  });

  it('resolves a pointer that does not exist to its nearest existing ancestor', () => {
    expect(locator.position('/a/b~1c/7')).toEqual({ line: 2, column: 16 });
    expect(locator.position('/a/b~1c/-')).toEqual({ line: 2, column: 16 });
    expect(locator.position('/a/missing/deeper', 'key')).toEqual({ line: 2, column: 3 });
    expect(locator.position('/nope')).toEqual({ line: 1, column: 1 });
    expect(locator.position('/x/0')).toEqual({ line: 4, column: 8 });
  });

  it('takes the last of duplicate names, as JSON.parse does', () => {
    expect(locator.position('/x')).toEqual({ line: 4, column: 8 });
    expect(locator.position('/x', 'key')).toEqual({ line: 4, column: 3 });
  });

  it('finds the empty property name', () => {
    expect(locator.position('/')).toEqual({ line: 5, column: 7 });
  });

  it('does not read "b~01" as "b/1": ~1 is replaced before ~0', () => {
    const escaped = new JsonLocator('{"b~1": 1, "b/1": 2}');
    expect(escaped.position('/b~01')).toEqual({ line: 1, column: 9 });
    expect(escaped.position('/b~11')).toEqual({ line: 1, column: 19 });
  });

  it('counts columns in UTF-16 code units, as editors do', () => {
    expect(new JsonLocator('{"😀": 1, "b": 2}').position('/b', 'key')).toEqual({ line: 1, column: 11 });
  });

  // RFC 6901 §4: an array index has no leading zeros, so "/01" names no element and resolves to the array.
  it('does not read an index with a leading zero as that index', () => {
    expect(locator.position('/a/b~1c/01')).toEqual({ line: 2, column: 16 });
  });
});
