/**
 * Issue 15, failure classes: only a refusal of the grant or the credentials marks a connection
 * as needing re-authorization. A malformed, unexpected or over-size answer, a 404/405, a request
 * the SSRF guard refuses or a token path that finds nothing is transient (cooldown) or a
 * configuration error naming the manifest field — and the next worker (or this one, once the
 * endpoint works again) simply tries again. Exact token-request counts throughout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  CredentialsRefusedError,
  MemoryTokenStore,
  ReauthorizationRequired,
  RequestRefusedError,
  ResponseError,
  TokenResponseError,
  loadConnector,
  type Connector,
  type TokenStore,
} from '../../sdk/index.js';
import type { Authentication, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { rejection, registerSecret } from '../helpers/secret-scan.js';
import { fields, manifest } from '../security/support/manifests.js';
import { sendJson, startRouted, type Route, type RoutedServer } from '../security/support/servers.js';

const PASSWORD = 'SECRET-failure-class-password-81d2';
const TOKEN = 'tok-failure-class-issued-4410';
registerSecret(PASSWORD, TOKEN);

let api: RoutedServer;
let clockMs = Date.UTC(2026, 11, 3, 9, 0, 0);
const clock = { now: () => clockMs };
const connectors: Connector[] = [];

const grant: Route = (_req, res) => sendJson(res, 200, { access_token: TOKEN, expires_in: 3600, token_type: 'Bearer' });

beforeAll(async () => {
  api = await startRouted({ '/api/data': (_req, res) => sendJson(res, 200, { data: 'ok' }) });
});
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((connector) => connector.close()));
  api.reset();
});
afterAll(async () => {
  await api.close();
});

function loginManifest(auth: Record<string, unknown> = {}, extra: Partial<ConnectorManifest> = {}): ConnectorManifest {
  return manifest(
    api.origin,
    {
      type: 'refreshable_token',
      authorization_request_url: `${api.origin}/login`,
      authorization_request_method: 'POST',
      authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      authorization_request_body_template: 'password={{ credentials.password | url_encode }}',
      response_access_token_path: 'access_token',
      ...auth,
    } as Authentication,
    fields(['password'], ['password']),
    extra,
  );
}

function oauthManifest(): ConnectorManifest {
  return manifest(
    api.origin,
    { type: 'oauth2_client_credentials', token_url: `${api.origin}/login`, client_id: 'app', client_secret: '{{ credentials.password }}' },
    fields(['password'], ['password']),
  );
}

/** A worker: its own connector and connection on the shared store. */
async function worker(store: TokenStore, source: ConnectorManifest = loginManifest()) {
  const connector = await loadConnector(source);
  connectors.push(connector);
  return connector.connect({ connectionId: 'shared', credentials: { password: PASSWORD }, store, clock, allowPrivateNetwork: true, allowInsecureHttp: true });
}

const html: Route = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<html><body>Down for maintenance</body></html>');
};

describe('answers that are no refusal never flag the connection', () => {
  it.each([
    { name: 'an HTML maintenance page', route: html, type: TokenResponseError },
    { name: 'an empty JSON array', route: ((_req, res) => sendJson(res, 200, [])) as Route, type: TokenResponseError },
    { name: 'an over-size body', route: ((_req, res) => sendJson(res, 200, { pad: 'x'.repeat(4096) })) as Route, type: ResponseError, small: true },
    { name: 'a 404', route: ((_req, res) => sendJson(res, 404, { message: 'no such route' })) as Route, type: ConfigurationError },
    { name: 'a 405', route: ((_req, res) => sendJson(res, 405, { message: 'use GET' })) as Route, type: ConfigurationError },
    { name: 'a 400 without an OAuth error', route: ((_req, res) => sendJson(res, 400, { message: 'bad form' })) as Route, type: ConfigurationError },
    { name: 'a token path that finds nothing', route: ((_req, res) => sendJson(res, 200, { token: TOKEN })) as Route, type: TokenResponseError },
  ])('$name: a typed error, nothing flagged; the next worker tries at once and succeeds', async ({ route, type, small }) => {
    const store = new MemoryTokenStore();
    const extra = small ? { timeouts: { max_response_bytes: 1024 } } : {};
    api.routes.set('/login', route);
    const first = await worker(store, loginManifest({}, extra));
    const error = await rejection(first.execute('get'));
    expect(error).toBeInstanceOf(type);
    expect(error).not.toBeInstanceOf(ReauthorizationRequired);
    expect(error.message).not.toMatch(/authorized again/);
    expect((await store.get('shared'))?.reauthorizationRequired).toBeUndefined();
    expect(api.hits('/login')).toBe(1);

    api.routes.set('/login', grant);
    const second = await worker(store, loginManifest({}, extra));
    expect((await second.execute('get')).data).toBe('ok');
    expect(api.hits('/login')).toBe(2);
    // The first worker now finds the token the second one stored: no token request of its own.
    expect((await first.execute('get')).data).toBe('ok');
    expect(api.hits('/login')).toBe(2);
  });

  it('the configuration error names the manifest field to check', async () => {
    api.routes.set('/login', (_req, res) => sendJson(res, 404, {}));
    const error = await rejection((await worker(new MemoryTokenStore())).execute('get'));
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/auth/authorization_request_url', status: 404 });
    expect(error.message).toContain('check /auth/authorization_request_url');
    api.routes.set('/login', (_req, res) => sendJson(res, 400, { message: 'bad form' }));
    const malformed = await rejection((await worker(new MemoryTokenStore())).execute('get'));
    expect(malformed).toMatchObject({ field: '/auth/authorization_request_body_template', status: 400 });
  });

  it('a garbage answer is not asked again for every call: once per 30 s cooldown, then it works again', async () => {
    api.routes.set('/login', html);
    const connection = await worker(new MemoryTokenStore());
    expect(await rejection(connection.execute('get'))).toBeInstanceOf(TokenResponseError);
    api.routes.set('/login', grant);
    expect(await rejection(connection.execute('get'))).toBeInstanceOf(TokenResponseError);
    expect(api.hits('/login')).toBe(1);
    clockMs += 31_000;
    expect((await connection.execute('get')).data).toBe('ok');
    expect(api.hits('/login')).toBe(2);
  });

  it('a token URL the SSRF guard refuses: RequestRefusedError, 0 requests, nothing flagged', async () => {
    const store = new MemoryTokenStore();
    const connector = await loadConnector(loginManifest());
    connectors.push(connector);
    const connection = connector.connect({ connectionId: 'shared', credentials: { password: PASSWORD }, store, clock });
    expect(await rejection(connection.execute('get'))).toBeInstanceOf(RequestRefusedError);
    expect(api.received).toHaveLength(0);
    expect(await store.get('shared')).toBeUndefined();
  });
});

describe('refusals do flag it, and every worker then stops asking', () => {
  it.each([
    { name: 'a 401 from a login', auth: {}, answer: [401, { message: 'wrong password' }] },
    { name: 'a 403 from a login', auth: {}, answer: [403, { message: 'locked' }] },
    { name: 'a 400 the manifest declares a refusal', auth: { refusal_statuses: [400, 401] }, answer: [400, { message: 'wrong password' }] },
    { name: 'an OAuth invalid_grant (any status)', auth: {}, answer: [400, { error: 'invalid_grant' }] },
    { name: 'an OAuth invalid_client', auth: {}, answer: [401, { error: 'invalid_client' }] },
  ] as const)('$name → ReauthorizationRequired; a second worker sends nothing', async ({ auth, answer }) => {
    const store = new MemoryTokenStore();
    api.routes.set('/login', (_req, res) => sendJson(res, answer[0], answer[1]));
    const error = await rejection((await worker(store, loginManifest(auth))).execute('get'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.cause).toBeInstanceOf(CredentialsRefusedError);
    expect((await store.get('shared'))?.reauthorizationRequired).toBe(true);
    api.routes.set('/login', grant);
    expect(await rejection((await worker(store)).execute('get'))).toBeInstanceOf(ReauthorizationRequired);
    expect(api.hits('/login')).toBe(1);
  });

  it('standard grants: invalid_client is a refusal, invalid_scope and unsupported_grant_type are configuration', async () => {
    api.routes.set('/login', (_req, res) => sendJson(res, 401, { error: 'invalid_client' }));
    const refused = await rejection((await worker(new MemoryTokenStore(), oauthManifest())).execute('get'));
    expect(refused).toBeInstanceOf(ReauthorizationRequired);
    for (const code of ['invalid_scope', 'unsupported_grant_type', 'invalid_request']) {
      const store = new MemoryTokenStore();
      api.routes.set('/login', (_req, res) => sendJson(res, 400, { error: code }));
      const error = await rejection((await worker(store, oauthManifest())).execute('get'));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(code);
      expect(await store.get('shared')).toBeUndefined();
    }
  });
});
