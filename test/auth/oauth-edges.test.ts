/**
 * The standard grants against what real providers do (issue 13, item 4), on the loopback
 * authorization server: token endpoints that take only JSON (token_request_format), token answers
 * that nest the token (Slack's authed_user) or leave out token_type (token_type_required), and
 * lifetimes in milliseconds or as duration strings (expiry.expires_in_unit, ISO 8601, clock).
 * The server parses every request and refuses what it does not take; exact request counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  loadConnector,
  MemoryTokenStore,
  TokenResponseError,
  type Connection,
  type Connector,
  type TokenStore,
} from '../../sdk/index.js';
import { compileExpiryPolicy } from '../../sdk/auth/expiry.js';
import type {
  AuthOAuth2AuthorizationCode,
  AuthOAuth2ClientCredentials,
  AuthOAuth2Password,
  Authentication,
} from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth, type FakeOAuthOptions } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const APP = { id: 'edge-app', secret: 'edge-app-canary-secret' };
const USER = { name: 'edge-user', password: 'edge-user-canary-password' };
registerSecret(APP.secret, USER.password);
const START = Date.UTC(2026, 10, 23, 12, 0, 0);

let server: FakeOAuth;
let connectors: Connector[] = [];
let clockMs = START;
const clock = { now: () => clockMs };

async function start(options: FakeOAuthOptions = {}, auth: 'basic' | 'post' = 'post'): Promise<void> {
  server = await startFakeOAuth({ now: clock.now, expiresIn: 3600, clients: [{ ...APP, auth }], users: { [USER.name]: USER.password }, ...options });
}

async function connect(auth: Authentication, store: TokenStore = new MemoryTokenStore()) {
  const connector = await loadConnector(authManifest(server.url, auth, credentialFields(['client_id', 'client_secret'], ['client_secret'])));
  connectors.push(connector);
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'edge-1',
    credentials: { client_id: APP.id, client_secret: APP.secret },
    store,
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log, store };
}

function codeAuth(overrides: Partial<AuthOAuth2AuthorizationCode> = {}): AuthOAuth2AuthorizationCode {
  return {
    type: 'oauth2_authorization_code',
    authorization_url: server.authorizeUrl,
    token_url: server.tokenUrl,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    redirect_uri: server.callbackUrl,
    ...overrides,
  };
}

function ccAuth(overrides: Partial<AuthOAuth2ClientCredentials> = {}): AuthOAuth2ClientCredentials {
  return {
    type: 'oauth2_client_credentials',
    token_url: server.tokenUrl,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    ...overrides,
  };
}

function passwordAuth(overrides: Partial<AuthOAuth2Password> = {}): AuthOAuth2Password {
  return {
    type: 'oauth2_password',
    token_url: server.tokenUrl,
    username: USER.name,
    password: USER.password,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    ...overrides,
  };
}

/** The user agent: the authorization endpoint's redirect to the callback, then the code exchange. */
async function authorize(connection: Connection): Promise<string> {
  const answer = await fetch(await connection.authorizationUrl(), { redirect: 'manual' });
  expect(answer.status).toBe(302);
  const callback = answer.headers.get('location') ?? '';
  await connection.completeAuthorization(callback);
  return new URL(callback).searchParams.get('code') ?? '';
}

/** The JSON object a token request carried, after checking it was sent as JSON. */
function jsonBodyOf(index: number): Record<string, unknown> {
  const request = server.tokenRequests[index]!;
  expect(request.headers['content-type']).toBe('application/json');
  return JSON.parse(request.body) as Record<string, unknown>;
}

beforeEach(() => {
  clockMs = START;
});

afterEach(async () => {
  await Promise.all(connectors.map((connector) => connector.close()));
  connectors = [];
  await server.close();
});

describe('token_request_format: "json" against a server that takes only JSON', () => {
  it('the code exchange and the refresh send the same parameters as one JSON object', async () => {
    await start({ tokenRequestFormat: 'json' });
    const { connection } = await connect(codeAuth({ token_request_format: 'json' }));
    const code = await authorize(connection);
    const exchange = jsonBodyOf(0);
    registerSecret(String(exchange.code_verifier));
    expect(exchange).toEqual({
      grant_type: 'authorization_code',
      code,
      redirect_uri: server.callbackUrl,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43,128}$/),
      client_id: APP.id,
      client_secret: APP.secret,
    });
    expect(server.tokenRequests[0]!.clientAuth).toEqual({ method: 'post', clientId: APP.id });
    const firstRefreshToken = server.latestRefreshToken();
    await connection.execute('whoami');

    clockMs += 3600 * 1000; // the access token's end: the next call refreshes first
    const result = await connection.execute('whoami');
    expect(result.data).toMatchObject({ client_id: APP.id, username: 'code-user' });
    expect(jsonBodyOf(1)).toEqual({ grant_type: 'refresh_token', refresh_token: firstRefreshToken, client_id: APP.id, client_secret: APP.secret });
    expect(server.grants).toEqual({ authorization_code: 1, refresh_token: 1 });
    expect(server.tokenRequestCount()).toBe(2);
    expect(server.counts['/api/whoami']).toBe(2);
  });

  it('the same server refuses the default form encoding: a ConfigurationError naming the token endpoint', async () => {
    await start({ tokenRequestFormat: 'json' });
    const { connection, store } = await connect(ccAuth());
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field: '/auth/token_url', status: 400 });
    expect(error.message).toContain('must be application/json');
    expect(server.tokenRequests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
    expect(await store.get('edge-1')).toBeUndefined();
  });

  it('client credentials with client_auth basic: the secret stays in the Authorization header, scope and params in the JSON', async () => {
    await start({ tokenRequestFormat: 'json' }, 'basic');
    const { connection } = await connect(ccAuth({ token_request_format: 'json', client_auth: 'basic', scope: 'reports:read', params: { audience: 'https://api.example.com' } }));
    await connection.execute('whoami');
    expect(jsonBodyOf(0)).toEqual({ grant_type: 'client_credentials', scope: 'reports:read', audience: 'https://api.example.com' });
    expect(server.tokenRequests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`);
    expect(server.tokenRequests[0]!.clientAuth).toEqual({ method: 'basic', clientId: APP.id });
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBe(1);
  });

  it('the password grant and its revocation (RFC 7009) go as JSON too', async () => {
    await start({ tokenRequestFormat: 'json' });
    const { connection, store } = await connect(passwordAuth({ token_request_format: 'json', revocation_url: server.revocationUrl }));
    await connection.execute('whoami');
    expect(jsonBodyOf(0)).toEqual({ grant_type: 'password', username: USER.name, password: USER.password, client_id: APP.id, client_secret: APP.secret });
    const refreshToken = (await store.get('edge-1'))?.refreshToken;
    expect(await connection.revoke()).toBe('revoked');
    const revocation = server.revocations[0]!;
    expect(revocation.headers['content-type']).toBe('application/json');
    expect(JSON.parse(revocation.body)).toEqual({ token: refreshToken, token_type_hint: 'refresh_token', client_id: APP.id, client_secret: APP.secret });
    expect(server.liveRefreshTokens()).toEqual([]);
    expect([server.tokenRequestCount(), server.counts['/oauth/revoke'], server.counts['/api/whoami']]).toEqual([1, 1, 1]);
  });
});

describe('token answers that nest the token or leave out token_type', () => {
  /** Slack's oauth.v2.access for a user token: no top-level token, the user's under authed_user. */
  const slack = (answer: Record<string, unknown>) => ({
    ok: true,
    app_id: 'A0EDGE',
    authed_user: { id: 'U0EDGE', scope: 'search:read', access_token: answer.access_token, refresh_token: answer.refresh_token, expires_in: answer.expires_in },
  });
  const nested = {
    token_response: { access_token_path: '$.authed_user.access_token', refresh_token_path: '$.authed_user.refresh_token', token_type_required: false },
    expiry: { expires_in_path: '$.authed_user.expires_in' },
  };

  it("Slack's authed_user: the nested access token is used, its refresh token and lifetime are read", async () => {
    await start({ tokenAnswer: slack });
    const { connection } = await connect(codeAuth(nested));
    await authorize(connection);
    expect(await connection.ensureToken()).toEqual({ managed: true, tokenType: undefined, expiresAt: START + 3600 * 1000, hasRefreshToken: true, cookieNames: [] });
    const presented = server.latestRefreshToken();
    expect((await connection.execute('whoami')).data).toMatchObject({ client_id: APP.id, username: 'code-user' });

    clockMs += 3600 * 1000;
    await connection.execute('whoami');
    expect(server.tokenRequests[1]!.params.get('refresh_token')).toBe(presented);
    expect(server.grants).toEqual({ authorization_code: 1, refresh_token: 1 });
    expect(server.counts['/api/whoami']).toBe(2);
  });

  const withoutTokenType = ({ token_type: _dropped, ...answer }: Record<string, unknown>) => answer;

  it('no token_type with token_type_required false: accepted and used as Bearer', async () => {
    await start({ tokenAnswer: withoutTokenType });
    const { connection } = await connect(ccAuth({ token_response: { token_type_required: false } }));
    expect((await connection.execute('whoami')).data).toMatchObject({ client_id: APP.id });
    expect(await connection.ensureToken()).toMatchObject({ managed: true, tokenType: undefined, expiresAt: START + 3600 * 1000 });
    expect(server.apiRequests[0]!.headers.authorization).toMatch(/^Bearer at-canary-/);
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBe(1);
  });

  it.each([
    ['by default', {}],
    ['with token_type_required true', { token_response: { token_type_required: true } }],
  ])('no token_type %s: a TokenResponseError naming the field, nothing stored, no API call', async (_name, overrides) => {
    await start({ tokenAnswer: withoutTokenType });
    const { connection, store } = await connect(ccAuth(overrides));
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.code).toBe('CONNECTOR_TOKEN_RESPONSE_INVALID');
    expect(error.message).toContain('sent no "token_type" (RFC 6749 §5.1 requires it)');
    expect(error.message).toContain('set /auth/token_response/token_type_required to false');
    expect(await store.get('edge-1')).toBeUndefined();
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });

  it('token_type_required false still refuses a token_type that is sent and differs from the scheme (RFC 6749 §7.1)', async () => {
    await start({ tokenAnswer: (answer) => ({ ...answer, token_type: 'mac' }) });
    const { connection, store } = await connect(ccAuth({ token_response: { token_type_required: false } }));
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.message).toContain('issued a token of type "mac"');
    expect(error.message).toContain('check /auth/apply');
    expect(await store.get('edge-1')).toBeUndefined();
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });
});

describe('lifetimes in milliseconds and as duration strings', () => {
  const expiresInAs = (value: (seconds: number) => unknown) => (answer: Record<string, unknown>) => ({ ...answer, expires_in: value(Number(answer.expires_in)) });

  it('expires_in_unit milliseconds: 3 600 000 is an hour, renewed at its end (60 s margin)', async () => {
    await start({ tokenAnswer: expiresInAs((seconds) => seconds * 1000) });
    const { connection } = await connect(ccAuth({ expiry: { expires_in_unit: 'milliseconds' } }));
    await connection.execute('whoami');
    expect((await connection.ensureToken()).expiresAt).toBe(START + 3600 * 1000);
    clockMs = START + 3539 * 1000;
    await connection.execute('whoami');
    expect(server.tokenRequestCount()).toBe(1);
    clockMs = START + 3540 * 1000;
    await connection.execute('whoami');
    expect(server.tokenRequestCount()).toBe(2);
    expect(server.counts['/api/whoami']).toBe(3);
  });

  it('expires_in_unit minutes: a session timeout of 30 is half an hour', async () => {
    await start({ tokenAnswer: expiresInAs(() => 30) });
    const { connection } = await connect(ccAuth({ expiry: { expires_in_unit: 'minutes' } }));
    expect((await connection.ensureToken()).expiresAt).toBe(START + 1800 * 1000);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('the same answer read in seconds (the default) would keep the token 41 days', async () => {
    await start({ tokenAnswer: expiresInAs((seconds) => seconds * 1000) });
    const { connection } = await connect(ccAuth());
    expect((await connection.ensureToken()).expiresAt).toBe(START + 3_600_000 * 1000);
  });

  it.each([
    ['PT1H', 3600],
    ['P1DT2H30M', 95_400],
    ['01:00:00', 3600],
    ['1.02:30:00', 95_400],
    ['0:01:00:00', 3600],
  ])('expires_in %j is %d seconds', async (text, seconds) => {
    await start({ tokenAnswer: expiresInAs(() => text) });
    const { connection, log } = await connect(ccAuth());
    expect((await connection.ensureToken()).expiresAt).toBe(START + seconds * 1000);
    expect(log.events.filter((event) => event.type === 'token.expiry_warning')).toEqual([]);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('a lifetime in months (calendar-dependent) is unusable: the default lifetime and a warning', async () => {
    await start({ tokenAnswer: expiresInAs(() => 'P1M') });
    const { connection, log } = await connect(ccAuth({ expiry: { default_lifetime_seconds: 600 } }));
    expect((await connection.ensureToken()).expiresAt).toBe(START + 600 * 1000);
    expect(log.events.filter((event) => event.type === 'token.expiry_warning')).toEqual([
      expect.objectContaining({ reason: 'the token endpoint (/auth/token_url): expires_in is not a usable number of seconds' }),
    ]);
  });
});

describe('the expiry policy reading lifetimes', () => {
  const sentAt = START;
  const at = (spec: Parameters<typeof compileExpiryPolicy>[0], expires_in: unknown) =>
    compileExpiryPolicy(spec).expiresAt({ body: { data: { expires_in } }, accessToken: 'opaque', sentAt });

  it.each([
    [1500, sentAt + 1500],
    ['1500', sentAt + 1500],
    [0, sentAt],
    [-5, sentAt],
    ['PT2S', sentAt + 2000],
    ['00:00:02', sentAt + 2000],
  ])('milliseconds at a nested path: %j', (value, expected) => {
    expect(at({ expires_in_path: '$.data.expires_in', expires_in_unit: 'milliseconds' }, value)).toEqual({ expiresAt: expected });
  });

  it.each([['abc'], [''], [true], [1e12 * 1000]])('an unusable millisecond lifetime %j warns in its unit', (value) => {
    expect(at({ expires_in_path: '$.data.expires_in', expires_in_unit: 'milliseconds', default_lifetime_seconds: 60 }, value)).toEqual({
      expiresAt: sentAt + 60_000,
      warning: 'expires_in is not a usable number of milliseconds',
    });
  });

  it('a duration beyond ten years is unusable like a number', () => {
    expect(at({ expires_in_path: '$.data.expires_in' }, 'P5000W')).toEqual({ expiresAt: undefined, warning: 'expires_in is not a usable number of seconds' });
  });
});
