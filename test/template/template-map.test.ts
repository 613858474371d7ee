/** Unit tests of sdk/template/template-map.ts: name → template objects compiled once, in order. */
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../sdk/errors.js';
import { compileTemplateMap } from '../../sdk/template/template-map.js';

describe('compileTemplateMap', () => {
  it('compiles each entry, in the order of the object', () => {
    const map = compileTemplateMap({ 'X-Tenant': '{{ credentials.tenant }}', Accept: 'application/json' }, '/headers');
    expect(map.map(([name]) => name)).toEqual(['X-Tenant', 'Accept']);
    const scope = { credentials: { tenant: 't-1' } };
    expect(map.map(([name, template]) => [name, template.render(scope)])).toEqual([
      ['X-Tenant', 't-1'],
      ['Accept', 'application/json'],
    ]);
    expect(map.map(([, template]) => template.isStatic)).toEqual([false, true]);
  });

  it('is empty for null, undefined and an empty object', () => {
    expect(compileTemplateMap(null, '/headers')).toEqual([]);
    expect(compileTemplateMap(undefined, '/headers')).toEqual([]);
    expect(compileTemplateMap({}, '/headers')).toEqual([]);
  });

  it('leaves out entries whose value is not a string', () => {
    const object = { a: 'x', b: undefined, c: 5, d: null } as unknown as Record<string, string | undefined>;
    expect(compileTemplateMap(object, '/query').map(([name]) => name)).toEqual(['a']);
  });

  it('names a template that does not parse by its escaped pointer', () => {
    let caught: unknown;
    try {
      compileTemplateMap({ ok: 'x', 'a/b~c': '{{ credentials.x' }, '/actions/get/query');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).pointer).toBe('/actions/get/query/a~1b~0c');
    expect((caught as TemplateError).message).toBe(
      'template at /actions/get/query/a~1b~0c does not parse: output "{{ credentials.x" not closed, line:1, col:1',
    );
  });

  it('names a render failure by the entry pointer', () => {
    const [[, template] = ['', undefined]] = compileTemplateMap({ 'X-Key': '{{ credentials.key }}' }, '/headers');
    expect(() => template?.render({ credentials: {} })).toThrow('template at /headers/X-Key failed: undefined variable: credentials.key, line:1, col:4');
  });
});
