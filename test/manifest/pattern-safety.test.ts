/**
 * Unit tests of sdk/manifest/pattern-safety.ts: patterns that can backtrack exponentially (a
 * repeated group that itself repeats or alternates, back-references) and patterns that do not
 * compile are refused; safe patterns pass; checkPatterns walks a data schema for them.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../sdk/manifest/finding.js';
import { checkPatterns, patternProblem } from '../../sdk/manifest/pattern-safety.js';

const HINT = 'write the pattern without a repeated group that itself repeats or alternates, e.g. ^a+$ instead of ^(a+)+$';
const nested = (source: string) => `pattern ${JSON.stringify(source)} repeats a group that itself repeats or alternates, which can take exponential time on some inputs`;
const backReference = (source: string) => `pattern ${JSON.stringify(source)} uses a back-reference, which can take exponential time`;
const invalid = (source: string) => `pattern ${JSON.stringify(source)} is not a valid regular expression`;

describe('patternProblem', () => {
  it.each([
    '^a+$',
    '^(ab)+$',
    '^(a?)+$',
    '(a{1,1})*',
    '(a+)?',
    '(a|b)?',
    '([a+])+',
    '(\\+)+',
    '(a\\|b)+',
    '(?:a|b){1}',
    '(a|b)c+',
    '(a+)|b+',
    '(a){0,}',
    '^\\d{4}-\\d{2}-\\d{2}$',
    '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$',
    '[(]+',
  ])('accepts the safe pattern %j', (source) => {
    expect(patternProblem(source)).toBeUndefined();
  });

  it.each([
    '^(a+)+$',
    '(a|a)*',
    '(\\w+\\s?)*',
    '(a|b)+',
    '(a{2,})+',
    '(a{2})+',
    '((a)+)*',
    '(?:a+)+',
    '(a+){2}',
    '(a+){2,3}',
    '(a*)*?',
    '((ab)*c)*',
    '(a+b)*',
    '^(([a-z])+.)+[A-Z]([a-z])+$',
  ])('refuses the nested repetition %j', (source) => {
    expect(patternProblem(source)).toBe(nested(source));
  });

  it.each(['(a)\\1', '(?<n>a)\\k<n>', '(a)(b)\\2'])('refuses the back-reference %j', (source) => {
    expect(patternProblem(source)).toBe(backReference(source));
  });

  it.each(['(', '[', 'a{', '(?=a+)+', '\\1', '[\\1]'])('refuses %j, which does not compile with the u flag', (source) => {
    expect(patternProblem(source)).toBe(invalid(source));
  });

  it('quotes a long pattern cut to 60 characters', () => {
    const source = `${'x'.repeat(70)}(`;
    expect(patternProblem(source)).toBe(`pattern "${'x'.repeat(57)}…" is not a valid regular expression`);
  });

  it('finishes at once on a pattern that would take exponential time', () => {
    const started = performance.now();
    expect(patternProblem(`^(${'(a+)+'.repeat(200)})$`)).toBeDefined();
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  // An escaped backslash followed by a digit is a literal, not a back-reference: /C:\\1/ matches "C:\1".
  it('accepts a literal backslash followed by a digit (not a back-reference)', () => {
    expect(patternProblem('^C:\\\\1$')).toBeUndefined();
  });
});

describe('checkPatterns', () => {
  function findings(schema: unknown, pointer = '/credentials'): Finding[] {
    const out: Finding[] = [];
    checkPatterns(pointer, schema, out);
    return out;
  }
  const at = (pointer: string, message: string): Finding => ({ pointer, at: 'value', message, hint: HINT, severity: 'error' });

  it('reports each unsafe pattern and patternProperties key at its escaped pointer', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', pattern: '^(a+)+$' }, 'b/c': { pattern: '(', items: [{ pattern: '(a|a)*' }] }, ok: { pattern: '^a+$' } },
      patternProperties: { '^(x+)+$': {}, '~/': { pattern: '(a)\\1' } },
    };
    expect(findings(schema)).toEqual([
      at('/credentials/patternProperties/^(x+)+$', nested('^(x+)+$')),
      at('/credentials/properties/a/pattern', nested('^(a+)+$')),
      at('/credentials/properties/b~1c/pattern', invalid('(')),
      at('/credentials/properties/b~1c/items/0/pattern', nested('(a|a)*')),
      at('/credentials/patternProperties/~0~1/pattern', backReference('(a)\\1')),
    ]);
  });

  it('does not read values (enum, const, default, examples) as schemas', () => {
    const schema = { enum: [{ pattern: '(a+)+' }], const: { pattern: '(a+)+' }, default: { pattern: '(a+)+' }, examples: [{ pattern: '(a+)+' }] };
    expect(findings(schema)).toEqual([]);
  });

  it('ignores what is not a schema', () => {
    expect(findings('x')).toEqual([]);
    expect(findings(null)).toEqual([]);
    expect(findings({ pattern: 5, patternProperties: 'x' })).toEqual([]);
  });

  it('looks 64 levels deep and no deeper', () => {
    const wrap = (levels: number) => {
      let schema: unknown = { pattern: '(a+)+' };
      for (let i = 0; i < levels; i++) schema = { not: schema };
      return schema;
    };
    expect(findings(wrap(64), '')).toEqual([at(`${'/not'.repeat(64)}/pattern`, nested('(a+)+'))]);
    expect(findings(wrap(65), '')).toEqual([]);
  });

  // Value keywords are skipped, but a *property* named "default", "enum", "const" or "examples"
  // is a schema like any other: its pattern runs against end-user input.
  it('checks a property named "default" (not skipped as the default keyword)', () => {
    expect(findings({ type: 'object', properties: { default: { type: 'string', pattern: '^(a+)+$' } } })).toEqual([
      at('/credentials/properties/default/pattern', nested('^(a+)+$')),
    ]);
  });
});
