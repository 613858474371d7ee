/** Unit tests of sdk/manifest/message-text.ts: values quoted and cut to 60 characters, pointers named by their last step. */
import { describe, expect, it } from 'vitest';
import { cut, show, subjectOf } from '../../sdk/manifest/message-text.js';

describe('cut', () => {
  it('keeps up to 60 characters and cuts longer text to 57 and an ellipsis', () => {
    expect(cut('x'.repeat(60))).toBe('x'.repeat(60));
    expect(cut('x'.repeat(61))).toBe(`${'x'.repeat(57)}…`);
    expect(cut('')).toBe('');
  });
});

describe('show', () => {
  it('quotes strings as JSON, escaping quotes', () => {
    expect(show('abc')).toBe('"abc"');
    expect(show('a"b')).toBe('"a\\"b"');
  });

  it('cuts a long string before quoting it', () => {
    expect(show('x'.repeat(61))).toBe(`"${'x'.repeat(57)}…"`);
  });

  it('writes other JSON values as JSON, cut to 60 characters', () => {
    expect(show(5)).toBe('5');
    expect(show(null)).toBe('null');
    expect(show(true)).toBe('true');
    expect(show([1, 2])).toBe('[1,2]');
    expect(show({ a: 1 })).toBe('{"a":1}');
    expect(show(['y'.repeat(100)])).toBe(`["${'y'.repeat(55)}…`);
  });

  it('falls back to String() for what JSON cannot write', () => {
    expect(show(undefined)).toBe('undefined');
  });
});

describe('subjectOf', () => {
  it.each([
    ['', 'the manifest'],
    ['/name', 'name'],
    ['/actions/x/path', 'path'],
    ['/allowed_hosts/0', 'allowed_hosts[0]'],
    ['/tests/0/steps/3', 'steps[3]'],
    ['/0', '0'],
    ['/a~1b', 'a/b'],
    ['/a/b~0c', 'b~c'],
    ['/a/x~1y/2', 'x/y[2]'],
    ['/', ''],
  ])('%j → %j', (pointer, subject) => {
    expect(subjectOf(pointer)).toBe(subject);
  });
});
