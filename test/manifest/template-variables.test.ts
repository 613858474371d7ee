/**
 * Unit tests of sdk/manifest/template-variables.ts: a template's distinct variables as path
 * segments, cached by source (up to 10 000 sources), or the message of why it does not parse.
 */
import { describe, expect, it } from 'vitest';
import { variablesOf } from '../../sdk/manifest/template-variables.js';

describe('variablesOf', () => {
  it('is empty for text without a brace, without parsing it', () => {
    expect(variablesOf('plain', '/a')).toEqual([]);
    expect(variablesOf('{"a": 1}', '/a')).toEqual([]);
  });

  it('lists each distinct variable once', () => {
    expect(variablesOf('{{ input.a }} {{ input.a }} {{ input["a"] }} {{ input.b | default: credentials.c }}', '/a')).toEqual([
      ['input', 'a'],
      ['input', 'b'],
      ['credentials', 'c'],
    ]);
  });

  it('keeps a computed key as one dotted segment', () => {
    expect(variablesOf('{{ input.items[input.index].name }}', '/a')).toEqual([
      ['input', 'items', 'input.index', 'name'],
      ['input', 'index'],
    ]);
  });

  it('returns the message of a template that does not parse, naming the pointer of each call', () => {
    expect(variablesOf('{{ x', '/a')).toBe('template at /a does not parse: output "{{ x" not closed, line:1, col:1');
    expect(variablesOf('{{ x', '/b')).toBe('template at /b does not parse: output "{{ x" not closed, line:1, col:1');
    expect(variablesOf('{{ x | nope }}', '/c')).toBe('template at /c does not parse: undefined filter: nope, line:1, col:1');
  });

  it('analyses a source once, whatever the pointer', () => {
    const first = variablesOf('{{ credentials.cached }}', '/a');
    expect(variablesOf('{{ credentials.cached }}', '/b')).toBe(first);
  });

  it('forgets the oldest source beyond 10 000', () => {
    const oldest = variablesOf('{{ credentials.oldest }}', '/a');
    // Text with a brace and no Liquid is analysed and cached like any template, and parses fast.
    for (let i = 0; i < 10_000; i++) variablesOf(`{${i}`, '/p');
    const again = variablesOf('{{ credentials.oldest }}', '/a');
    expect(again).not.toBe(oldest);
    expect(again).toEqual([['credentials', 'oldest']]);
  });
});
