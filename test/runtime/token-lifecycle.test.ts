/**
 * The refreshable-token lifecycle against a real loopback token server, with exact request
 * counts: token sources, refresh and its fallbacks, rotation, single flight, reactive refresh,
 * re-authorization, and the secret scan.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector, MemoryTokenStore, ReauthorizationRequired, TokenResponseError, AuthError, type Connector } from '../../sdk/index.js';
import { startFakeOAuth, type FakeOAuth, type FakeOAuthOptions } from '../helpers/fake-oauth/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';

let server: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };

type AuthOverrides = Partial<AuthRefreshableToken> | ((url: string) => Partial<AuthRefreshableToken>);

async function setup(serverOptions: FakeOAuthOptions, auth: AuthOverrides = {}) {
  server = await startFakeOAuth({ now: clock.now, ...serverOptions });
  connector = await loadConnector(refreshableManifest(server.url, typeof auth === 'function' ? auth(server.url) : auth));
  const log = eventLog();
  const store = new MemoryTokenStore();
  const connection = connector.connect({
    connectionId: 'tenant-1',
    credentials,
    store,
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
  return { connection, log, store };
}

const refreshEndpoint = (url: string): Partial<AuthRefreshableToken> => ({
  response_refresh_token_path: 'refresh_token',
  refresh_request_url: `${url}/refresh`,
  refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
  refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

beforeEach(() => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server?.close();
});

describe('token sources', () => {
  it('takes the token from the JSON body and sends it as a bearer header', async () => {
    const { connection, log } = await setup({});
    const result = await connection.execute('get-items');
    expect(result).toMatchObject({ status: 200, data: { path: '/api/items' } });
    expect(server.counts['/token']).toBe(1);
    expect(server.apiRequests[0]?.headers.authorization).toMatch(/^Bearer tok-canary-1-/);
    expect(server.tokenRequests[0]?.headers['user-agent']).toBe('connector-sdk-tests/1.0');
    expect(server.apiRequests[0]?.headers['user-agent']).toBe('connector-sdk-tests/1.0');
    expect(log.events.map((event) => event.type)).toContain('token.acquired');
  });

  it('takes the token from a response header', async () => {
    const { connection } = await setup({ login: { tokenIn: 'header' } }, {
      response_access_token_path: null,
      response_access_token_path_in_header: 'X-Auth-Token',
    });
    await connection.execute('get-items');
    await connection.execute('get-items');
    expect(server.counts['/token']).toBe(1);
    expect(server.counts['/api/items']).toBe(2);
  });

  it('takes the token from a Set-Cookie and sends the cookies back, not a bearer header', async () => {
    const { connection } = await setup({ login: { tokenIn: 'cookie' } }, {
      response_access_token_path: null,
      response_access_token_path_in_cookie: 'SESSIONAUTH',
    });
    await connection.execute('get-items');
    expect(server.counts['/token']).toBe(1);
    expect(server.apiRequests[0]?.headers.authorization).toBeUndefined();
    expect(server.apiRequests[0]?.headers.cookie).toMatch(/SESSIONAUTH=tok-canary-1-/);
    expect(server.apiRequests[0]?.headers.cookie).toMatch(/tracking=t1/);
  });

  it('says where it looked when the token is not in the response', async () => {
    const { connection } = await setup({}, { response_access_token_path: '$.data.token' });
    const error = await rejection(connection.execute('get-items'));
    // A path that finds nothing is the manifest's problem, never a reason to send the user through sign-in.
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.message).toContain('expected the access token at $.data.token, found nothing');
    expect(error.message).toContain('top-level keys: token_type, expires_in, access_token');
  });
});

describe('expiry and refresh', () => {
  it('re-runs the authorization when there is no refresh request (snov.io style)', async () => {
    const { connection } = await setup({ expiresIn: 3600 });
    await connection.execute('get-items');
    clockMs += 3599_000; // inside the 60 s margin
    await connection.execute('get-items');
    expect(server.counts['/token']).toBe(2);
    clockMs += 1000;
    await connection.execute('get-items');
    expect(server.counts['/token']).toBe(2);
  });

  it('refreshes through the separate refresh endpoint and keeps a rotated refresh token', async () => {
    const { connection, store, log } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    for (let round = 0; round < 3; round++) {
      clockMs += 600_000;
      await connection.execute('get-items');
    }
    expect(server.counts['/token']).toBe(1);
    expect(server.counts['/refresh']).toBe(3);
    // Each refresh presented the refresh token of the previous answer.
    const presented = server.tokenRequests.filter((r) => r.path === '/refresh').map((r) => new URLSearchParams(r.body).get('refresh_token'));
    expect(new Set(presented).size).toBe(3);
    expect((await store.get('tenant-1'))?.refreshToken).toBe(server.latestRefreshToken());
    expect(log.events.filter((event) => event.type === 'token.refreshed')).toHaveLength(3);
  });

  it.each(['missing', 'null', 'empty'] as const)('keeps the refresh token when the refresh answer has it %s', async (omits) => {
    const { connection, store } = await setup(
      { login: { refreshTokens: true, refreshOmits: omits }, rotateRefreshTokens: false, expiresIn: 600 },
      refreshEndpoint,
    );
    await connection.execute('get-items');
    const first = (await store.get('tenant-1'))?.refreshToken;
    clockMs += 600_000;
    await connection.execute('get-items');
    clockMs += 600_000;
    await connection.execute('get-items');
    expect(server.counts['/refresh']).toBe(2);
    expect(server.counts['/token']).toBe(1);
    expect((await store.get('tenant-1'))?.refreshToken).toBe(first);
  });

  it('reads refresh answers with refresh_response_* paths', async () => {
    const { connection, store } = await setup(
      { login: { refreshTokens: true, nestedRefreshResponse: true }, expiresIn: 600 },
      (url) => ({
        ...refreshEndpoint(url),
        refresh_response_access_token_path: 'data.token',
        refresh_response_refresh_token_path: '$.data.renewal',
        expiry: { expires_in_path: '$.expires_in', refresh_margin_seconds: 30 },
      }),
    );
    await connection.execute('get-items');
    clockMs += 600_000;
    await connection.execute('get-items');
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/api/items']).toBe(2);
    expect((await store.get('tenant-1'))?.refreshToken).toBe(server.latestRefreshToken());
  });

  it('never refreshes earlier than half the token lifetime', async () => {
    const { connection } = await setup({ expiresIn: 60 }, { expiry: { refresh_margin_seconds: 300 } });
    await connection.execute('get-items');
    clockMs += 29_000;
    await connection.execute('get-items');
    expect(server.counts['/token']).toBe(1);
    clockMs += 1_000;
    await connection.execute('get-items');
    expect(server.counts['/token']).toBe(2);
  });
});

describe('cookies from action responses', () => {
  it('are kept and sent back, and a cookie set again unchanged costs no store write', async () => {
    const { connection, store } = await setup({ api: { setCookie: 'lb=node-7; Path=/' } });
    let writes = 0;
    const write = store.compareAndSet.bind(store);
    store.compareAndSet = (...args) => {
      writes++;
      return write(...args);
    };
    await connection.execute('get-items');
    expect(writes).toBe(2); // the token, then the new cookie
    await connection.execute('get-items');
    await connection.execute('get-items');
    expect(writes).toBe(2);
    expect(server.apiRequests[1]?.headers.cookie).toBe('lb=node-7');
    expect((await store.get('tenant-1'))?.cookies.map((cookie) => cookie.name)).toEqual(['lb']);
  });
});

describe('single flight', () => {
  it('1 000 concurrent executes with no token cause exactly one authorization request', async () => {
    const { connection } = await setup({});
    server.options.tokenDelayMs = 20;
    const results = await Promise.all(Array.from({ length: 1000 }, () => connection.execute('get-items')));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(server.counts['/token']).toBe(1);
    expect(server.counts['/api/items']).toBe(1000);
  });

  it('1 000 concurrent executes with an expired token cause exactly one refresh request', async () => {
    const { connection } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    clockMs += 600_000;
    server.options.tokenDelayMs = 20;
    const results = await Promise.all(Array.from({ length: 1000 }, () => connection.execute('get-items')));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/token']).toBe(1);
  });

  it('two connections on one store with the same id share one token', async () => {
    const { connection, store } = await setup({});
    const twin = connector!.connect({ connectionId: 'tenant-1', credentials, store, clock, allowPrivateNetwork: true });
    await Promise.all([connection.execute('get-items'), twin.execute('get-items')]);
    expect(server.counts['/token']).toBe(1);
  });
});

describe('reactive refresh', () => {
  it('a 401 causes exactly one refresh and one replay', async () => {
    const { connection, log } = await setup({ login: { refreshTokens: true } }, refreshEndpoint);
    await connection.execute('get-items');
    server.invalidateAccessTokens();
    const result = await connection.execute('get-items');
    expect(result.status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/api/items']).toBe(3);
    expect(log.events.filter((event) => event.type === 'auth.token_rejected')).toHaveLength(1);
  });

  it('concurrent 401s share one refresh', async () => {
    const { connection } = await setup({ login: { refreshTokens: true } }, refreshEndpoint);
    await connection.execute('get-items');
    server.invalidateAccessTokens();
    await Promise.all(Array.from({ length: 50 }, () => connection.execute('get-items')));
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/api/items']).toBe(1 + 50 + 50);
  });

  it('a persistent 401 ends in an AuthError after exactly one refresh', async () => {
    const { connection } = await setup({ login: { refreshTokens: true } }, refreshEndpoint);
    await connection.execute('get-items');
    server.refuse.accessTokens = true;
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.code).toBe('CONNECTOR_AUTH_FAILED');
    expect(error.message).toContain('refused (401) again right after the token was renewed');
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/api/items']).toBe(3);
  });
});

describe('re-authorization', () => {
  it('a rejected refresh falls back to a new authorization with the stored credentials', async () => {
    const { connection, log } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    server.refuse.refreshTokens = true;
    clockMs += 600_000;
    const result = await connection.execute('get-items');
    expect(result.status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/token']).toBe(2);
    const types = log.events.map((event) => event.type);
    expect(types).toContain('token.refresh_failed');
    expect(types).toContain('auth.reauthorized');
  });

  it('refresh and authorization both rejected: ReauthorizationRequired, then no further requests', async () => {
    const { connection, log } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    server.refuse.refreshTokens = true;
    server.refuse.clients = true;
    clockMs += 600_000;
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(error.message).toContain('invalid_client');
    expect(log.events.map((event) => event.type)).toContain('auth.reauthorization_required');
    const before = { ...server.counts };
    await rejection(connection.execute('get-items'));
    await rejection(connection.execute('get-items'));
    expect(server.counts).toEqual(before);
    expect(before).toMatchObject({ '/refresh': 1, '/token': 2 });
  });

  it('reset() clears the flag so the host can retry after fixing the credentials', async () => {
    const { connection } = await setup({});
    server.refuse.clients = true;
    await rejection(connection.execute('get-items'));
    server.refuse.clients = false;
    await connection.reset();
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(2);
  });
});
