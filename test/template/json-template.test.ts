/**
 * Unit tests of sdk/template/json-template.ts: a JSON value whose strings are templates keeps
 * its shape, a string that is one `{{ x }}` keeps x's JSON type, and errors name the pointer
 * of the string that failed (RFC 6901-escaped).
 */
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../sdk/errors.js';
import { compileJsonTemplate } from '../../sdk/template/json-template.js';

const scope = { input: { id: 7, name: 'Ada', tags: ['a', 'b'], flag: true, none: null, filter: { status: 'open' } }, env: 'live' };

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('expected a TemplateError, nothing was thrown');
}

describe('compileJsonTemplate', () => {
  it('keeps the JSON type of strings that are exactly one output', () => {
    const body = compileJsonTemplate(
      { id: '{{ input.id }}', tags: '{{ input.tags }}', flag: '{{ input.flag }}', none: '{{ input.none }}', filter: '{{ input.filter }}' },
      '/body',
    );
    expect(body(scope)).toEqual({ id: 7, tags: ['a', 'b'], flag: true, none: null, filter: { status: 'open' } });
  });

  it('renders other templates as text', () => {
    const body = compileJsonTemplate({ greeting: 'Hello {{ input.name }}', count: '{{ input.tags | size }} tags', env: '{{ env | upcase }}' }, '/body');
    expect(body(scope)).toEqual({ greeting: 'Hello Ada', count: '2 tags', env: 'LIVE' });
  });

  it('keeps static strings, numbers, booleans and null as they are', () => {
    const value = { s: 'plain', n: 1.5, t: false, z: null, nested: [0, 'x', { deep: true }] };
    expect(compileJsonTemplate(value, '/body')(scope)).toEqual(value);
  });

  it('handles a bare value at the root', () => {
    expect(compileJsonTemplate('{{ input.id }}', '/body')(scope)).toBe(7);
    expect(compileJsonTemplate('static', '/body')(scope)).toBe('static');
    expect(compileJsonTemplate(42, '/body')(scope)).toBe(42);
    expect(compileJsonTemplate(null, '/body')(scope)).toBeNull();
    expect(compileJsonTemplate(undefined, '/body')(scope)).toBeUndefined();
  });

  it('walks arrays and nested objects, keeping key order', () => {
    const body = compileJsonTemplate({ b: ['{{ input.id }}', ['{{ input.name }}']], a: { c: '{{ input.flag }}' } }, '/body');
    const out = body(scope) as Record<string, unknown>;
    expect(out).toEqual({ b: [7, ['Ada']], a: { c: true } });
    expect(Object.keys(out)).toEqual(['b', 'a']);
  });

  it('builds a fresh value on every call', () => {
    const body = compileJsonTemplate({ list: ['{{ input.id }}'] }, '/body');
    const first = body(scope) as { list: unknown[] };
    first.list.push('changed');
    expect(body(scope)).toEqual({ list: [7] });
  });

  it('does not evaluate input that looks like a template', () => {
    const body = compileJsonTemplate({ q: '{{ input.q }}' }, '/body');
    expect(body({ input: { q: '{{ credentials.secret }}' } })).toEqual({ q: '{{ credentials.secret }}' });
  });

  it('names the failing string by its escaped pointer when compiling', () => {
    const error = thrown(() => compileJsonTemplate({ 'a/b': [{ 'c~d': '{{ input.x | nope }}' }] }, '/actions/x/body'));
    expect(error.pointer).toBe('/actions/x/body/a~1b/0/c~0d');
    expect(error.message).toBe('template at /actions/x/body/a~1b/0/c~0d does not parse: undefined filter: nope, line:1, col:1');
  });

  it('names the failing string by its pointer when rendering', () => {
    const body = compileJsonTemplate({ items: ['ok', '{{ input.missing }}'] }, '/body');
    const error = thrown(() => body(scope));
    expect(error.pointer).toBe('/body/items/1');
    expect(error.message).toBe('template at /body/items/1 failed: undefined variable: input.missing, line:1, col:1');
  });

  // Manifests are parsed with JSON.parse, which makes "__proto__" an own key; a plain assignment
  // would set the rendered body's prototype instead and lose the field.
  it('keeps a body key named "__proto__" as a field, never as the prototype', () => {
    const body = compileJsonTemplate(JSON.parse('{"__proto__": {"role": "admin"}, "name": "n"}'), '/body');
    expect(JSON.stringify(body(scope))).toBe('{"__proto__":{"role":"admin"},"name":"n"}');
  });
});
