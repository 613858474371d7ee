/**
 * Hostile manifests: oversized or deeply nested documents, input patterns that backtrack
 * exponentially, templates reading outside their scope, and action URLs that try to send the
 * connection's credentials to a host the manifest does not declare (absolute URLs, `/../`
 * escapes, pagination links). Validation always answers with diagnostics within bounded time;
 * runtime refusals happen before any byte leaves.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Connector,
  InputError,
  loadConnector,
  ManifestError,
  RequestRefusedError,
  validateManifest,
  type ConnectorManifest,
} from '../../sdk/index.js';
import { compileDataSchema } from '../../sdk/manifest/data-validator.js';
import { patternProblem } from '../../sdk/manifest/pattern-safety.js';
import { rejection } from '../helpers/secret-scan.js';
import { apiKeyCredentials, apiKeyManifest, CANARY, registerCanaries } from './support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from './support/servers.js';

registerCanaries();

const minimal = (extra: Record<string, unknown> = {}) => ({
  id: 'hostile',
  name: 'Hostile',
  version: '1.0.0',
  base_url: 'https://api.example.com/v1',
  auth: { type: 'none' },
  actions: { a: { method: 'GET', path: '/x' } },
  ...extra,
});

/** validateManifest within a hang guard; it must never throw. */
function validateWithin(ms: number, input: unknown) {
  const started = performance.now();
  const result = validateManifest(input);
  expect(performance.now() - started, 'validation time (ms)').toBeLessThan(ms);
  expect(Array.isArray(result.diagnostics)).toBe(true);
  return result;
}

function errorsOf(result: ReturnType<typeof validateManifest>) {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

describe('size and depth (case 38)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostile-manifest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a 50 MB manifest text → one diagnostic, before parsing', () => {
    const text = JSON.stringify(minimal({ description: 'x'.repeat(50 * 1024 * 1024) }));
    const result = validateWithin(10_000, text);
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['the file is larger than 8 MB']);
  });

  it('a 50 MB manifest file → loadConnector throws a ManifestError, no crash', async () => {
    const path = join(dir, 'huge.json');
    await writeFile(path, JSON.stringify(minimal({ description: 'x'.repeat(50 * 1024 * 1024) })));
    const error = await rejection(loadConnector(path));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toContain('larger than 8 MB');
  });

  it('a parsed manifest of ~50 MB (300 000 actions) → diagnostics, no hang', () => {
    const actions: Record<string, unknown> = {};
    for (let i = 0; i < 300_000; i++) actions[`a${i}`] = { method: 'GET', path: `/x/${i}/${'y'.repeat(140)}` };
    const result = validateWithin(15_000, minimal({ actions }));
    expect(result.valid).toBe(false);
    expect(errorsOf(result)[0]?.message).toBe('actions has more than 10000 entries');
  });

  it.each([
    ['objects', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)],
    ['arrays', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['an unterminated nest', '['.repeat(10_000)],
  ])('depth 10 000 in text (%s) → "nesting deeper than 64 levels"', (_name, text) => {
    const result = validateWithin(10_000, text);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['nesting deeper than 64 levels']);
  });

  it('depth 10 000 and a cycle in a parsed object → a diagnostic pointing at the deep spot', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 10_000; i++) {
      const next: Record<string, unknown> = {};
      deep.x = next;
      deep = next;
    }
    const nested = validateWithin(10_000, minimal({ headers: root }));
    expect(errorsOf(nested)[0]?.message).toBe('nesting deeper than 64 levels (or a cycle)');
    const cyclic: Record<string, unknown> = minimal();
    cyclic.self = cyclic;
    expect(errorsOf(validateWithin(10_000, cyclic))[0]?.message).toBe('nesting deeper than 64 levels (or a cycle)');
  });

  it.each([
    ['not JSON', '{"id": '],
    ['a number', '42'],
    ['null', 'null'],
    ['an empty string', ''],
    ['binary garbage', '\u0000\u0001\uffff{{'],
  ])('%s → diagnostics, never an exception', (_name, text) => {
    const result = validateWithin(10_000, text);
    expect(result.valid).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
  });
});

describe('author patterns that backtrack (case 38)', () => {
  const withPattern = (pattern: string, where: 'input' | 'credentials') => {
    const schema = { type: 'object', properties: { q: { type: 'string', pattern } } };
    return where === 'input'
      ? minimal({ actions: { a: { method: 'GET', path: '/x', input: schema } } })
      : minimal({ credentials: { ...schema, properties: { q: { type: 'string', pattern, 'x-secret': true } } } });
  };

  it.each(['^(a+)+$', '(a|aa)*$', '^(\\w+\\s?)*$', '(.*a){12}', '((ab)*)+c', '(a)\\1+'])(
    '%s in an input or credentials schema → refused at validation, naming the pattern',
    (pattern) => {
      for (const where of ['input', 'credentials'] as const) {
        const result = validateWithin(10_000, withPattern(pattern, where));
        expect(result.valid).toBe(false);
        const diagnostic = errorsOf(result).find((d) => d.pointer.endsWith('/properties/q/pattern'));
        expect(diagnostic?.message).toMatch(/exponential time/);
      }
    },
  );

  it('patternProperties keys and nested schemas are checked too; an invalid regex is refused', () => {
    const result = validateWithin(
      10_000,
      minimal({
        actions: {
          a: {
            method: 'GET',
            path: '/x',
            input: {
              type: 'object',
              properties: { list: { type: 'array', items: { type: 'string', pattern: '(x+x+)+y' } }, broken: { type: 'string', pattern: '([' } },
              patternProperties: { '^(a|a)+$': { type: 'string' } },
            },
          },
        },
      }),
    );
    expect(errorsOf(result).map((d) => d.pointer)).toEqual(
      expect.arrayContaining([
        '/actions/a/input/patternProperties/^(a|a)+$',
        '/actions/a/input/properties/broken/pattern',
        '/actions/a/input/properties/list/items/pattern',
      ]),
    );
  });

  it('ordinary patterns stay valid', () => {
    for (const pattern of ['^[a-z]+$', '^\\d{4}-\\d{2}-\\d{2}$', '^(abc)+$', '^(foo|bar)$', '^\\+?[0-9 ()-]{7,20}$', '^[A-Z]{2}\\d+$', '^(a+)?$']) {
      expect(patternProblem(pattern), pattern).toBeUndefined();
      expect(validateWithin(10_000, withPattern(pattern, 'input')).valid, pattern).toBe(true);
    }
  });

  it('an email field does not backtrack on a long string of dots (format check is length-capped)', () => {
    const validator = compileDataSchema({ type: 'object', properties: { email: { type: 'string', format: 'email' } } });
    const started = performance.now();
    const problems = validator.validate({ email: `a@${'.'.repeat(200_000)}@` });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(problems[0]?.field).toBe('email');
    expect(validator.validate({ email: 'user@example.com' })).toEqual([]);
  });

  it('an input of 1 MB against a safe pattern is checked in linear time', async () => {
    const connector = new Connector(
      minimal({ actions: { a: { method: 'GET', path: '/x', input: { type: 'object', properties: { q: { type: 'string', pattern: '^[a-z]+$' } } } } } }) as ConnectorManifest,
    );
    const connection = connector.connect({ connectionId: 'p', credentials: {} });
    const started = performance.now();
    const error = await rejection(connection.execute('a', { q: `${'a'.repeat(1_000_000)}!` }));
    expect(error).toBeInstanceOf(InputError);
    expect(performance.now() - started).toBeLessThan(10_000);
    await connector.close();
  });
});

describe('templates outside their documented scope (case 35)', () => {
  it.each([
    ['base_url reads auth', { base_url: 'https://{{ auth.access_token }}.example.com' }, '/base_url', /auth\.access_token is not available here/],
    ['a shared header reads input', { headers: { 'X-Q': '{{ input.q }}' } }, '/headers/X-Q', /input\.q is not available here/],
    [
      'a token request body reads input',
      {
        credentials: { type: 'object', properties: { k: { type: 'string' } } },
        auth: {
          type: 'oauth2_custom_token',
          token_url: 'https://api.example.com/token',
          body: { key: '{{ input.q }}' },
          token_response: { access_token_path: '$.t' },
        },
      },
      '/auth/body/key',
      /input\.q is not available here/,
    ],
    ['an undeclared credential', { headers: { 'X-K': '{{ credentials.secret_key }}' } }, '/headers/X-K', /credentials\.secret_key is not declared/],
    ['a property of now', { actions: { a: { method: 'GET', path: '/x/{{ now.constructor }}' } } }, '/actions/a/path', /now is a plain value/],
    ['an unknown root', { actions: { a: { method: 'GET', path: '/x/{{ process.env }}' } } }, '/actions/a/path', /process\.env is not available here/],
    ['an undeclared input', { actions: { a: { method: 'GET', path: '/x/{{ input.id }}', input: { type: 'object', properties: { q: { type: 'string' } } } } } }, '/actions/a/path', /input\.id is not declared/],
  ])('%s → a validation error at its pointer', (_name, extra, pointer, message) => {
    const result = validateWithin(10_000, minimal(extra));
    expect(result.valid).toBe(false);
    expect(errorsOf(result).find((d) => d.pointer === pointer)?.message).toMatch(message);
  });
});

describe('credentials only to declared hosts', () => {
  let api: RoutedServer;
  let other: RoutedServer;
  const connectors: Connector[] = [];

  beforeAll(async () => {
    api = await startRouted({
      '/v1/ok': (_req, res) => sendJson(res, 200, { data: 'ok' }),
      '/v1-admin/secrets': (_req, res) => sendJson(res, 200, { data: 'admin' }),
      '/admin': (_req, res) => sendJson(res, 200, { data: 'admin' }),
    });
    other = await startRouted({ '/steal': (_req, res) => sendJson(res, 200, { data: 'stolen' }) });
  });
  afterEach(async () => {
    while (connectors.length) await connectors.pop()?.close();
    api.reset();
    other.reset();
  });
  afterAll(async () => {
    await api.close();
    await other.close();
  });

  async function connect(extra: Partial<ConnectorManifest>) {
    const connector = await loadConnector(apiKeyManifest(`${api.origin}/v1`, extra));
    connectors.push(connector);
    return connector.connect({ connectionId: 'hosts', credentials: apiKeyCredentials, allowPrivateNetwork: true });
  }

  it('an absolute action URL to another host is refused before sending, unless it is in allowed_hosts', async () => {
    const actions = { steal: { method: 'GET' as const, path: `${other.origin}/steal`, output: '$.data' } };
    const refused = await connect({ actions });
    const error = await rejection(refused.execute('steal'));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain('neither the base URL\'s host nor in allowed_hosts');
    expect(other.received).toEqual([]);

    const allowed = await connect({ actions, allowed_hosts: [new URL(other.origin).host] });
    expect((await allowed.execute('steal')).data).toBe('stolen');
    expect(other.received[0]?.headers['x-api-key']).toBe(CANARY.apiKey);
  });

  it.each([
    ['"/../admin"', '../admin'],
    ['"/../v1-admin" (a sibling sharing the prefix)', '../v1-admin/secrets'],
    ['percent-encoded dots', '%2e%2e/admin'],
    ['mixed encoded dots', '.%2E/v1-admin/secrets'],
  ])('an input that climbs out of the base path with %s is refused', async (_name, id) => {
    const connection = await connect({
      actions: { get: { method: 'GET', path: '/{{ input.id }}', input: { type: 'object', properties: { id: { type: 'string' } } } } },
    });
    const error = await rejection(connection.execute('get', { id }));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain('resolves outside the base URL\'s path');
    expect(api.received).toEqual([]);
  });

  it('an input that stays under the base path is fine', async () => {
    const connection = await connect({
      actions: { get: { method: 'GET', path: '/{{ input.id }}', output: '$.data', input: { type: 'object', properties: { id: { type: 'string' } } } } },
    });
    expect((await connection.execute('get', { id: 'x/../ok' })).data).toBe('ok');
  });

  it('a pagination link to another host is refused: the next page is never fetched there', async () => {
    api.routes.set('/v1/list', (_req, res) =>
      sendJson(res, 200, { items: [1] }, { link: `<${other.origin}/steal?page=2>; rel="next"` }),
    );
    const connection = await connect({
      actions: { list: { method: 'GET', path: '/list', pagination: { type: 'link_header', max_pages: 3 } } },
    });
    const pages: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const page of connection.paginate('list')) pages.push(page.data);
      })(),
    );
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(pages).toHaveLength(1);
    expect(other.received).toEqual([]);
  });
});
