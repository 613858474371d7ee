/**
 * Hostile and broken servers, against real loopback servers: redirects that try to carry the
 * credentials away, private addresses, answers that are malformed, poisoned, oversized, slow or
 * cut off, and token endpoints that answer nonsense. Every secret is a registered canary; every
 * error goes through the secret scanner; exact request counts.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  ConnectorError,
  HttpError,
  loadConnector,
  MemoryTokenStore,
  NetworkError,
  RequestRefusedError,
  ResponseError,
  TimeoutError,
  TokenResponseError,
  type Connector,
  type ConnectorManifest,
} from '../../sdk/index.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';
import {
  apiKeyCredentials,
  apiKeyManifest,
  CANARY,
  clientCredentials,
  clientCredentialsManifest,
  loginCredentials,
  refreshableManifest,
  registerCanaries,
} from './support/manifests.js';
import { sendJson, startRawServer, startRouted, trickle, type RoutedServer } from './support/servers.js';

let api: RoutedServer;
let sink: RoutedServer;
const connectors: Connector[] = [];

registerCanaries();

beforeAll(async () => {
  api = await startRouted();
  sink = await startRouted({ '/landing': (_req, res) => sendJson(res, 200, { data: 'landed' }) });
});

afterEach(async () => {
  while (connectors.length) await connectors.pop()?.close();
  api.routes.clear();
  api.reset();
  sink.reset();
});

afterAll(async () => {
  await api.close();
  await sink.close();
});

async function load(manifest: ConnectorManifest): Promise<Connector> {
  const connector = await loadConnector(manifest);
  connectors.push(connector);
  return connector;
}

async function connectApiKey(extra: Partial<ConnectorManifest> = {}, options: { allowPrivateNetwork?: boolean } = {}) {
  const connector = await load(apiKeyManifest(api.origin, extra));
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'hostile-1',
    credentials: apiKeyCredentials,
    onEvent: log.listener,
    allowPrivateNetwork: options.allowPrivateNetwork ?? true,
  });
  return { connection, log };
}

/** Every credential-bearing header name the tests put on requests. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'x-tenant-secret', 'x-session'];

function credentialHeadersAt(server: RoutedServer): string[] {
  return server.received.flatMap((request) => CREDENTIAL_HEADERS.filter((name) => request.headers[name] !== undefined));
}

function everyValueAt(server: RoutedServer): string {
  return JSON.stringify(server.received);
}

describe('redirects of actions (cases 22, 25)', () => {
  it('cross-origin: the API key, a shared secret header and an action secret header never reach the sink', async () => {
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(307, { location: `${sink.origin}/landing` });
      res.end();
    });
    const { connection } = await connectApiKey({
      actions: {
        get: { method: 'GET', path: '/api/data', output: '$.data', headers: { 'X-Session': 'k={{ credentials.api_key }}' } },
      },
    });
    const result = await connection.execute('get');
    expect(result.data).toBe('landed');
    expect(api.hits('/api/data')).toBe(1);
    // The first origin received every credential header …
    expect(api.received[0]?.headers).toMatchObject({ 'x-api-key': CANARY.apiKey, 'x-tenant-secret': CANARY.tenantSecret });
    expect(api.received[0]?.headers['x-session']).toBe(`k=${CANARY.apiKey}`);
    // … the sink none of them, nor any secret value anywhere in what it received.
    expect(sink.hits('/landing')).toBe(1);
    expect(credentialHeadersAt(sink)).toEqual([]);
    expect(everyValueAt(sink)).not.toContain(CANARY.apiKey);
    expect(everyValueAt(sink)).not.toContain(CANARY.tenantSecret);
    expect(sink.received[0]?.headers['user-agent']).toBe('security-tests/1.0');
  });

  it('cross-origin: a bearer token, apply headers and the session cookie never reach the sink', async () => {
    const token = 'tok-canary-redirect-81c0';
    registerSecret(token);
    api.routes.set('/login', (_req, res) =>
      sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 600 }, { 'set-cookie': [`sid=${token}-cookie; Path=/`] }),
    );
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(302, { location: `${sink.origin}/landing` });
      res.end();
    });
    const connector = await load(
      refreshableManifest(api.origin, {}, { apply: { headers: { Authorization: 'Bearer {{ auth.access_token }}', 'X-Session': '{{ auth.access_token }}' } } }),
    );
    const connection = connector.connect({ connectionId: 'redir-token', credentials: loginCredentials, allowPrivateNetwork: true });
    expect((await connection.execute('get')).data).toBe('landed');
    expect(api.on('/api/data')[0]?.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-session': token, cookie: `sid=${token}-cookie` });
    expect(credentialHeadersAt(sink)).toEqual([]);
    expect(everyValueAt(sink)).not.toContain(token);
  });

  it('same origin: the credential headers stay (only a change of origin drops them)', async () => {
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(308, { location: '/api/moved' });
      res.end();
    });
    api.routes.set('/api/moved', (_req, res) => sendJson(res, 200, { data: 'moved' }));
    const { connection } = await connectApiKey();
    expect((await connection.execute('get')).data).toBe('moved');
    expect(api.on('/api/moved')[0]?.headers).toMatchObject({ 'x-api-key': CANARY.apiKey, 'x-tenant-secret': CANARY.tenantSecret });
  });

  it('follows at most 3 redirects: a 4th is a typed error, a loop ends after 4 requests', async () => {
    for (let hop = 0; hop < 5; hop++) {
      api.routes.set(`/hop/${hop}`, (_req, res) => {
        res.writeHead(302, { location: `/hop/${hop + 1}` });
        res.end();
      });
    }
    api.routes.set('/loop', (_req, res) => {
      res.writeHead(301, { location: '/loop' });
      res.end();
    });
    api.routes.set('/hop/3', (_req, res) => sendJson(res, 200, { data: 'three hops' }));
    const { connection } = await connectApiKey({
      actions: {
        three: { method: 'GET', path: '/hop/0', output: '$.data' },
        four: { method: 'GET', path: '/hop/1' },
        loop: { method: 'GET', path: '/loop' },
      },
    });
    expect((await connection.execute('three')).data).toBe('three hops');
    api.routes.set('/hop/3', (_req, res) => {
      res.writeHead(302, { location: '/hop/4' });
      res.end();
    });
    api.reset();
    const four = await rejection(connection.execute('four'));
    expect(four).toBeInstanceOf(ResponseError);
    expect(four.message).toContain('redirected more than 3 times');
    expect(api.received).toHaveLength(4);
    api.reset();
    const started = Date.now();
    const loop = await rejection(connection.execute('loop'));
    expect(loop).toBeInstanceOf(ResponseError);
    expect(api.hits('/loop')).toBe(4);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('token, login and refresh requests never follow a redirect (case 23)', () => {
  it('client credentials: a 307 from the token endpoint is not followed; the secret never reaches the sink', async () => {
    api.routes.set('/token', (_req, res) => {
      res.writeHead(307, { location: `${sink.origin}/landing` });
      res.end();
    });
    const connector = await load(clientCredentialsManifest(api.origin, `${api.origin}/token`));
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'cc-redirect', credentials: clientCredentials, onEvent: log.listener, allowPrivateNetwork: true, allowInsecureHttp: true });
    const error = await rejection(connection.execute('get'));
    expect(ConnectorError.isConnectorError(error)).toBe(true);
    expect(error.message).toContain('redirect');
    expect(api.hits('/token')).toBe(1);
    expect(api.on('/token')[0]?.body).toContain(encodeURIComponent(CANARY.clientSecret));
    expect(sink.received).toEqual([]);
    expect(api.hits('/api/data')).toBe(0);
  });

  it('refresh: a 308 from the refresh endpoint is not followed; the refresh token is presented once, to the declared URL only', async () => {
    let issued = 0;
    const tokens: string[] = [];
    api.routes.set('/login', (_req, res) => {
      const n = ++issued;
      const pair = { access_token: `tok-canary-rr-${n}`, refresh_token: `rt-canary-rr-${n}` };
      tokens.push(pair.access_token, pair.refresh_token);
      registerSecret(pair.access_token, pair.refresh_token);
      sendJson(res, 200, { ...pair, expires_in: 0 });
    });
    api.routes.set('/refresh', (_req, res) => {
      res.writeHead(308, { location: `${sink.origin}/landing` });
      res.end();
    });
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, { data: 'ok' }));
    const connector = await load(refreshableManifest(api.origin));
    const connection = connector.connect({ connectionId: 'rt-redirect', credentials: loginCredentials, allowPrivateNetwork: true });
    await connection.execute('get'); // expires_in 0: expired on arrival, so the next call renews
    expect((await connection.execute('get')).data).toBe('ok');
    expect(api.hits('/refresh')).toBe(1);
    expect(api.on('/refresh')[0]?.body).toBe('refresh_token=rt-canary-rr-1');
    // A refused refresh falls back to a new login; nothing ever reached the sink.
    expect(api.hits('/login')).toBe(2);
    expect(sink.received).toEqual([]);
  });
});

describe('private network (case 28)', () => {
  it.each([
    ['loopback IP', (port: number) => `http://127.0.0.1:${port}`],
    ['short loopback form 127.1', (port: number) => `http://127.1:${port}`],
    ['hex loopback 0x7f000001', (port: number) => `http://0x7f000001:${port}`],
    ['IPv4-mapped IPv6 loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}`],
    ['unspecified 0.0.0.0', (port: number) => `http://0.0.0.0:${port}`],
    ['a host name resolving to loopback', (port: number) => `http://localhost:${port}`],
    ['cloud metadata (link-local)', () => 'http://169.254.169.254'],
  ])('%s is refused before connecting unless allowPrivateNetwork', async (_name, url) => {
    const base = url(Number(new URL(api.origin).port));
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, { data: 'reached' }));
    const connector = await load(apiKeyManifest(base));
    const connection = connector.connect({ connectionId: 'ssrf', credentials: apiKeyCredentials });
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toMatch(/private address|allowPrivateNetwork/);
    expect(api.received).toEqual([]);
  });

  it('a token endpoint on a private address is refused before the client secret is sent', async () => {
    api.routes.set('/token', (_req, res) => sendJson(res, 200, { access_token: 'x', token_type: 'Bearer' }));
    const connector = await load(clientCredentialsManifest('https://api.example.invalid', `${api.origin}/token`));
    const connection = connector.connect({ connectionId: 'ssrf-token', credentials: clientCredentials, allowInsecureHttp: true });
    const error = await rejection(connection.execute('get'));
    // A policy refusal is the host's set-up, not the user's credentials: never "authorize again".
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(api.received).toEqual([]);
  });

  it('allowPrivateNetwork lets the host reach its own network', async () => {
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, { data: 'reached' }));
    const { connection } = await connectApiKey({}, { allowPrivateNetwork: true });
    expect((await connection.execute('get')).data).toBe('reached');
  });
});

describe('answers that cannot be used', () => {
  const BODY_CANARY = 'SECRET-canary-in-response-body-6a1f';
  registerSecret(BODY_CANARY);

  it('malformed JSON → ResponseError naming the action and content type, never the body', async () => {
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, `{"data": "${BODY_CANARY}", `));
    const { connection } = await connectApiKey();
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toBe(`action "get": GET ${api.origin}/api/data answered 200 with a body that is not JSON (application/json)`);
  });

  it('an output path with an HTML answer (wrong content type) → ResponseError, not the page as data', async () => {
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>login first ${BODY_CANARY}</html>`);
    });
    const { connection } = await connectApiKey();
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toContain('not JSON (text/html)');
    // Without an output path the text is the data, as declared by the server.
    const raw = await connection.execute('raw');
    expect(raw.data).toContain('login first');
  });

  it('JSON sent as text/plain is still read when the action names an output path', async () => {
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(JSON.stringify({ data: { id: 7 } }));
    });
    const { connection } = await connectApiKey();
    expect((await connection.execute('get')).data).toEqual({ id: 7 });
  });

  it('an empty body: data null without an output path; a typed error with one', async () => {
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
      res.end();
    });
    const { connection } = await connectApiKey();
    expect((await connection.execute('raw')).data).toBeNull();
    expect(await rejection(connection.execute('get'))).toBeInstanceOf(ResponseError);
  });

  it('__proto__, constructor and prototype keys are dropped: extraction works, nothing is polluted, even after a host merge', async () => {
    const poisoned =
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}},' +
      ' "data": {"id": 1, "__proto__": {"polluted": "yes"}, "nested": [{"constructor": {"prototype": {"polluted": "yes"}}, "ok": true}]}}';
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, poisoned));
    const { connection } = await connectApiKey();
    const { data } = await connection.execute<Record<string, unknown>>('get');
    expect(data).toEqual({ id: 1, nested: [{ ok: true }] });
    // What a careless host might do with the data.
    const merged = Object.assign({}, data, structuredClone(data), { ...data });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const whole = await connection.execute<Record<string, unknown>>('raw');
    expect(Object.keys(whole.data)).toEqual(['data']);
  });

  it('poisoned header names (__proto__, constructor) break nothing', async () => {
    const raw = await startRawServer((socket) => {
      const body = '{"data":"ok"}';
      socket.end(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n__proto__: polluted\r\nconstructor: polluted\r\nprototype: x\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    try {
      const { connection } = await connectApiKey({ base_url: raw.origin });
      const result = await connection.execute('get');
      expect(result.data).toBe('ok');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      await raw.close();
    }
  });

  it('a body over max_response_bytes → typed error naming the limit; the socket is released and the next call works', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(300_000) });
    api.routes.set('/api/data', (req, res) => {
      if (req.headers['x-small'] === '1') return sendJson(res, 200, { data: 'small' });
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length to refuse up front
      res.write(big.slice(0, 150_000));
      setTimeout(() => res.end(big.slice(150_000)), 10);
    });
    const { connection } = await connectApiKey({
      timeouts: { max_response_bytes: 100_000 },
      actions: {
        get: { method: 'GET', path: '/api/data', output: '$.data' },
        small: { method: 'GET', path: '/api/data', output: '$.data', headers: { 'X-Small': '1' } },
      },
    });
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.code).toBe('CONNECTOR_RESPONSE_TOO_LARGE');
    expect(error.message).toContain('100000-byte limit');
    expect((await connection.execute('small')).data).toBe('small');
  });

  it('a gzip bomb is never inflated: the compressed bytes are not JSON → typed error, bounded memory', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    api.routes.set('/api/data', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      res.end(bomb);
    });
    const { connection } = await connectApiKey({ timeouts: { max_response_bytes: 1_000_000 } });
    const before = process.memoryUsage().arrayBuffers;
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(ResponseError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('servers that stall, trickle or hang up (cases 26, 27)', () => {
  it('never answers → TimeoutError(headers) at headers_ms; a GET is retried, then the typed error', async () => {
    const raw = await startRawServer(() => undefined);
    try {
      const { connection } = await connectApiKey({ base_url: raw.origin, timeouts: { headers_ms: 300 }, retry: { max_attempts: 2, base_delay_ms: 1 } });
      const started = Date.now();
      const error = await rejection(connection.execute('get'));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: 'headers' });
      expect(raw.connections()).toBe(2);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await raw.close();
    }
  });

  it('slowloris headers (1 byte / 200 ms) → the headers deadline fires anyway', async () => {
    const raw = await startRawServer((socket) => trickle(socket, `HTTP/1.1 200 OK\r\nX-Slow: ${'a'.repeat(500)}`, 200));
    try {
      const { connection } = await connectApiKey({ base_url: raw.origin, timeouts: { headers_ms: 500 }, retry: { max_attempts: 1 } });
      const started = Date.now();
      const error = await rejection(connection.execute('get'));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: 'headers' });
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await raw.close();
    }
  });

  it('a trickled body (1 byte / 200 ms) → the total body deadline fires', async () => {
    const raw = await startRawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n');
      trickle(socket, ' ', 200);
    });
    try {
      const { connection } = await connectApiKey({ base_url: raw.origin, timeouts: { body_ms: 500 }, retry: { max_attempts: 1 } });
      const started = Date.now();
      const error = await rejection(connection.execute('get'));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: 'body' });
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await raw.close();
    }
  });

  it('a reset in the middle of the body → NetworkError (sent), no secret in it', async () => {
    const raw = await startRawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"data": "');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    try {
      const { connection } = await connectApiKey({ base_url: raw.origin, retry: { max_attempts: 1 } });
      const error = await rejection(connection.execute('get'));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ sent: true });
    } finally {
      await raw.close();
    }
  });
});

describe('token endpoints that answer nonsense (cases 10, 12, 14)', () => {
  async function clientCredentialsConnection() {
    const connector = await load(clientCredentialsManifest(api.origin, `${api.origin}/token`));
    const store = new MemoryTokenStore();
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'cc-1', credentials: clientCredentials, store, onEvent: log.listener, allowPrivateNetwork: true, allowInsecureHttp: true });
    return { connection, store, log };
  }

  const TOKEN_CANARY = 'tok-canary-never-echo-2b7d';
  registerSecret(TOKEN_CANARY);

  it.each([
    ['HTML', 'text/html', `<html>${TOKEN_CANARY}</html>`],
    ['an empty array', 'application/json', '[]'],
    ['null', 'application/json', 'null'],
    ['a bare string', 'application/json', JSON.stringify(TOKEN_CANARY)],
    ['no access_token', 'application/json', JSON.stringify({ acces_token: TOKEN_CANARY, token_type: 'Bearer' })],
    ['access_token null', 'application/json', JSON.stringify({ access_token: null, token_type: 'Bearer' })],
    ['access_token a number', 'application/json', JSON.stringify({ access_token: 12345678, token_type: 'Bearer' })],
    ['access_token an object', 'application/json', JSON.stringify({ access_token: { value: TOKEN_CANARY }, token_type: 'Bearer' })],
    ['access_token empty', 'application/json', JSON.stringify({ access_token: '', token_type: 'Bearer' })],
    ['no token_type', 'application/json', JSON.stringify({ access_token: TOKEN_CANARY })],
    ['refresh_token a number', 'application/json', JSON.stringify({ access_token: TOKEN_CANARY, token_type: 'Bearer', refresh_token: 42 })],
    ['an empty body', 'application/json', ''],
  ])('200 with %s → TokenResponseError, nothing stored, no API call, body not in the message', async (_name, type, body) => {
    api.routes.set('/token', (_req, res) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    });
    const { connection, store } = await clientCredentialsConnection();
    const error = await rejection(connection.execute('get'));
    // An unusable answer says nothing about the credentials: typed, and the connection is not flagged.
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.code).toBe('CONNECTOR_TOKEN_RESPONSE_INVALID');
    expect(error.message).not.toContain(TOKEN_CANARY);
    expect(await store.get('cc-1')).toBeUndefined();
    expect(api.hits('/token')).toBe(1);
    expect(api.hits('/api/data')).toBe(0);
  });

  it('200 with an OAuth error body is a refusal (CredentialsRefusedError with the OAuth code), not a token', async () => {
    api.routes.set('/token', (_req, res) => sendJson(res, 200, { error: 'invalid_client', error_description: `bad secret ${CANARY.clientSecret}` }));
    const { connection } = await clientCredentialsConnection();
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ oauthError: 'invalid_client' });
    expect(error.message).not.toContain(CANARY.clientSecret);
  });

  it.each([
    { name: '"3600" (a numeric string): 1 token request', expiresIn: '3600', expected: 1 },
    { name: '-5 (already expired): 1 token request per call', expiresIn: -5, expected: 3 },
    { name: '0 (already expired): 1 token request per call', expiresIn: 0, expected: 3 },
    { name: '1e12 (absurd: unknown expiry, warning): 1 token request', expiresIn: 1e12, expected: 1 },
    { name: '"abc" (not a number: unknown expiry, warning): 1 token request', expiresIn: 'abc', expected: 1 },
  ])('expires_in $name for three calls', async ({ expiresIn, expected }) => {
    let n = 0;
    api.routes.set('/token', (_req, res) => {
      const token = `tok-canary-exp-${++n}-${String(expiresIn)}`;
      registerSecret(token);
      sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
    });
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, { data: 'ok' }));
    const { connection, log } = await clientCredentialsConnection();
    for (let call = 0; call < 3; call++) expect((await connection.execute('get')).data).toBe('ok');
    expect(api.hits('/token')).toBe(expected);
    expect(api.hits('/api/data')).toBe(3);
    const warned = log.events.some((event) => event.type === 'token.expiry_warning');
    expect(warned).toBe(typeof expiresIn === 'string' ? Number.isNaN(Number(expiresIn)) : expiresIn > 1e9);
  });

  it('tokens expired on arrival and refused by the API: at most 2 token requests and 2 API calls per execute, never a loop', async () => {
    let n = 0;
    api.routes.set('/token', (_req, res) => {
      const token = `tok-canary-dead-${++n}`;
      registerSecret(token);
      sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 0 });
    });
    api.routes.set('/api/data', (_req, res) => sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' }));
    const { connection } = await clientCredentialsConnection();
    for (let call = 1; call <= 3; call++) {
      const error = await rejection(connection.execute('get'));
      expect(error).toBeInstanceOf(AuthError);
      expect(api.hits('/token')).toBe(2 * call);
      expect(api.hits('/api/data')).toBe(2 * call);
    }
  });

  it.each([
    [403, 'Bearer error="insufficient_scope", scope="admin"'],
    [400, 'Bearer error="invalid_request"'],
    [401, 'Basic realm="x", Bearer error="insufficient_scope"'],
  ])('an API %i with the challenge %s is not expiry: no renewal, one request, an HttpError (case 18)', async (code, challenge) => {
    api.routes.set('/token', (_req, res) => sendJson(res, 200, { access_token: 'tok-canary-challenge-1', token_type: 'Bearer', expires_in: 600 }));
    registerSecret('tok-canary-challenge-1');
    api.routes.set('/api/data', (_req, res) => sendJson(res, code, { error: 'nope' }, { 'www-authenticate': challenge }));
    const { connection } = await clientCredentialsConnection();
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: code });
    expect(api.hits('/token')).toBe(1);
    expect(api.hits('/api/data')).toBe(1);
  });

  it('the token header (Locoia _in_header) is absent → "no … header holds the access token", no undefined header sent', async () => {
    api.routes.set('/login', (_req, res) => sendJson(res, 200, { ok: true }));
    const connector = await load(
      refreshableManifest(api.origin, {}, { response_access_token_path: null, response_access_token_path_in_header: 'X-Auth-Token' }),
    );
    const connection = connector.connect({ connectionId: 'hdr', credentials: loginCredentials, allowPrivateNetwork: true });
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.message).toContain('no "x-auth-token" header holds the access token');
    expect(api.hits('/api/data')).toBe(0);
  });

  it('the token cookie (Locoia _in_cookie) is absent or set for another domain → named error, nothing sent', async () => {
    api.routes.set('/login', (_req, res) =>
      sendJson(res, 200, { ok: true }, { 'set-cookie': ['tracking=1; Path=/', `OTHER=${CANARY.password}; Domain=evil.example; Path=/`] }),
    );
    const connector = await load(
      refreshableManifest(api.origin, {}, { response_access_token_path: null, response_access_token_path_in_cookie: 'SESSIONAUTH' }),
    );
    const connection = connector.connect({ connectionId: 'cookie', credentials: loginCredentials, allowPrivateNetwork: true });
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.message).toContain('no Set-Cookie matches "SESSIONAUTH" (cookies set: tracking, OTHER)');
    expect(api.hits('/api/data')).toBe(0);
  });

  it('a Set-Cookie for another domain is ignored: never sent back, neither to the API nor anywhere else', async () => {
    const token = 'tok-canary-cookie-domain-5f';
    registerSecret(token);
    api.routes.set('/login', (_req, res) =>
      sendJson(res, 200, { access_token: token, expires_in: 600 }, {
        'set-cookie': ['good=1; Path=/', 'evil=1; Domain=evil.example; Path=/', 'suffix=1; Domain=com; Path=/'],
      }),
    );
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, { data: 'ok' }));
    const connector = await load(refreshableManifest(api.origin));
    const connection = connector.connect({ connectionId: 'cookie-domain', credentials: loginCredentials, allowPrivateNetwork: true });
    await connection.execute('get');
    expect(api.on('/api/data')[0]?.headers.cookie).toBe('good=1');
  });

  it('a 5xx during refresh keeps the refresh token (not spent) and surfaces a transient error; the next call refreshes with it', async () => {
    let n = 0;
    let refreshFails = 3;
    api.routes.set('/login', (_req, res) => {
      const pair = { access_token: `tok-canary-5xx-${++n}`, refresh_token: `rt-canary-5xx-${n}` };
      registerSecret(pair.access_token, pair.refresh_token);
      sendJson(res, 200, { ...pair, expires_in: 0 });
    });
    api.routes.set('/refresh', (_req, res, body) => {
      if (refreshFails-- > 0) return sendJson(res, 503, { error: 'temporarily_unavailable', echo: body });
      const pair = { access_token: `tok-canary-5xx-r${++n}`, refresh_token: `rt-canary-5xx-r${n}` };
      registerSecret(pair.access_token, pair.refresh_token);
      sendJson(res, 200, { ...pair, expires_in: 600 });
    });
    api.routes.set('/api/data', (_req, res) => sendJson(res, 200, { data: 'ok' }));
    const connector = await load(refreshableManifest(api.origin));
    const store = new MemoryTokenStore();
    let now = Date.now();
    const connection = connector.connect({ connectionId: 'rt-5xx', credentials: loginCredentials, store, clock: { now: () => now }, allowPrivateNetwork: true });
    await connection.execute('get');
    const error = await rejection(connection.execute('get'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503 });
    expect(api.hits('/refresh')).toBe(3);
    expect(api.hits('/login')).toBe(1);
    expect((await store.get('rt-5xx'))?.refreshToken).toBe('rt-canary-5xx-1');
    now += 30_000; // past the cooldown after a failed renewal
    expect((await connection.execute('get')).data).toBe('ok');
    expect(api.on('/refresh').map((request) => request.body)).toEqual(Array(4).fill('refresh_token=rt-canary-5xx-1'));
    expect(api.hits('/login')).toBe(1);
  });
});
