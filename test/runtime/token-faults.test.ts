/**
 * Token requests under faults, against a real loopback token server: transient failures are
 * retried a bounded number of times, a refresh whose answer was lost is never sent again,
 * token requests never follow redirects and never carry the old session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, HttpError, loadConnector, MemoryTokenStore, type Connector } from '../../sdk/index.js';
import { startFakeOAuth, type FakeOAuth, type FakeOAuthOptions } from '../helpers/fake-oauth/index.js';
import { credentials, refreshableManifest, CLIENT_SECRET } from '../helpers/manifests.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';

let server: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };
const closers: (() => Promise<void>)[] = [];

async function setup(serverOptions: FakeOAuthOptions, auth: (url: string) => Partial<AuthRefreshableToken> = () => ({})) {
  server = await startFakeOAuth({ now: clock.now, ...serverOptions });
  connector = await loadConnector(refreshableManifest(server.url, auth(server.url)));
  const log = eventLog();
  const store = new MemoryTokenStore();
  const connection = connector.connect({ connectionId: 'tenant-f', credentials, store, clock, onEvent: log.listener, allowPrivateNetwork: true });
  return { connection, log, store };
}

const refreshEndpoint = (url: string): Partial<AuthRefreshableToken> => ({
  response_refresh_token_path: 'refresh_token',
  refresh_request_url: `${url}/refresh`,
  refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
  refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

afterEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  await connector?.close();
  connector = undefined;
  await server?.close();
  while (closers.length) await closers.pop()?.();
});

describe('transient token failures', () => {
  it('retries a 503 from the token endpoint and succeeds on the third attempt', async () => {
    const { connection, log } = await setup({});
    server.inject('/token', 503, 503);
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(3);
    expect(log.events.filter((event) => event.type === 'token.request_retry')).toHaveLength(2);
  });

  it('gives up after three attempts with a typed transient error, not ReauthorizationRequired', async () => {
    const { connection, store } = await setup({});
    server.inject('/token', 503, 503, 503, 503);
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.code).toBe('CONNECTOR_HTTP_STATUS');
    expect(server.counts['/token']).toBe(3);
    expect((await store.get('tenant-f'))?.reauthorizationRequired).toBeUndefined();
    // Within the 30 s cooldown the endpoint is not asked again: the same typed error at once.
    expect(await rejection(connection.execute('get-items'))).toBe(error);
    expect(server.counts['/token']).toBe(3);
    // After it, a new attempt: the failure was not cached for good.
    clockMs += 30_000;
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(5);
  });

  it('retries a refresh the server answered with 503 (the refresh token was not spent)', async () => {
    const { connection } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    clockMs += 600_000;
    server.inject('/refresh', 503);
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBe(2);
    expect(server.counts['/token']).toBe(1);
  });
});

describe('a refresh whose answer was lost', () => {
  it('is not sent again: the connection authorizes afresh with the credentials', async () => {
    const { connection, store, log } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    const spent = (await store.get('tenant-f'))?.refreshToken;
    clockMs += 600_000;
    server.inject('/refresh', 'lost');
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/token']).toBe(2);
    const presented = server.tokenRequests.filter((r) => r.path === '/refresh').map((r) => new URLSearchParams(r.body).get('refresh_token'));
    expect(presented).toEqual([spent]);
    const record = await store.get('tenant-f');
    expect(record?.pendingRefresh).toBeUndefined();
    expect(record?.refreshToken).toBe(server.latestRefreshToken());
    expect(log.events.map((event) => event.type)).toEqual(expect.arrayContaining(['token.refresh_failed', 'auth.reauthorized']));
  });

  it('leaves a marker when the new authorization fails too, and the next attempt skips the refresh', async () => {
    const { connection, store } = await setup({ login: { refreshTokens: true }, expiresIn: 600 }, refreshEndpoint);
    await connection.execute('get-items');
    clockMs += 600_000;
    server.inject('/refresh', 'lost');
    server.inject('/token', 503, 503, 503);
    await rejection(connection.execute('get-items'));
    expect((await store.get('tenant-f'))?.pendingRefresh).toBeDefined();
    clockMs += 30_000; // past the cooldown of the failed renewal
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/token']).toBe(1 + 3 + 1);
  });
});

describe('token requests and redirects', () => {
  it('never follows a redirect: the credentials do not reach the other origin', async () => {
    let sinkRequests = 0;
    let sinkBody = '';
    const sink: Server = createServer((request, response) => {
      sinkRequests++;
      request.on('data', (chunk: Buffer) => (sinkBody += chunk.toString()));
      request.on('end', () => response.end('{}'));
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => sink.close(() => resolve())));
    const { connection } = await setup({});
    server.inject('/token', { redirect: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/steal` });
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field: '/auth/authorization_request_url', status: 307 });
    expect(error.message).toContain('answered 307 (a redirect); token requests never follow redirects');
    expect(sinkRequests).toBe(0);
    expect(sinkBody).not.toContain(CLIENT_SECRET);
    expect(server.counts['/token']).toBe(1);
  });

  it('a new login after a refused session cookie carries neither the old cookie nor a token', async () => {
    const { connection } = await setup({ login: { tokenIn: 'cookie' } }, () => ({
      response_access_token_path: null,
      response_access_token_path_in_cookie: 'SESSIONAUTH',
    }));
    await connection.execute('get-items');
    server.invalidateAccessTokens();
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(2);
    const login = server.tokenRequests[1];
    expect(login?.headers.cookie).toBeUndefined();
    expect(login?.headers.authorization).toBeUndefined();
    // The replay carries the new session cookie only.
    const replay = server.apiRequests.at(-1)?.headers;
    expect(replay?.cookie?.match(/SESSIONAUTH=/g)).toHaveLength(1);
    expect(replay?.cookie).toContain('SESSIONAUTH=tok-canary-2-');
  });
});
