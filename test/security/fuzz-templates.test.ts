/**
 * Property: the template fast path (sdk/template/direct-render.ts: text with `{{ a.b }}`
 * outputs, filter chains of the SDK's filters and captures, rendered without the engine) renders
 * exactly what liquidjs renders with the same options and filters, or both fail: on random
 * scopes (every JSON type, awkward keys, numbers like -0 and 1e21, strings that look like
 * Liquid) and random templates (whitespace control, odd spacing, stray braces, Liquid literals,
 * filters the fast path must leave to the engine, wrong arguments, captures read with a property).
 */
import fc from 'fast-check';
import { Liquid, TypeGuards, toValue, toValueSync } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { compileDirect } from '../../sdk/template/direct-render.js';
import { registerFilters } from '../../sdk/template/filters.js';
import { compileTemplate, ENGINE_OPTIONS, type TemplateScope } from '../../sdk/template/liquid.js';
import { fuzz } from './support/fuzz.js';

/** liquidjs as the SDK configures it, without the SDK's fast path: a separate engine from the same options. */
const plain = new Liquid(ENGINE_OPTIONS);
/** liquidjs with the SDK's filters and their parse-time checks, and no fast path. */
const withFilters = new Liquid(ENGINE_OPTIONS);
const inspectFilters = registerFilters(withFilters, { TypeGuards, toValue, toValueSync });

function engineRender(source: string, values: object): string {
  const parsed = withFilters.parse(source);
  inspectFilters(parsed);
  return withFilters.renderSync(parsed, values) as string;
}

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

// Filter chains and captures: operands, arguments (by position and by name, some wrong), filters
// the fast path runs and some it must leave to the engine, spacing it accepts and some it does not.
const literal = fc.oneof(
  fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'Z', ' ', '1', '-', '=', '&', '/', '%', 'é', '\u2028') }).map((text) => `"${text}"`),
  fc.constantFrom("'sha256'", '"sha1"', '"sha512"', '"md5"', '"hex"', '"base64"', '"base64url"', '"text"', '"milliseconds"', '"now"', '"today"', '"2023-11-14T22:13:20Z"', "'x'", '""'),
  fc.constantFrom('16', '32', '0', '-60', '300', '1.5', '-0', '2000', '1e3'),
);
const operand = fc.oneof({ weight: 3, arbitrary: path }, literal, fc.constantFrom('canon', 'canon.size', 'x', 'credentials', 'now', 'nil', 'true'));
const filterName = fc.constantFrom(
  'md5', 'sha1', 'sha256', 'sha512', 'hmac', 'hmac_sha256', 'base64_encode', 'base64url_encode', 'hex_encode', 'base64_decode',
  'base64url_decode', 'hex_decode', 'uri_encode', 'nonce', 'uuid', 'unix_time', 'unix_time_ms', 'iso8601', 'http_date', 'time_add',
  'strftime', 'upcase', 'append', 'size', 'date', 'no_such_filter',
);
const argument = fc.oneof(
  { weight: 2, arbitrary: operand },
  fc.tuple(fc.constantFrom('key', 'algorithm', 'key_encoding', 'output', 'bytes', 'precision', 'seconds', 'constructor'), operand).map(([key, value]) => `${key}: ${value}`),
);
const gap = fc.constantFrom('', ' ', ' ', '  ', '\t');
const filter = fc
  .tuple(gap, filterName, fc.array(argument, { maxLength: 3 }), gap)
  .map(([before, name, args, after]) => `|${before}${name}${args.length ? `:${after}${args.join(`,${after}`)}` : ''}${after}`);
const chain = fc
  .tuple(space, operand, fc.array(filter, { minLength: 1, maxLength: 3 }), space)
  .map(([before, value, filters, after]) => `{{${before}${value} ${filters.join(' ')}${after}}}`);
const body = fc.array(fc.oneof(chain, output, text), { maxLength: 3 }).map((parts) => parts.join(''));
const capture = fc
  .tuple(fc.constantFrom('canon', 'x', 'credentials', 'nil'), body, fc.constantFrom('', ' ', '-'))
  .map(([name, inner, trim]) => `{%${trim} capture ${name} %}${inner}{% endcapture ${trim}%}`);
const filtered = fc.array(fc.oneof({ weight: 3, arbitrary: chain }, capture, output, text), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));

// The same, well formed: nearly every case is in the fast path's subset and renders there, so a
// wrong capture, chain or argument binding shows (the noisy cases above mostly test the way out).
const safeText = fc.string({ maxLength: 4, unit: fc.constantFrom('a', ' ', '\n', '-', '&', '=', ':', '/', 'é') });
const key = fc.oneof(fc.constantFrom('credentials.a', 'credentials.b', 'credentials.id', 'input.a', 'env'), fc.constantFrom('"k3y"', "'s'", '"6b6579"'));
const validFilter = fc.oneof(
  fc.constantFrom('sha256', 'md5', 'sha1: "base64"', 'sha512: output: "base64url"', 'base64_encode', 'base64url_encode', 'hex_encode', 'uri_encode', 'base64_decode', 'uuid', 'nonce', 'nonce: 8, "base64url"', 'nonce: bytes: 4'),
  fc.tuple(fc.constantFrom('hmac', 'hmac_sha256'), key, fc.constantFrom('', ', "sha1"', ', algorithm: "sha512"', ', output: "base64"', ', key_encoding: "hex"', ', "sha256", output: "base64url"')).map(
    ([name, k, rest]) => `${name}: ${k}${name === 'hmac_sha256' && rest.startsWith(', "') ? '' : rest}`,
  ),
);
const wellPath = fc.constantFrom('credentials.a', 'credentials.b', 'credentials.id', 'input.a', 'env', 'now', 'credentials.missing');
const wellOutput = fc.tuple(wellPath, space).map(([value, around]) => `{{${around}${value} }}`);
const timeFilter = fc.constantFrom('unix_time', 'unix_time_ms', 'iso8601', 'iso8601: "milliseconds"', 'http_date', 'time_add: 300', 'time_add: -60 | unix_time');
const wellChain = fc.oneof(
  fc.tuple(fc.oneof(wellPath, fc.constantFrom('canon', 'canon', '"text"', "'a b'")), fc.array(validFilter, { minLength: 1, maxLength: 3 }), gap).map(([value, filters, g]) => `{{ ${value} ${filters.map((f) => `|${g}${f}`).join(' ')} }}`),
  fc.tuple(fc.constantFrom('now', '"now"', '1700000000', '"2023-11-14T22:13:20Z"'), timeFilter).map(([value, f]) => `{{ ${value} | ${f} }}`),
);
const canonBody = fc.array(fc.oneof(wellOutput, wellChain, safeText), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
const wellFormed = fc
  .tuple(fc.option(canonBody, { nil: undefined }), fc.array(fc.oneof({ weight: 3, arbitrary: wellChain }, wellOutput, safeText, fc.constant('{{ canon }}')), { minLength: 1, maxLength: 4 }))
  .map(([captured, parts]) => `${captured === undefined ? '' : `{% capture canon %}${captured}{% endcapture %}`}${parts.join('')}`);
const wellScope = fc.record({
  credentials: fc.record({ a: fc.string({ maxLength: 8 }), b: fc.constantFrom('6b6579', 's3cr3t', ''), id: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)) }),
  input: fc.record({ a: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()) }),
  env: fc.constantFrom('live', 'dev'),
  now: fc.integer({ min: 0, max: 4_000_000_000 }),
});

function outcome(render: () => string): string {
  try {
    return `ok:${render()}`;
  } catch {
    return 'error';
  }
}

/** The fast path with the SDK's filters renders what the engine renders, or both fail. */
async function agreesWithFilters(property: string, templates: fc.Arbitrary<string>, scopes: fc.Arbitrary<object>): Promise<void> {
  await fuzz(
    property,
    [templates, scopes],
    (source, values) => {
      // One scope object for both: a nonce or uuid is then the same request's value on both sides.
      const ours = outcome(() => compileTemplate(source, '/fuzz').render(values as TemplateScope));
      const theirs = outcome(() => engineRender(source, values));
      expect(ours, JSON.stringify(source)).toBe(theirs);
    },
    3_000,
  );
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

  it('renders filter chains and captures as liquidjs with the SDK\'s filters does, or both fail', () =>
    agreesWithFilters('template fast path with filters agrees with liquidjs', filtered, scope));

  it('renders well-formed filter chains and captures as liquidjs does', () =>
    agreesWithFilters('template fast path with well-formed filters agrees with liquidjs', wellFormed, wellScope));

  it('renders the signing templates of the samples without the engine, as the engine does', () => {
    const scope = { credentials: { secret: 'k3y', hex: '6b6579' }, request: { method: 'GET', path: '/v1/a', canonical_query: 'a=1&b=2', date: 'Tue, 14 Nov 2023 22:13:20 GMT' }, now: 1_700_000_000 };
    const sources = [
      "{% capture canon %}{{ request.method }}\n{{ request.path }}\n{{ request.canonical_query }}\n{{ request.date }}{% endcapture %}{{ canon | hmac: credentials.secret, 'sha256' }}",
      '{{ request.path | hmac: credentials.hex, key_encoding: "hex", output: "base64" }}',
      '{{ request.method | append: "x" | sha256 }}',
      '{{ now | time_add: 300 | unix_time }}:{{ "n" | nonce: 8 }}:{{ "n" | nonce: 8 }}',
    ];
    for (const source of sources) expect(compileTemplate(source, '/t').render(scope), source).toBe(engineRender(source, scope));
    // Rendered on the direct path itself, not by falling back; liquidjs's own `append` is the engine's.
    const direct = sources.map((source) => compileDirect(source)?.(scope));
    expect(direct).toEqual([engineRender(sources[0]!, scope), engineRender(sources[1]!, scope), undefined, engineRender(sources[3]!, scope)]);
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
