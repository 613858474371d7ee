/**
 * JSONPath is code (jsonpath-plus SECURITY.md, RFC 9535 §4). Every script payload from the
 * jsonpath-plus advisories, and the ways to smuggle one past a naive check, is refused by
 * validateManifest with a clear diagnostic, refused again by compileJsonPath (a host that skips
 * validation), and would meet `eval: false` in the library besides. Each payload sets a global
 * canary if it ever runs; the canary setup checks it after every test. Also: a response nested
 * 100 000 levels deep searched with `..` (case 37).
 */
import { JSONPath } from 'jsonpath-plus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector, loadConnector, ResponseError, validateManifest, type ConnectorManifest } from '../../sdk/index.js';
import { checkJsonPath, compileJsonPath } from '../../sdk/extract/json-path.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { EXECUTION_CANARY } from './support/canary.js';
import { apiKeyCredentials, apiKeyManifest, registerCanaries } from './support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from './support/servers.js';

registerCanaries();

const SET = `globalThis.${EXECUTION_CANARY}=1`;

/** [where it comes from, payload]. */
const PAYLOADS: [string, string][] = [
  ['CVE-2024-21534 (vm by default, < 10.0.0)', `$..[?(p="${SET}";a=''[['constructor']][['constructor']](p);a())]`],
  ['#226 payload 1: var _$_root = Function', `$[?(var _$_root=[].constructor.constructor("${SET}");@root())]`],
  [
    '#226 payload 2: defineProperty DoS',
    "$[?(con = constructor; dp = con.defineProperty; gopd = con.getOwnPropertyDescriptor; f = gopd(con, 'entries').value; alt = gopd(con.getPrototypeOf(f), 'apply'); dp(con.getPrototypeOf(_$_root.body), 'toString', alt);)]",
  ],
  ['#226 payload 3: __proto__ = constructor', `$[?(__proto__ = 0; __proto__ = constructor; __proto__ = constructor; __proto__("${SET}")())]`],
  ['CVE-2025-1302: safe-eval member bypass', `$[?(@.constructor.constructor("${SET}")())]`],
  ['10.4.0: __lookupGetter__', `$..[?(@.__lookupGetter__('__proto__').call(@).constructor.constructor("${SET}")())]`],
  ['#266 (after 10.4.1): getPrototypeOf(@).constructor', `$[?(Object.getPrototypeOf(@).constructor.constructor("${SET}")())]`],
  ['script index [(…)]', `$[(this.constructor.constructor("${SET}")())]`],
  ['recursive-function DoS (okta-auth-js test)', '$..[?((function a(arr){a([...arr, ...arr])})([1]);)]'],
  ['the task brief: $..[?(@.constructor…)]', `$..[?(@.constructor.constructor('${SET}')())]`],
  ['filter written inside single quotes', `$['?(@.constructor.constructor("${SET}")())']`],
  ['script written inside double quotes', `$["(@.constructor.constructor('${SET}')())"]`],
  ['filter inside a union', `$.a['b','?(@.constructor.constructor("${SET}")())']`],
  ['filter after recursive descent, quoted', `$..['?(@.constructor.constructor("${SET}")())']`],
  ['Locoia form without $', `data[?(@.constructor.constructor("${SET}")())]`],
  ['nested filter', `$.a[?(@.b[?(@.constructor.constructor("${SET}")())])]`],
  ['dynamic index with whitespace', `$[ (@.length-1) ]`],
];

function manifestWith(path: string, where: 'output' | 'token'): ConnectorManifest {
  const base = apiKeyManifest('https://api.example.com');
  if (where === 'output') return { ...base, actions: { get: { method: 'GET', path: '/x', output: path } } };
  return {
    ...base,
    headers: {},
    credentials: { type: 'object', properties: { k: { type: 'string', 'x-secret': true } } },
    auth: {
      type: 'oauth2_custom_token',
      token_url: 'https://api.example.com/token',
      body: { key: '{{ credentials.k }}' },
      token_response: { access_token_path: path },
    },
  };
}

describe('script payloads (case 36)', () => {
  it.each(PAYLOADS)('%s: refused by validateManifest, with a clear diagnostic', (_name, payload) => {
    for (const [where, pointer] of [
      ['output', '/actions/get/output'],
      ['token', '/auth/token_response/access_token_path'],
    ] as const) {
      const result = validateManifest(manifestWith(payload, where));
      expect(result.valid).toBe(false);
      const diagnostic = result.diagnostics.find((d) => d.pointer === pointer);
      expect(diagnostic?.message).toBe('script and filter expressions ("?(…)", "(…)") are not allowed in JSONPaths: select by name or index');
      expect(diagnostic?.hint).toContain('plain path');
    }
  });

  it.each(PAYLOADS)('%s: compileJsonPath refuses it, so a host that skips validation cannot run it either', async (_name, payload) => {
    expect(checkJsonPath(payload)).toMatch(/not allowed/);
    expect(() => compileJsonPath(payload)).toThrow(/script and filter expressions/);
    expect(() => new Connector(manifestWith(payload, 'output'))).toThrow(/script and filter expressions/);
    expect(() => new Connector(manifestWith(payload, 'token'))).toThrow(/script and filter expressions/);
    await expect(loadConnector(manifestWith(payload, 'output'))).rejects.toThrow(/not a valid connector manifest/);
  });

  it.each(PAYLOADS.filter(([, payload]) => payload.includes('(')))(
    '%s: jsonpath-plus with eval:false (the second wall) never runs it',
    (_name, payload) => {
      const json = { a: { b: { x: 1 } }, data: [{ x: 1 }], body: 'x' };
      let outcome: unknown;
      try {
        outcome = JSONPath({ path: payload, json, eval: false, wrap: true });
      } catch (error) {
        outcome = (error as Error).message;
      }
      // Either refused ("Eval … prevented") or read as plain names that match nothing.
      if (typeof outcome === 'string') expect(outcome).toMatch(/prevented|is not a function|Unknown value type|Cannot read/);
      expect((globalThis as Record<string, unknown>)[EXECUTION_CANARY]).toBeUndefined();
    },
  );

  it('plain paths with parentheses inside quoted names stay usable', () => {
    expect(checkJsonPath("$['price (EUR)']")).toBeUndefined();
    expect(compileJsonPath("$['price (EUR)']").first({ 'price (EUR)': 5 })).toBe(5);
    expect(compileJsonPath('$.data[0].id').first({ data: [{ id: 'x' }] })).toBe('x');
    expect(compileJsonPath("$['@odata.nextLink']").first({ '@odata.nextLink': 'n' })).toBe('n');
  });
});

describe('a response nested 100 000 levels deep (case 37)', () => {
  let api: RoutedServer;
  beforeAll(async () => {
    const deep = `${'{"a":'.repeat(100_000)}{"token":"t"}${'}'.repeat(100_000)}`;
    api = await startRouted({
      '/deep': (_req, res) => sendJson(res, 200, deep),
      '/deep-array': (_req, res) => sendJson(res, 200, `${'['.repeat(100_000)}1${']'.repeat(100_000)}`),
      '/ok': (_req, res) => sendJson(res, 200, { data: { token: 'fine' } }),
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it('searching it with $..token → a typed ResponseError, no crash; the connection keeps working', async () => {
    const connector = await loadConnector(
      apiKeyManifest(api.origin, {
        actions: {
          deep: { method: 'GET', path: '/deep', output: '$..token' },
          'deep-array': { method: 'GET', path: '/deep-array', output: '$..*' },
          walk: { method: 'GET', path: '/deep', output: '$.a.a.a.a.a' },
          ok: { method: 'GET', path: '/ok', output: '$..token' },
        },
      }),
    );
    const connection = connector.connect({ connectionId: 'deep', credentials: apiKeyCredentials, allowPrivateNetwork: true });
    const started = Date.now();
    for (const action of ['deep', 'deep-array']) {
      const error = await rejection(connection.execute(action));
      expect(error).toBeInstanceOf(ResponseError);
      expect(error.message).toContain('nested too deeply');
    }
    // A plain member path walks without recursion.
    expect((await connection.execute('walk')).data).toMatchObject({ a: {} });
    expect((await connection.execute('ok')).data).toBe('fine');
    expect(Date.now() - started).toBeLessThan(5_000);
    await connector.close();
  });

  it('a token response nested that deep → a typed error, never an unhandled RangeError', async () => {
    api.routes.set('/token', (_req, res) => sendJson(res, 200, `${'{"a":'.repeat(100_000)}{"access_token":"t"}${'}'.repeat(100_000)}`));
    const connector = await loadConnector(
      apiKeyManifest(api.origin, {
        headers: {},
        credentials: { type: 'object', properties: { k: { type: 'string', 'x-secret': true } } },
        auth: {
          type: 'oauth2_custom_token',
          token_url: `${api.origin}/token`,
          body: { key: '{{ credentials.k }}' },
          token_response: { access_token_path: '$..access_token' },
        },
        actions: { get: { method: 'GET', path: '/ok' } },
      }),
    );
    registerSecret('SECRET-canary-k-deep-01');
    const connection = connector.connect({ connectionId: 'deep-token', credentials: { k: 'SECRET-canary-k-deep-01' }, allowPrivateNetwork: true });
    const error = await rejection(connection.execute('get'));
    // An answer that cannot be read is no refusal of the credentials: typed, nothing flagged.
    expect(error).toBeInstanceOf(ResponseError);
    await connector.close();
  });
});
