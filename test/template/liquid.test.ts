/**
 * Unit tests of sdk/template/liquid.ts: the engine's options, static and fast-path templates,
 * strict variables and filters, own-property-only access, the parse/render/memory limits, the
 * SDK's filters and refused tags, renderValue's types, and templateVariables.
 */
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../sdk/errors.js';
import {
  compileOptionalTemplate,
  compileTemplate,
  ENGINE_OPTIONS,
  templateVariables,
  type TemplateScope,
} from '../../sdk/template/liquid.js';

/** liquidjs configured as the SDK configures it, without the SDK's fast path or filters. */
const plain = new Liquid(ENGINE_OPTIONS);

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('expected a TemplateError, nothing was thrown');
}

const render = (source: string, scope: TemplateScope = {}) => compileTemplate(source, '/t').render(scope);
const renderValue = (source: string, scope: TemplateScope = {}) => compileTemplate(source, '/t').renderValue(scope);

describe('ENGINE_OPTIONS', () => {
  it('holds the options the engine is built with', () => {
    expect(ENGINE_OPTIONS).toEqual({
      strictVariables: true,
      strictFilters: true,
      ownPropertyOnly: true,
      lenientIf: true,
      templates: {},
      parseLimit: 65_536,
      renderLimit: 200,
      memoryLimit: 10_000_000,
      outputEscape: undefined,
      timezoneOffset: 0,
      locale: 'en-US',
    });
  });

  it('is frozen, its template map too', () => {
    expect(Object.isFrozen(ENGINE_OPTIONS)).toBe(true);
    expect(Object.isFrozen(ENGINE_OPTIONS.templates)).toBe(true);
  });
});

describe('compileTemplate: static text', () => {
  it('marks text without {{ or {% static and returns it for any scope', () => {
    const template = compileTemplate('plain } text { with %} braces', '/t');
    expect(template.isStatic).toBe(true);
    expect(template.source).toBe('plain } text { with %} braces');
    expect(template.render({})).toBe('plain } text { with %} braces');
    expect(template.renderValue({ input: { x: 1 } })).toBe('plain } text { with %} braces');
  });

  it('never parses static text, so the parse limit does not apply to it', () => {
    const long = 'a'.repeat(100_000);
    expect(compileTemplate(long, '/t').render({})).toBe(long);
  });

  it('is not static as soon as the text has an output or a tag', () => {
    expect(compileTemplate('{{ env }}', '/t').isStatic).toBe(false);
    expect(compileTemplate('{% if true %}x{% endif %}', '/t').isStatic).toBe(false);
  });
});

describe('compileOptionalTemplate', () => {
  it('returns undefined for an absent field and a template otherwise', () => {
    expect(compileOptionalTemplate(undefined, '/t')).toBeUndefined();
    expect(compileOptionalTemplate('{{ env }}', '/t')?.render({ env: 'dev' })).toBe('dev');
  });
});

describe('strict variables and filters', () => {
  it('refuses an undefined variable when rendering, naming the field', () => {
    const error = thrown(() => render('{{ credentials.a }}', { credentials: {} }));
    expect(error.pointer).toBe('/t');
    expect(error.message).toBe('template at /t failed: undefined variable: credentials.a, line:1, col:4');
  });

  it('names the root as "/" when the field has no pointer', () => {
    const error = thrown(() => compileTemplate('{{ x }}', '').render({}));
    expect(error.pointer).toBe('');
    expect(error.message).toBe('template at / failed: undefined variable: x, line:1, col:4');
  });

  it('renders null as the empty string', () => {
    expect(render('[{{ credentials.a }}]', { credentials: { a: null } })).toBe('[]');
  });

  it('refuses an unknown filter when compiling', () => {
    const error = thrown(() => compileTemplate('{{ input.x | shout }}', '/t'));
    expect(error.pointer).toBe('/t');
    expect(error.message).toBe('template at /t does not parse: undefined filter: shout, line:1, col:1');
  });

  it('reports a template that does not parse at its field', () => {
    const error = thrown(() => compileTemplate('https://{{ credentials.host /api', '/base_url'));
    expect(error.pointer).toBe('/base_url');
    expect(error.message).toBe('template at /base_url does not parse: output "{{ credentials.host /api" not closed, line:1, col:9');
  });

  it('lets {% if %} test an input the caller left out (lenientIf)', () => {
    expect(render('{% if input.missing %}yes{% else %}no{% endif %}', { input: {} })).toBe('no');
  });
});

describe('own properties only', () => {
  const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it.each(names)('{{ credentials.%s }} is an undefined variable', (name) => {
    const error = thrown(() => render(`{{ credentials.${name} }}`, { credentials: { api_key: 'k' } }));
    expect(error.message).toBe(`template at /t failed: undefined variable: credentials.${name}, line:1, col:4`);
    const valueError = thrown(() => renderValue(`{{ credentials.${name} }}`, { credentials: { api_key: 'k' } }));
    expect(valueError.message).toBe(`template at /t failed: undefined variable: credentials.${name}, line:1, col:1`);
  });

  it('does not reach a property deeper down the prototype chain', () => {
    expect(thrown(() => render('{{ credentials.constructor.name }}', { credentials: {} })).message).toBe(
      'template at /t failed: undefined variable: credentials.constructor, line:1, col:4',
    );
    expect(thrown(() => render('{{ credentials["constructor"] }}', { credentials: {} })).message).toBe(
      'template at /t failed: undefined variable: credentials.constructor, line:1, col:4',
    );
  });

  it('does not read inherited properties of the scope objects', () => {
    const inherited = Object.create({ a: 'inherited' }) as Record<string, unknown>;
    expect(thrown(() => render('{{ credentials.a }}', { credentials: inherited })).message).toBe(
      'template at /t failed: undefined variable: credentials.a, line:1, col:4',
    );
    expect(thrown(() => render('x {{ input.s.constructor }}', { input: { s: 'text' } })).message).toBe(
      'template at /t failed: undefined variable: input.s.constructor, line:1, col:6',
    );
  });

  it('still reads own properties with those names', () => {
    expect(render('{{ input.constructor }}', { input: { constructor: 'own' } })).toBe('own');
  });
});

describe('limits', () => {
  it('parses a template of 65 536 characters and refuses one more', () => {
    const at = (length: number) => `{{ x }}${'a'.repeat(length - 7)}`;
    expect(compileTemplate(at(65_536), '/t').isStatic).toBe(false);
    expect(thrown(() => compileTemplate(at(65_537), '/t')).message).toBe('template at /t does not parse: parse length limit exceeded');
  });

  it('stops a runaway loop at the render limit', () => {
    const started = performance.now();
    const error = thrown(() => render('{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}'));
    // The limit is a time budget: which loop is running when it runs out depends on the machine.
    expect(error.message).toMatch(/^template at \/t failed: template render limit exceeded, line:1, col:(?:1|27)$/);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('stops a huge range at the memory limit', () => {
    expect(thrown(() => render('{% for i in (1..20000000) %}{% endfor %}')).message).toBe(
      'template at /t failed: memory alloc limit exceeded, line:1, col:1',
    );
  });

  it('stops a string that doubles itself at the memory limit', () => {
    const source = '{% assign s = "xxxxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
    expect(thrown(() => render(source)).message).toBe('template at /t failed: memory alloc limit exceeded, line:1, col:52');
  });

  it('stops a filter that allocates per character of a large input', () => {
    const error = thrown(() => render('{{ input.a | split: "" | join: "," }}', { input: { a: 'x'.repeat(20_000_000) } }));
    expect(error.message).toBe('template at /t failed: memory alloc limit exceeded, line:1, col:1');
  });
});

describe('tags and filters', () => {
  it.each(['include', 'render', 'layout'])('refuses the {%% %s %%} tag', (tag) => {
    expect(thrown(() => compileTemplate(`{% ${tag} "other" %}`, '/t')).message).toBe(
      `template at /t does not parse: the {% ${tag} %} tag is not available in connector templates, line:1, col:1`,
    );
  });

  it('encodes and decodes base64', () => {
    expect(render('{{ input.x | base64_encode }}', { input: { x: 'hi there' } })).toBe('aGkgdGhlcmU=');
    expect(render('{{ input.x | base64_encode }}', { input: { x: 'é' } })).toBe('w6k=');
    expect(render('{{ input.x | base64url_encode }}', { input: { x: '??>' } })).toBe('Pz8-');
    expect(render('{{ input.x | base64_decode }}', { input: { x: 'aGk=' } })).toBe('hi');
  });

  it('percent-encodes with uri_encode (RFC 3986) where url_encode writes "+"', () => {
    expect(render('{{ input.x | uri_encode }}', { input: { x: 'a b/c&d=é' } })).toBe('a%20b%2Fc%26d%3D%C3%A9');
    expect(render('{{ input.x | url_encode }}', { input: { x: 'a b' } })).toBe('a+b');
  });

  it('treats null as the empty string in the SDK filters', () => {
    const scope = { input: { x: null } };
    for (const filter of ['base64_encode', 'base64url_encode', 'base64_decode', 'uri_encode']) {
      expect(render(`[{{ input.x | ${filter} }}]`, scope), filter).toBe('[]');
    }
  });

  it('writes JSON with | json', () => {
    expect(render('{{ input.x | json }}', { input: { x: 'a"b\\' } })).toBe('"a\\"b\\\\"');
  });
});

describe('renderValue', () => {
  const scope = { input: { n: 5, f: false, z: null, list: [1, 2], obj: { a: [1] }, s: 'text' } };

  it('keeps the JSON type of a template that is one plain output', () => {
    expect(renderValue('{{ input.n }}', scope)).toBe(5);
    expect(renderValue('{{ input.f }}', scope)).toBe(false);
    expect(renderValue('{{ input.z }}', scope)).toBeNull();
    expect(renderValue('{{ input.list }}', scope)).toEqual([1, 2]);
    expect(renderValue('{{ input.obj }}', scope)).toEqual({ a: [1] });
    expect(renderValue('{{- input.n -}}', scope)).toBe(5);
  });

  it('returns the very object of the scope, not a copy', () => {
    expect(renderValue('{{ input.obj }}', scope)).toBe(scope.input.obj);
  });

  it('evaluates an output with filters or Liquid properties through the engine, keeping its type', () => {
    expect(renderValue('{{ input.list | size }}', scope)).toBe(2);
    expect(renderValue('{{ input.list.first }}', scope)).toBe(1);
    expect(renderValue('{{ 42 }}', scope)).toBe(42);
    expect(renderValue('{{ "lit" }}', scope)).toBe('lit');
  });

  it('renders text around an output as a string', () => {
    expect(renderValue(' {{ input.n }}', scope)).toBe(' 5');
    expect(renderValue('{{ input.n }}{{ input.n }}', scope)).toBe('55');
    expect(renderValue('{% if input.f %}a{% else %}{{ input.n }}{% endif %}', scope)).toBe('5');
  });

  it('refuses an undefined variable like render', () => {
    const error = thrown(() => renderValue('{{ input.missing }}', scope));
    expect(error.pointer).toBe('/t');
    expect(error.message).toBe('template at /t failed: undefined variable: input.missing, line:1, col:1');
  });
});

describe('fast path ≡ liquidjs', () => {
  /** Templates the fast path takes (plain outputs), what both render, on fixed scopes. */
  const CASES: [source: string, scope: TemplateScope, expected: string][] = [
    ['{{ input.a }}-{{ input.b }}', { input: { a: null, b: 0 } }, '-0'],
    ['{{ input.n }}', { input: { n: -0 } }, '0'],
    ['{{ input.n }}', { input: { n: 1e21 } }, '1e+21'],
    ['{{ input.n }}', { input: { n: 1e-7 } }, '1e-7'],
    ['{{ input.n }}', { input: { n: 0.1 } }, '0.1'],
    ['x{{input.t}}y', { input: { t: true } }, 'xtruey'],
    ['{{ input.q }}', { input: { q: '{{ credentials.k }}' } }, '{{ credentials.k }}'],
    ['[{{ input.list }}]', { input: { list: [1, 'a', null] } }, '[1a]'],
    ['[{{ input.obj }}]', { input: { obj: { a: 1 } } }, '[[object Object]]'],
    ['{{ input.list.size }}/{{ input.list.first }}/{{ input.list.last }}', { input: { list: [3, 4] } }, '2/3/4'],
    ['{{ input.s.size }}', { input: { s: 'abcd' } }, '4'],
    ['{{ input.x-y }}', { input: { 'x-y': 'dash' } }, 'dash'],
    ['a {{- input.v -}} b', { input: { v: 'V' } }, 'aVb'],
    ['a\n{{- input.v }}\n', { input: { v: 'V' } }, 'aV\n'],
    ['{{ env }}@{{ now }}', { env: 'dev', now: 1_700_000_000 }, 'dev@1700000000'],
    ['{{ input.nested.deep.value }}', { input: { nested: { deep: { value: 'd' } } } }, 'd'],
    ['{{ nil }}|{{ true }}|{{ empty }}', {}, '|true|'],
  ];

  it.each(CASES)('%j renders %j', (source, scope, expected) => {
    expect(render(source, scope)).toBe(expected);
    expect(plain.parseAndRenderSync(source, scope)).toBe(expected);
  });

  it('fails where liquidjs fails: a missing variable and an inherited one', () => {
    for (const [source, scope] of [
      ['{{ input.nested.deep.missing }}', { input: { nested: { deep: {} } } }],
      ['{{ input.toString }}', { input: {} }],
    ] as const) {
      expect(() => plain.parseAndRenderSync(source, scope)).toThrow(/^undefined variable/);
      expect(() => render(source, scope)).toThrow(TemplateError);
    }
  });
});

describe('templateVariables', () => {
  it('lists each variable once, as path segments, in order of appearance', () => {
    expect(templateVariables('{{ credentials.host }}/{{ input.user.id }} {% if auth.access_token %}{{ now }}{% endif %}{{ credentials.host }}')).toEqual([
      ['credentials', 'host'],
      ['input', 'user', 'id'],
      ['auth', 'access_token'],
      ['now'],
    ]);
  });

  it('writes a computed key as the dotted variable and lists that variable too', () => {
    expect(templateVariables('{{ input.items[input.index].name }}')).toEqual([
      ['input', 'items', 'input.index', 'name'],
      ['input', 'index'],
    ]);
  });

  it('leaves out loop and assigned variables', () => {
    expect(templateVariables('{% for i in input.items %}{{ i.name }}{{ forloop.index }}{% endfor %}{% assign y = credentials.h %}{{ y }}')).toEqual([
      ['input', 'items'],
      ['credentials', 'h'],
    ]);
  });

  it('is empty for static text', () => {
    expect(templateVariables('no variables')).toEqual([]);
  });

  it('throws a TemplateError at the field when the template does not parse', () => {
    const error = thrown(() => templateVariables('{{ x', '/p'));
    expect(error.pointer).toBe('/p');
    expect(error.message).toBe('template at /p does not parse: output "{{ x" not closed, line:1, col:1');
    expect(thrown(() => templateVariables('{{ x')).message).toBe('template at / does not parse: output "{{ x" not closed, line:1, col:1');
  });
});
