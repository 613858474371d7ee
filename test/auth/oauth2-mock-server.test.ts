/**
 * Why this file stays beside test/helpers/fake-oauth/: every other auth test runs against our
 * own fake, which shares our reading of the RFCs, so a misreading in the SDK and the same one in
 * the fake would pass together. oauth2-mock-server is an independent third-party
 * implementation (the project prefers those where one exists): this file is the check that the
 * SDK's client credentials, password, refresh and PKCE requests also satisfy a server we did not
 * write. Only the protected API in front of it (JWTs verified against the mock's JWKS) is the fake.
 *
 * The OAuth 2.0 grants against a maintained open-source server, oauth2-mock-server (npm), on
 * loopback: client credentials, password + refresh_token, and the authorization code grant
 * with PKCE driven headlessly (its /authorize redirects with a code; the mock verifies the
 * code_verifier). The tokens it issues are RS256 JWTs that a protected loopback API verifies
 * against the mock's JWKS. Requests are counted by a proxy in front of the mock, and its
 * beforeResponse hook adds what the mock leaves out: client authentication and refresh token
 * validation with rotation.
 */
import { createHash } from 'node:crypto';
import { OAuth2Server, type MutableResponse, type TokenRequestIncomingMessage } from 'oauth2-mock-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, loadConnector, MemoryTokenStore, ReauthorizationRequired, type Connector } from '../../sdk/index.js';
import type { Authentication } from '../../sdk/manifest/types.gen.js';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { formDecode, startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const CLIENT = { id: 'mock-client', secret: 'mock-client:canary secret%' };
const USER = { username: 'jane.doe', password: 'jane-canary-password' };
registerSecret(CLIENT.secret, USER.password);

let mock: OAuth2Server;
let proxy: CountingProxy;
let api: FakeOAuth;
let connector: Connector | undefined;
/** grant_type → token responses the mock was about to send (after our checks). */
let grants: Record<string, number> = {};
/** Refresh tokens the mock issued and nobody has used yet (rotation). */
const liveRefreshTokens = new Set<string>();
let clockMs = Date.now();
const clock = { now: () => clockMs };

/** What the mock does not check itself: client authentication (RFC 6749 §2.3.1), the user's password, refresh token validity. */
function beforeResponse(response: MutableResponse, req: TokenRequestIncomingMessage): void {
  const grantType = req.body.grant_type;
  const refuse = (status: number, error: string, description: string): void => {
    response.statusCode = status;
    response.body = { error, error_description: description };
  };
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const [id = '', secret = ''] = Buffer.from(basic ?? '', 'base64').toString('utf8').split(':');
  if (basic === undefined || formDecode(id) !== CLIENT.id || formDecode(secret) !== CLIENT.secret) {
    return refuse(401, 'invalid_client', 'client authentication failed');
  }
  if (grantType === 'password' && (req.body.username !== USER.username || (req.body as { password?: unknown }).password !== USER.password)) {
    return refuse(400, 'invalid_grant', 'wrong username or password');
  }
  if (grantType === 'refresh_token') {
    const presented = String((req.body as { refresh_token?: unknown }).refresh_token ?? '');
    if (!liveRefreshTokens.delete(presented)) return refuse(400, 'invalid_grant', 'unknown or reused refresh token');
  }
  grants[grantType] = (grants[grantType] ?? 0) + 1;
  const body = response.body as Record<string, unknown>;
  for (const key of ['access_token', 'refresh_token', 'id_token']) if (typeof body[key] === 'string') registerSecret(body[key]);
  if (typeof body.refresh_token === 'string') liveRefreshTokens.add(body.refresh_token);
}

beforeAll(async () => {
  mock = new OAuth2Server();
  await mock.issuer.keys.generate('RS256');
  await mock.start(0, '127.0.0.1');
  mock.service.on('beforeResponse', beforeResponse);
  const mockOrigin = `http://127.0.0.1:${mock.address().port}`;
  proxy = await startCountingProxy(mockOrigin);
  api = await startFakeOAuth({ api: { jwt: { jwksUrl: `${mockOrigin}/jwks`, issuer: mock.issuer.url ?? '' } } });
});

afterAll(async () => {
  await api.close();
  await proxy.close();
  await mock.stop();
});

beforeEach(() => {
  clockMs = Date.now();
  grants = {};
  proxy.counts = {};
  proxy.requests.length = 0;
  api.apiRequests.length = 0;
  api.accepted.length = 0;
  api.refused.length = 0;
  api.callbacks.length = 0;
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
});

async function connect(auth: Authentication, credentials: Record<string, string> = {}) {
  connector = await loadConnector(
    authManifest(api.url, auth, credentialFields(['client_id', 'client_secret', 'username', 'password'], ['client_secret', 'password'])),
  );
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'mock-1',
    credentials: { client_id: CLIENT.id, client_secret: CLIENT.secret, ...USER, ...credentials },
    store: new MemoryTokenStore(),
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log };
}

const client = { client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}', client_auth: 'basic' } as const;

describe('client credentials', () => {
  const auth = (): Authentication => ({ type: 'oauth2_client_credentials', token_url: `${proxy.url}/token`, scope: 'api:read', ...client });

  it('the JWT it issues is verified by the API against the JWKS; a new one after expiry: exactly 2 token requests', async () => {
    const { connection } = await connect(auth());
    const first = await connection.execute('whoami');
    expect(first.data).toMatchObject({ path: '/api/whoami', scope: 'api:read' });
    expect(api.accepted).toHaveLength(1);
    expect(api.refused).toEqual([]);
    expect(proxy.counts['/token']).toBe(1);
    const sent = proxy.requests[0]!;
    expect(Object.fromEntries(sent.params)).toEqual({ grant_type: 'client_credentials', scope: 'api:read' });

    await connection.execute('whoami');
    expect(proxy.counts['/token']).toBe(1);
    clockMs += 3600_000; // the mock's expires_in
    await connection.execute('whoami');
    expect(proxy.counts['/token']).toBe(2);
    expect(grants).toEqual({ client_credentials: 2 });
    expect(api.accepted).toHaveLength(3);
    // (The mock's JWTs carry no jti: two issued within one second may be byte-identical.)
  });

  it('a wrong client secret: invalid_client after one token request, the API never called', async () => {
    const wrong = 'mock-wrong-canary-secret';
    registerSecret(wrong);
    const { connection } = await connect(auth(), { client_secret: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ oauthError: 'invalid_client', status: 401 });
    expect(proxy.counts['/token']).toBe(1);
    expect(api.apiRequests).toHaveLength(0);
  });
});

describe('password and refresh_token', () => {
  it('logs in with the password grant, then renews with the rotated refresh token', async () => {
    const { connection, log } = await connect({
      type: 'oauth2_password',
      token_url: `${proxy.url}/token`,
      username: '{{ credentials.username }}',
      password: '{{ credentials.password }}',
      scope: 'openid profile',
      ...client,
    });
    expect((await connection.execute('whoami')).data).toMatchObject({ sub: USER.username, scope: 'openid profile' });
    for (let round = 0; round < 2; round++) {
      clockMs += 3600_000;
      expect((await connection.execute('whoami')).status).toBe(200);
    }
    expect(grants).toEqual({ password: 1, refresh_token: 2 });
    expect(proxy.counts['/token']).toBe(3);
    const presented = proxy.requests.filter((request) => request.params.get('grant_type') === 'refresh_token').map((r) => r.params.get('refresh_token'));
    expect(new Set(presented).size).toBe(2);
    expect(api.accepted).toHaveLength(3);
    expect(log.events.filter((event) => event.type === 'token.refreshed')).toHaveLength(2);
  });
});

describe('authorization code with PKCE, headless', () => {
  const auth = (): Authentication => ({
    type: 'oauth2_authorization_code',
    authorization_url: `${proxy.url}/authorize`,
    token_url: `${proxy.url}/token`,
    redirect_uri: api.callbackUrl,
    scope: 'openid offline_access',
    ...client,
  });

  /** Follows the mock's redirect to the callback without a browser. */
  async function userAgent(authorizationUrl: string): Promise<string> {
    const answer = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const location = answer.headers.get('location') ?? '';
    const landed = await fetch(location);
    expect(landed.status).toBe(200);
    await landed.text();
    const code = new URL(location).searchParams.get('code');
    if (code) registerSecret(code);
    return location;
  }

  it('the mock verifies the code_verifier; its token passes the JWKS check; refresh_token renews it', async () => {
    const { connection } = await connect(auth());
    const authorizationUrl = await connection.authorizationUrl();
    const callback = await userAgent(authorizationUrl);
    expect(callback.startsWith(`${api.callbackUrl}?`)).toBe(true);
    expect(new URL(callback).searchParams.get('state')).toBe(new URL(authorizationUrl).searchParams.get('state'));
    await connection.completeAuthorization(callback);

    expect(proxy.counts['/authorize']).toBe(1);
    expect(api.callbacks).toEqual([callback]);
    expect(grants).toEqual({ authorization_code: 1 });
    const exchange = proxy.requests.find((request) => request.path === '/token')!;
    const verifier = exchange.params.get('code_verifier') ?? '';
    registerSecret(verifier);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(new URL(authorizationUrl).searchParams.get('code_challenge'));

    expect((await connection.execute('whoami')).data).toMatchObject({ sub: 'johndoe' });
    clockMs += 3600_000;
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(grants).toEqual({ authorization_code: 1, refresh_token: 1 });
    expect(proxy.counts['/token']).toBe(2);
    expect(api.accepted).toHaveLength(2);
  });

  it('a code bound to another challenge is refused by the mock\'s PKCE check', async () => {
    const { connection } = await connect(auth());
    const victim = new URL(await connection.authorizationUrl());
    const attacker = new URL(victim);
    attacker.searchParams.set('code_challenge', createHash('sha256').update('a'.repeat(64)).digest('base64url'));
    const attackerCallback = new URL(await userAgent(attacker.toString()));
    const injected = new URL(api.callbackUrl);
    injected.searchParams.set('code', attackerCallback.searchParams.get('code') ?? '');
    injected.searchParams.set('state', victim.searchParams.get('state') ?? '');
    const error = await rejection(connection.completeAuthorization(injected));
    // The mock answers invalid_request (RFC 7636 §4.6 says invalid_grant): a malformed request to us,
    // so a ConfigurationError — either way the injected code is not exchanged and nothing is stored.
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('code_verifier provided does not match code_challenge');
    expect(proxy.counts['/token']).toBe(1);
    expect(grants).toEqual({});
    expect(api.apiRequests).toHaveLength(0);
  });
});
