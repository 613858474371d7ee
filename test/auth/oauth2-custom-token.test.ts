/**
 * The custom token request (Locoia's "OAuth2 Custom Token"): a JSON body template with custom
 * headers to a token endpoint at a custom path, the token read at a custom JSONPath; and the
 * form-encoded variant. The loopback endpoint checks headers and body exactly. Request counts
 * are exact; every secret is registered with the scanner.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError, loadConnector, ReauthorizationRequired, type Connector } from '../../sdk/index.js';
import type { AuthOAuth2CustomToken } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth, type Route } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const TENANT = 'acme-gmbh';
const USERNAME = 'integration@acme.example';
// Characters that break naive JSON templating: quote, backslash, newline.
const PASSWORD = 'p"a\\ss\nwörd-canary';
registerSecret(PASSWORD, JSON.stringify(PASSWORD).slice(1, -1));

let server: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };
const schema = credentialFields(['tenant', 'username', 'password'], ['password']);

beforeEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  server = await startFakeOAuth({ now: clock.now, expiresIn: 900 });
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server.close();
});

async function connect(auth: AuthOAuth2CustomToken, credentials: Record<string, string> = {}) {
  connector = await loadConnector(authManifest(server.url, auth, schema));
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'custom-1',
    credentials: { tenant: TENANT, username: USERNAME, password: PASSWORD, ...credentials },
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
  return { connection, log };
}

describe('JSON body template with custom headers', () => {
  const auth = (): AuthOAuth2CustomToken => ({
    type: 'oauth2_custom_token',
    token_url: `${server.url}/v2/sessions/login`,
    headers: { 'X-Tenant': '{{ credentials.tenant }}', 'X-Api-Version': '2024-06-01' },
    body: {
      user: { login: '{{ credentials.username }}', secret: '{{ credentials.password }}' },
      remember: true,
      client: 'connector-sdk',
      issued_at: '{{ now }}',
    },
    token_response: { access_token_path: '$.result.session.token' },
    expiry: { expires_in_path: '$.result.session.ttl' },
  });

  /** The vendor's login endpoint: checks every header and the exact JSON body. */
  const login: Route = ({ method, headers, body, issue }) => {
    if (method !== 'POST') return { status: 405, body: { message: 'POST only' } };
    if (headers['content-type'] !== 'application/json') return { status: 415, body: { message: 'JSON only' } };
    if (headers['x-tenant'] !== TENANT || headers['x-api-version'] !== '2024-06-01') {
      return { status: 400, body: { message: 'missing tenant or API version header' } };
    }
    if (headers['user-agent'] !== 'connector-sdk-auth-tests/1.0') return { status: 400, body: { message: 'shared headers missing' } };
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const expected = {
      user: { login: USERNAME, secret: PASSWORD },
      remember: true,
      client: 'connector-sdk',
      issued_at: Math.floor(clock.now() / 1000),
    };
    if (JSON.stringify(parsed) !== JSON.stringify(expected)) return { status: 401, body: { message: 'wrong credentials' } };
    const { accessToken, expiresIn } = issue({ clientId: TENANT, username: USERNAME });
    return { status: 200, body: { result: { session: { token: accessToken, ttl: expiresIn, user: USERNAME } } } };
  };

  it('the endpoint receives the headers and the exact JSON body; the token at the custom path works', async () => {
    server.routes['/v2/sessions/login'] = login;
    const { connection, log } = await connect(auth());
    const result = await connection.execute('whoami');
    expect(result.data).toEqual({ path: '/api/whoami', client_id: TENANT, username: USERNAME, scope: null });
    expect(server.counts['/v2/sessions/login']).toBe(1);
    expect(server.counts['/api/whoami']).toBe(1);
    expect(log.events.find((event) => event.type === 'token.acquired')).toMatchObject({ expiresAt: clockMs + 900_000 });
  });

  it('logs in again on expiry: exactly 2 token requests across one expiry', async () => {
    server.routes['/v2/sessions/login'] = login;
    const { connection } = await connect(auth());
    await connection.execute('whoami');
    clockMs += 800_000;
    await connection.execute('whoami');
    expect(server.counts['/v2/sessions/login']).toBe(1);
    clockMs += 100_000;
    await connection.execute('whoami');
    expect(server.counts['/v2/sessions/login']).toBe(2);
    expect(server.counts['/api/whoami']).toBe(3);
  });

  it('a 401 from the API: one new login, one replay', async () => {
    server.routes['/v2/sessions/login'] = login;
    const { connection } = await connect(auth());
    await connection.execute('whoami');
    server.invalidateAccessTokens();
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.counts['/v2/sessions/login']).toBe(2);
    expect(server.counts['/api/whoami']).toBe(3);
  });

  it('refused credentials: one login attempt, ReauthorizationRequired that names the status', async () => {
    server.routes['/v2/sessions/login'] = login;
    const wrong = 'wrong"canary\\password';
    registerSecret(wrong, JSON.stringify(wrong).slice(1, -1));
    const { connection } = await connect(auth(), { password: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ status: 401 });
    expect(error.message).toContain('refused the credentials (status 401)');
    expect(server.counts['/v2/sessions/login']).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });

  it('no token at the custom path: a message that says where it looked', async () => {
    server.routes['/v2/sessions/login'] = () => ({ status: 200, body: { result: { sessionId: 'x' } } });
    const { connection } = await connect(auth());
    const error = await rejection(connection.execute('whoami'));
    expect(error.message).toContain('expected the access token at $.result.session.token, found nothing');
    expect(server.counts['/v2/sessions/login']).toBe(1);
  });
});

describe('form-encoded variant', () => {
  it('posts the body form-encoded, and the token can travel in the query (masked in errors)', async () => {
    server.routes['/auth/token.php'] = ({ headers, body, issue }) => {
      if (headers['content-type'] !== 'application/x-www-form-urlencoded') return { status: 415, body: { message: 'form only' } };
      if (headers['x-tenant'] !== TENANT) return { status: 400, body: { message: 'tenant header missing' } };
      const params = new URLSearchParams(body);
      const expected = { login: USERNAME, pass: PASSWORD, mode: 'api', ttl: '900' };
      if (JSON.stringify(Object.fromEntries(params)) !== JSON.stringify(expected)) return { status: 401, body: { message: 'wrong credentials' } };
      const { accessToken } = issue({ clientId: TENANT, username: USERNAME });
      return { status: 200, body: { data: { access: accessToken }, expires: 900 } };
    };
    const { connection, log } = await connect({
      type: 'oauth2_custom_token',
      token_url: `${server.url}/auth/token.php`,
      headers: { 'X-Tenant': '{{ credentials.tenant }}' },
      body_format: 'form',
      body: { login: '{{ credentials.username }}', pass: '{{ credentials.password }}', mode: 'api', ttl: 900 },
      token_response: { access_token_path: 'data.access' },
      expiry: { expires_in_path: '$.expires' },
      apply: { query: { access_token: '{{ auth.access_token }}' } },
    });
    const result = await connection.execute('whoami');
    expect(result.data).toMatchObject({ client_id: TENANT, username: USERNAME });
    expect(server.counts['/auth/token.php']).toBe(1);
    expect(server.apiRequests[0]?.headers.authorization).toBeUndefined();
    expect(server.apiRequests[0]?.query.get('access_token')).toMatch(/^at-canary-/);

    // A 403 that is not about the token: the URL in the error masks the token.
    server.inject('/api/whoami', { challenge: 'insufficient_scope' });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(/\/api\/whoami\?access_token=\*\*\* answered 403$/);
    expect(server.counts['/auth/token.php']).toBe(1);
    expect(server.counts['/api/whoami']).toBe(2);
    for (const event of log.events.filter((e) => e.type === 'request')) expect(String(event.url)).toContain('access_token=***');
  });
});
