/**
 * Property: the template fast path (text with plain `{{ a.b }}` outputs, concatenated without
 * the engine) renders exactly what liquidjs renders with the same options, or both fail: on
 * random scopes (every JSON type, awkward keys, numbers like -0 and 1e21, strings that look like
 * Liquid) and random templates (whitespace control, odd spacing, stray braces, Liquid literals).
 */
import fc from 'fast-check';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { compileTemplate, ENGINE_OPTIONS, type TemplateScope } from '../../sdk/template/liquid.js';
import { fuzz } from './support/fuzz.js';

/** liquidjs as the SDK configures it, without the SDK's fast path: a separate engine from the same options. */
const plain = new Liquid(ENGINE_OPTIONS);

const name = fc.oneof(
  fc.constantFrom('a', 'b', 'id', 'size', 'first', 'last', 'x-y', 'nil', 'empty', 'blank', 'true', 'false', 'null', 'constructor', '__proto__', 'toString', 'length', 'a-', 'a--b'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,3}$/),
);
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 5 }),
  fc.constantFrom(0, -0, 1e21, 1e-7, 0.1, -1.5, 2 ** 53, '', ' ', '{{ x }}', '{% if %}', '\u2028'),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(name, tie('v'), { maxKeys: 3 })),
})).v;
const scope = fc.record(
  {
    credentials: fc.dictionary(name, value, { maxKeys: 4 }),
    input: fc.dictionary(name, value, { maxKeys: 4 }),
    auth: fc.dictionary(name, value, { maxKeys: 3 }),
    env: fc.constantFrom('live', 'dev'),
    now: fc.integer(),
  },
  { requiredKeys: ['env', 'now'] },
);
const path = fc
  .tuple(fc.constantFrom('credentials', 'input', 'auth', 'env', 'now', 'unknown', 'true', 'nil'), fc.array(name, { maxLength: 3 }))
  .map(([root, rest]) => [root, ...rest].join('.'));
const space = fc.constantFrom('', ' ', '  ', '\n', '\t', ' \r\n ', '\u00a0', '\v', '\f');
const output = fc
  .tuple(fc.boolean(), space, path, space, fc.boolean())
  .map(([left, before, expression, after, right]) => `{{${left ? '-' : ''}${before}${expression}${after}${right ? '-' : ''}}}`);
const text = fc.oneof(
  fc.string({ maxLength: 6, unit: fc.constantFrom('a', ' ', '\n', '\t', '-', '}', '{', '%', '\u00a0', 'é', '}}', '{{', '-}}', '{%', '%}') }),
  space,
);
const template = fc.array(fc.oneof({ weight: 2, arbitrary: output }, text), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

function outcome(render: () => string): string {
  try {
    return `ok:${render()}`;
  } catch {
    return 'error';
  }
}

describe('template fast path ≡ liquidjs', () => {
  it('renders what liquidjs renders, or both fail', async () => {
    await fuzz(
      'template fast path agrees with liquidjs',
      [template, scope],
      (source, values) => {
        const ours = outcome(() => compileTemplate(source, '/fuzz').render(values as TemplateScope));
        const theirs = outcome(() => plain.parseAndRenderSync(source, values) as string);
        expect(ours, JSON.stringify(source)).toBe(theirs);
      },
      3_000,
    );
  });

  it('renderValue of a single output equals the rendered text for scalars', async () => {
    await fuzz(
      'template renderValue agrees with render for scalars',
      [path, scope],
      (expression, values) => {
        const compiled = compileTemplate(`{{ ${expression} }}`, '/fuzz');
        let value: unknown;
        try {
          value = compiled.renderValue(values as TemplateScope);
        } catch {
          return;
        }
        if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
          expect(value === null ? '' : String(value)).toBe(compiled.render(values as TemplateScope));
        }
      },
      1_000,
    );
  });
});
