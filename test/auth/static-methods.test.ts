/**
 * The auth methods without a token endpoint, each against a loopback API that checks what it
 * receives: none, API key in a header and in the query, HTTP Basic (RFC 7617) and a static
 * bearer token. Exact request counts; every secret registered with the scanner.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, loadConnector, NetworkError, type Connector } from '../../sdk/index.js';
import type { Authentication, ConnectorManifest, CredentialsSchema } from '../../sdk/manifest/types.gen.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

type Check = (req: IncomingMessage, url: URL, res: ServerResponse) => void;

let server: Loopback;
let check: Check = (_req, _url, res) => res.end();
let connector: Connector | undefined;

beforeAll(async () => {
  server = await startLoopback((req, res) => check(req, new URL(req.url ?? '/', 'http://127.0.0.1'), res));
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  server.received.length = 0;
});

afterAll(async () => {
  await server.close();
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function connect(auth: Authentication, schema: CredentialsSchema, credentials: Record<string, unknown>, extra: Partial<ConnectorManifest> = {}) {
  connector = await loadConnector(authManifest(server.origin, auth, schema, extra));
  const log = eventLog();
  const connection = connector.connect({ connectionId: 'static-1', credentials, onEvent: log.listener, allowPrivateNetwork: true });
  return { connection, log };
}

describe('none', () => {
  it('sends the request as declared, with no credentials', async () => {
    check = (req, url, res) => json(res, 200, { data: { path: url.pathname, authorization: req.headers.authorization ?? null } });
    const { connection } = await connect({ type: 'none' }, { type: 'object', properties: {} }, {});
    const result = await connection.execute('whoami');
    expect(result).toMatchObject({ status: 200, data: { path: '/api/whoami', authorization: null } });
    expect(await connection.ensureToken()).toEqual({ managed: false, hasRefreshToken: false, cookieNames: [] });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.headers['user-agent']).toBe('connector-sdk-auth-tests/1.0');
  });

  it('a 401 is the action\'s answer: reported once, nothing renewed', async () => {
    check = (_req, _url, res) => json(res, 401, { error: 'login required' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    const { connection } = await connect({ type: 'none' }, { type: 'object', properties: {} }, {});
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401 });
    expect(server.received).toHaveLength(1);
  });
});

describe('api_key in a header', () => {
  const key = 'hk-canary-9f8e7d6c5b4a';
  registerSecret(key);
  const auth: Authentication = { type: 'api_key', in: 'header', name: 'X-API-Key', value: '{{ credentials.api_key }}' };
  const schema = credentialFields(['api_key'], ['api_key']);

  it('the server receives the key in the named header, on every request', async () => {
    check = (req, url, res) =>
      req.headers['x-api-key'] === key ? json(res, 200, { data: { path: url.pathname } }) : json(res, 401, { error: 'bad key' });
    const { connection } = await connect(auth, schema, { api_key: key });
    expect((await connection.execute('whoami')).data).toEqual({ path: '/api/whoami' });
    expect((await connection.execute('items')).data).toEqual({ path: '/api/items' });
    expect(server.received).toHaveLength(2);
    expect(server.received.every((request) => !request.url.includes('hk-canary'))).toBe(true);
  });

  it('a wrong key: one request, an HttpError that does not repeat the key', async () => {
    const wrong = 'hk-canary-wrong-0000';
    registerSecret(wrong);
    check = (req, _url, res) => json(res, 401, { error: 'bad key', echoed: req.headers['x-api-key'] });
    const { connection, log } = await connect(auth, schema, { api_key: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401 });
    expect(JSON.stringify((error as unknown as HttpError).body)).not.toContain(wrong);
    expect(server.received).toHaveLength(1);
    expect(log.events.map((event) => event.type)).toEqual(['request', 'response']);
  });
});

describe('api_key in the query', () => {
  // Characters that must be encoded in a URL, to prove the server gets the exact key back.
  const key = 'qk-canary/+ =&é-5a4b';
  registerSecret(key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2));
  const auth: Authentication = { type: 'api_key', in: 'query', name: 'api_key', value: '{{ credentials.api_key }}' };
  const schema = credentialFields(['api_key'], ['api_key']);
  const extra: Partial<ConnectorManifest> = {
    actions: {
      search: {
        method: 'GET',
        path: '/api/search',
        query: { q: '{{ input.q }}' },
        input: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } },
        output: '$.data',
      },
    },
  };

  it('the server receives the exact key as a query parameter', async () => {
    check = (_req, url, res) =>
      url.searchParams.get('api_key') === key
        ? json(res, 200, { data: { q: url.searchParams.get('q') } })
        : json(res, 401, { error: 'bad key' });
    const { connection } = await connect(auth, schema, { api_key: key }, extra);
    expect((await connection.execute('search', { q: 'widgets' })).data).toEqual({ q: 'widgets' });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.headers.authorization).toBeUndefined();
  });

  it('an HttpError names the URL with the key masked, other parameters intact', async () => {
    check = (_req, _url, res) => json(res, 403, { error: 'plan does not include search' });
    const { connection, log } = await connect(auth, schema, { api_key: key }, extra);
    const error = await rejection(connection.execute('search', { q: 'widgets' }));
    expect(error).toBeInstanceOf(HttpError);
    const httpError = error as unknown as HttpError;
    expect(httpError.status).toBe(403);
    expect(httpError.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/search\?q=widgets&api_key=\*\*\* answered 403$/);
    expect(httpError.url).toContain('api_key=***');
    expect(httpError.message).not.toContain('qk-canary');
    expect(server.received).toHaveLength(1);
    // The request and response events print the same masked URL.
    const urls = log.events.map((event) => String(event.url));
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(url).toMatch(/api_key=\*\*\*$/);
  });
});

describe('api_key in the query, transport failure', () => {
  const key = 'qk-canary-refused-7e6f';
  registerSecret(key);

  it('a NetworkError (connection refused) masks the key in its URL too', async () => {
    // A port that was listening a moment ago and is closed now.
    const gone = await startLoopback((_req, res) => res.end());
    await gone.close();
    connector = await loadConnector(
      authManifest(gone.origin, { type: 'api_key', in: 'query', name: 'key', value: '{{ credentials.api_key }}' }, credentialFields(['api_key'], ['api_key']), {
        retry: { max_attempts: 1 },
      }),
    );
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'static-gone', credentials: { api_key: key }, onEvent: log.listener, allowPrivateNetwork: true });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/whoami\?key=\*\*\* failed: connection refused/);
    expect(error).toMatchObject({ sent: false });
  });
});

describe('basic (RFC 7617)', () => {
  const username = 'alice@example.com';
  // A UTF-8 password with colons: only the first colon of user-pass separates the user id.
  const password = 'pä:ss wörd€:canary';
  const pair = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  registerSecret(password, pair);
  const auth: Authentication = { type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' };
  const schema = credentialFields(['username', 'password'], ['password']);

  const verifyBasic: Check = (req, url, res) => {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return json(res, 401, { error: 'no basic credentials' }, { 'www-authenticate': 'Basic realm="api", charset="UTF-8"' });
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [user, pass] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (user !== username || pass !== password) return json(res, 401, { error: 'wrong user or password' }, { 'www-authenticate': 'Basic realm="api"' });
    json(res, 200, { data: { path: url.pathname, user } });
  };

  it('the server decodes the UTF-8 user-pass and accepts it', async () => {
    check = verifyBasic;
    const { connection } = await connect(auth, schema, { username, password });
    expect((await connection.execute('whoami')).data).toEqual({ path: '/api/whoami', user: username });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.headers.authorization).toBe(`Basic ${pair}`);
  });

  it('a wrong password: one request, an HttpError without the password or the header', async () => {
    const wrong = 'wr:ong-canary-pässword';
    registerSecret(wrong, Buffer.from(`${username}:${wrong}`, 'utf8').toString('base64'));
    check = verifyBasic;
    const { connection } = await connect(auth, schema, { username, password: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401 });
    expect(server.received).toHaveLength(1);
  });
});

describe('bearer (static token)', () => {
  const token = 'static-canary-bearer-7c6d5e';
  registerSecret(token);
  const auth: Authentication = { type: 'bearer', token: '{{ credentials.token }}' };
  const schema = credentialFields(['token'], ['token']);

  it('sends Authorization: Bearer with the token from the credentials', async () => {
    check = (req, url, res) =>
      req.headers.authorization === `Bearer ${token}` ? json(res, 200, { data: { path: url.pathname } }) : json(res, 401, {});
    const { connection } = await connect(auth, schema, { token });
    await connection.execute('whoami');
    await connection.execute('items');
    expect(server.received).toHaveLength(2);
    expect(await connection.ensureToken()).toMatchObject({ managed: false });
  });

  it('a 401 invalid_token is reported, not refreshed: exactly one request', async () => {
    check = (_req, _url, res) =>
      json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' });
    const { connection, log } = await connect(auth, schema, { token });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401, code: 'CONNECTOR_HTTP_STATUS' });
    expect(server.received).toHaveLength(1);
    expect(log.events.map((event) => event.type)).not.toContain('auth.token_rejected');
  });

  it('the token can go where the manifest says (a custom header)', async () => {
    check = (req, url, res) =>
      req.headers['x-access-token'] === token && req.headers.authorization === undefined
        ? json(res, 200, { data: { path: url.pathname } })
        : json(res, 401, {});
    const { connection } = await connect(
      { type: 'bearer', token: '{{ credentials.token }}', apply: { headers: { 'X-Access-Token': '{{ auth.access_token }}' } } },
      schema,
      { token },
    );
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.received).toHaveLength(1);
  });
});
