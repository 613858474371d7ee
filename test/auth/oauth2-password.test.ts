/**
 * OAuth 2.0 password grant (RFC 6749 §4.3) against the loopback authorization server: the token
 * request body, the refresh_token grant when a refresh token was issued and a new login when
 * not, RFC 6750 challenges on the API, RFC 6749 §5.2 error bodies, malformed token responses,
 * and the validator's RFC 9700 warning. Exact request counts throughout.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  HttpError,
  loadConnector,
  MemoryTokenStore,
  ReauthorizationRequired,
  TokenResponseError,
  validateManifest,
  type Connector,
} from '../../sdk/index.js';
import type { AuthOAuth2Password } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth, type FakeOAuthOptions } from '../helpers/fake-oauth/index.js';
import type { ClientAuthMethod } from '../helpers/fake-oauth/types.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const CLIENT = { id: 'docuware-platform', secret: 'pw-client-canary-secret' };
const USER = { username: 'max.mustermann@example.com', password: 'pässwörd canary&=+%' };
registerSecret(CLIENT.secret, USER.password);

let server: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };

function passwordAuth(overrides: Partial<AuthOAuth2Password> = {}): AuthOAuth2Password {
  return {
    type: 'oauth2_password',
    token_url: `${server.tokenUrl}`,
    username: '{{ credentials.username }}',
    password: '{{ credentials.password }}',
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    scope: 'docuware.platform offline_access',
    ...overrides,
  };
}

const schema = credentialFields(['username', 'password', 'client_id', 'client_secret'], ['password', 'client_secret']);

async function setup(options: FakeOAuthOptions = {}, overrides: Partial<AuthOAuth2Password> = {}, credentials: Record<string, string> = {}) {
  server = await startFakeOAuth({
    clients: [{ ...CLIENT, auth: (overrides.client_auth ?? 'post') as ClientAuthMethod }],
    users: { [USER.username]: USER.password },
    now: clock.now,
    expiresIn: 600,
    ...options,
  });
  connector = await loadConnector(authManifest(server.url, passwordAuth(overrides), schema));
  const log = eventLog();
  const store = new MemoryTokenStore();
  const connection = connector.connect({
    connectionId: 'pw-1',
    credentials: { ...USER, client_id: CLIENT.id, client_secret: CLIENT.secret, ...credentials },
    store,
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log, store };
}

beforeEach(() => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server?.close();
});

describe('the token request', () => {
  it('posts grant_type=password, username, password, scope and client_secret_post; the API accepts the token', async () => {
    const { connection, log } = await setup();
    const result = await connection.execute('whoami');
    expect(result.data).toEqual({ path: '/api/whoami', client_id: CLIENT.id, username: USER.username, scope: 'docuware.platform offline_access' });
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBe(1);
    const request = server.tokenRequests[0]!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['user-agent']).toBe('connector-sdk-auth-tests/1.0');
    expect(request.headers.authorization).toBeUndefined();
    expect([...request.params.keys()].sort()).toEqual(['client_id', 'client_secret', 'grant_type', 'password', 'scope', 'username']);
    expect(Object.fromEntries(request.params)).toEqual({
      grant_type: 'password',
      username: USER.username,
      password: USER.password,
      scope: 'docuware.platform offline_access',
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
    });
    expect(request.clientAuth).toEqual({ method: 'post', clientId: CLIENT.id });
    expect(log.events.map((event) => event.type)).toContain('token.acquired');
  });

  it('client_secret_basic puts the client in the Authorization header, not the body', async () => {
    const { connection } = await setup({}, { client_auth: 'basic' });
    await connection.execute('whoami');
    const request = server.tokenRequests[0]!;
    expect(request.clientAuth).toEqual({ method: 'basic', clientId: CLIENT.id });
    expect(request.params.has('client_secret')).toBe(false);
    expect(request.params.has('client_id')).toBe(false);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('the token is reused while fresh: one token request for many calls', async () => {
    const { connection } = await setup();
    for (let i = 0; i < 5; i++) await connection.execute('items');
    clockMs += 500_000; // still outside the 60 s margin of a 600 s token
    await connection.execute('items');
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/items']).toBe(6);
  });
});

describe('renewal', () => {
  it('uses the refresh_token grant when the server issued a refresh token', async () => {
    const { connection, store, log } = await setup();
    await connection.execute('whoami');
    const first = (await store.get('pw-1'))?.refreshToken;
    expect(first).toMatch(/^rt-canary-/);
    clockMs += 600_000;
    await connection.execute('whoami');
    expect(server.grants).toEqual({ password: 1, refresh_token: 1 });
    const refresh = server.tokenRequests[1]!;
    expect(refresh.params.get('refresh_token')).toBe(first);
    expect(refresh.params.get('client_id')).toBe(CLIENT.id);
    expect(refresh.params.get('client_secret')).toBe(CLIENT.secret);
    expect(refresh.params.has('password')).toBe(false);
    // The rotated refresh token replaced the old one.
    expect((await store.get('pw-1'))?.refreshToken).toBe(server.liveRefreshTokens()[0]);
    expect(log.events.filter((event) => event.type === 'token.refreshed')).toEqual([
      expect.objectContaining({ refreshTokenRotated: true }),
    ]);
    expect(server.counts['/api/whoami']).toBe(2);
  });

  it('logs in again when the server issued no refresh token', async () => {
    const { connection } = await setup({ issueRefreshTokens: false });
    await connection.execute('whoami');
    clockMs += 600_000;
    await connection.execute('whoami');
    clockMs += 600_000;
    await connection.execute('whoami');
    expect(server.grants).toEqual({ password: 3 });
    expect(server.counts['/api/whoami']).toBe(3);
  });

  it('a refused refresh falls back to one new login', async () => {
    const { connection, log } = await setup();
    await connection.execute('whoami');
    server.inject('/oauth/token', { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } });
    clockMs += 600_000;
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(3); // password, refused refresh, password
    expect(server.grants).toEqual({ password: 2 });
    expect(server.tokenRequests[1]?.params.get('grant_type')).toBe('refresh_token');
    expect(log.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['token.refresh_failed', 'token.acquired', 'auth.reauthorized']),
    );
  });
});

describe('RFC 6750 challenges on the API', () => {
  it('401 with error="invalid_token": exactly one refresh and one replay', async () => {
    const { connection, log } = await setup();
    await connection.execute('whoami');
    server.inject('/api/whoami', { challenge: 'invalid_token' });
    const result = await connection.execute('whoami');
    expect(result.status).toBe(200);
    expect(server.grants).toEqual({ password: 1, refresh_token: 1 });
    expect(server.counts['/api/whoami']).toBe(3);
    expect(log.events.filter((event) => event.type === 'auth.token_rejected')).toEqual([
      expect.objectContaining({ action: 'whoami', status: 401 }),
    ]);
  });

  it('403 with error="insufficient_scope": no refresh, an HttpError', async () => {
    const { connection } = await setup();
    await connection.execute('whoami');
    server.inject('/api/whoami', { challenge: 'insufficient_scope' });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 403 });
    expect(server.grants).toEqual({ password: 1 });
    expect(server.counts['/api/whoami']).toBe(2);
  });

  it('a token revoked on the server: one refresh, one replay, then it works', async () => {
    const { connection } = await setup();
    await connection.execute('whoami');
    server.invalidateAccessTokens();
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.grants).toEqual({ password: 1, refresh_token: 1 });
    expect(server.counts['/api/whoami']).toBe(3);
  });
});

describe('RFC 6749 §5.2 errors and malformed token responses', () => {
  it('invalid_grant (wrong password): ReauthorizationRequired with oauthError and what to fix, then no more requests', async () => {
    const wrong = 'wrong-canary-pässword';
    registerSecret(wrong);
    const { connection, log } = await setup({}, {}, { password: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'CONNECTOR_REAUTHORIZATION_REQUIRED', oauthError: 'invalid_grant', status: 400 });
    expect(error.message).toContain('invalid_grant: the resource owner credentials are wrong');
    expect(error.message).toContain('re-authorize the connection');
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
    expect(log.events.map((event) => event.type)).toContain('auth.reauthorization_required');
    await rejection(connection.execute('whoami'));
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('invalid_client (wrong client secret): the message points at the app credentials', async () => {
    const wrong = 'wrong-canary-client-secret';
    registerSecret(wrong);
    const { connection } = await setup({}, {}, { client_secret: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ oauthError: 'invalid_client', status: 401 });
    expect(error.message).toContain('The client id or secret is wrong');
    expect(error.message).toContain('check the app credentials');
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('a 200 whose body is an error is a refusal, not a token', async () => {
    const { connection } = await setup();
    server.inject('/oauth/token', { status: 200, body: { error: 'invalid_grant', error_description: 'account locked' } });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ oauthError: 'invalid_grant', status: 200 });
    expect(error.message).toContain('invalid_grant: account locked');
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });

  it('a token response without token_type → TokenResponseError (RFC 6749 §5.1), nothing stored', async () => {
    const leaked = 'at-canary-no-token-type';
    registerSecret(leaked);
    const { connection, store } = await setup();
    server.inject('/oauth/token', { status: 200, body: { access_token: leaked, expires_in: 600 } });
    const error = await rejection(connection.ensureToken());
    // An unusable answer says nothing about the credentials: thrown as it is, nothing flagged.
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toMatchObject({ code: 'CONNECTOR_TOKEN_RESPONSE_INVALID' });
    expect(error.message).toContain('sent no "token_type"');
    expect(await store.get('pw-1')).toBeUndefined();
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });
});

describe('token_type against the scheme the token is sent with (RFC 6749 §7.1)', () => {
  /** The next token answer: a canary access token of the given type. */
  function answerWithType(tokenType: string): string {
    const token = `at-canary-type-${tokenType.toLowerCase()}-${server.tokenRequestCount()}`;
    registerSecret(token);
    server.inject('/oauth/token', { status: 200, body: { access_token: token, token_type: tokenType, expires_in: 600 } });
    return token;
  }

  it.each(['bearer', 'BEARER', 'Bearer'])('"%s" matches the default Authorization: Bearer (case-insensitive)', async (type) => {
    const { connection } = await setup();
    answerWithType(type);
    expect(await connection.ensureToken()).toMatchObject({ managed: true, tokenType: type });
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('"mac" is refused with a typed error naming the type and /auth/apply; nothing is stored, so a later execute asks again', async () => {
    const { connection, store } = await setup();
    answerWithType('mac');
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toMatchObject({ code: 'CONNECTOR_TOKEN_RESPONSE_INVALID' });
    expect(error.message).toContain('issued a token of type "mac"');
    expect(error.message).toContain('"Bearer"');
    expect(error.message).toContain('check /auth/apply');
    expect(await store.get('pw-1')).toBeUndefined();
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
    clockMs += 31_000; // past the renewal cooldown after an unusable answer
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(2);
    expect(server.grants).toEqual({ password: 1 });
    expect(server.counts['/api/whoami']).toBe(1);
  });

  it('a refresh answering "DPoP" is refused too (its token is not kept) and a new login follows', async () => {
    const { connection, store } = await setup();
    await connection.execute('whoami');
    clockMs += 600_000;
    const refused = answerWithType('DPoP');
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(3); // password, refused refresh, password
    expect(server.tokenRequests[1]?.params.get('grant_type')).toBe('refresh_token');
    expect(server.grants).toEqual({ password: 2 });
    expect((await store.get('pw-1'))?.accessToken).not.toBe(refused);
  });

  it('a custom Authorization scheme is the one compared: "Token …" accepts "token", refuses "Bearer"', async () => {
    const { connection } = await setup({}, { apply: { headers: { Authorization: 'Token {{ auth.access_token }}' } } });
    answerWithType('Bearer');
    const error = await rejection(connection.ensureToken());
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.message).toContain('would send it as "Token" with the Authorization header of /auth/apply');
    clockMs += 31_000;
    answerWithType('token');
    expect(await connection.ensureToken()).toMatchObject({ tokenType: 'token' });
    expect(server.tokenRequestCount()).toBe(2);
  });

  it.each([
    ['a query parameter', { query: { access_token: '{{ auth.access_token }}' } }],
    ['a header built from auth.token_type', { headers: { Authorization: '{{ auth.token_type }} {{ auth.access_token }}' } }],
    ['another header', { headers: { 'X-Auth-Token': '{{ auth.access_token }}' } }],
  ])('when apply sends the token in %s the scheme is unknown: any type is accepted', async (_name, apply) => {
    const { connection } = await setup({}, { apply });
    answerWithType('mac');
    expect(await connection.ensureToken()).toMatchObject({ tokenType: 'mac' });
    expect(server.tokenRequestCount()).toBe(1);
  });
});

describe('validator', () => {
  it('warns about the password grant (RFC 9700 §2.4), yet the connector loads and works', async () => {
    const { connection } = await setup();
    const manifest = authManifest(server.url, passwordAuth(), schema);
    const { valid, diagnostics } = validateManifest(manifest);
    expect(valid).toBe(true);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', pointer: '/auth/type', message: expect.stringContaining('RFC 9700') }),
    );
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(1);
  });
});
