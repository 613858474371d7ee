/**
 * A worker whose lock ran out while it refreshed (incident 12, catalogue case 6): when the token
 * endpoint refuses its refresh token because another worker already rotated it, it re-reads the
 * store and uses the newer token instead of re-authorizing or flagging the connection; and a
 * worker that finds another worker's refresh under way never presents the same refresh token.
 * Run with the memory store and with Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, MemoryTokenStore, RedisTokenStore, StoreError, type Connector, type TokenRecord, type TokenStore } from '../../sdk/index.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const refreshEndpoint = (url: string): Partial<AuthRefreshableToken> => ({
  response_refresh_token_path: 'refresh_token',
  refresh_request_url: `${url}/refresh`,
  refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
  refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

/** A store whose compareAndSet can be preceded by another worker's write, at the worst moment. */
class Interleaved implements TokenStore {
  beforeCompareAndSet?: () => Promise<void>;
  constructor(readonly inner: TokenStore) {}
  get(id: string) {
    return this.inner.get(id);
  }
  async compareAndSet(id: string, expected: number, record: TokenRecord) {
    const hook = this.beforeCompareAndSet;
    this.beforeCompareAndSet = undefined;
    await hook?.();
    return this.inner.compareAndSet(id, expected, record);
  }
  delete(id: string) {
    return this.inner.delete(id);
  }
  withLock<T>(id: string, fn: () => Promise<T>) {
    return this.inner.withLock(id, fn);
  }
}

let redis: RedisServer;
const redisStores: RedisTokenStore[] = [];
let prefix = 0;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(redisStores.map((store) => store.close()));
  await redis.stop();
});

let server: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };
afterEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  await connector?.close();
  connector = undefined;
  await server?.close();
});

const stores: [string, () => TokenStore][] = [
  ['memory', () => new MemoryTokenStore()],
  [
    'redis',
    () => {
      const store = new RedisTokenStore(redis.url, { keyPrefix: `adopt-${prefix++}:` });
      redisStores.push(store);
      return store;
    },
  ],
];

/** Tokens "another worker" obtained: a direct client-credentials request to the server. */
async function otherWorkersTokens(): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...credentials }).toString(),
  });
  const body = (await response.json()) as { access_token: string; refresh_token: string };
  registerSecret(body.access_token, body.refresh_token);
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

describe.each(stores)('%s store', (_name, createStore) => {
  async function setup() {
    server = await startFakeOAuth({ now: clock.now, login: { refreshTokens: true }, expiresIn: 600 });
    connector = await loadConnector(refreshableManifest(server.url, refreshEndpoint(server.url)));
    const store = new Interleaved(createStore());
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'tenant-a', credentials, store, clock, onEvent: log.listener, allowPrivateNetwork: true });
    expect((await connection.execute('get-items')).status).toBe(200);
    return { connection, store, log };
  }

  it('a refresh refused after another worker rotated the token adopts the stored token', async () => {
    const { connection, store, log } = await setup();
    const other = await otherWorkersTokens();
    const tokenRequests = server.counts['/token'];
    clockMs += 600_000;
    server.onTokenRequest = async (path) => {
      if (path !== '/refresh') return;
      // Meanwhile another worker rotated the refresh token and stored its result; ours is now refused.
      const current = (await store.get('tenant-a'))!;
      const { pendingRefresh: _marker, ...rest } = current;
      await store.inner.compareAndSet('tenant-a', current.version, {
        ...rest,
        version: current.version + 1,
        accessToken: other.accessToken,
        refreshToken: other.refreshToken,
        expiresAt: clockMs + 3_600_000,
        obtainedAt: clockMs,
      });
      server.refuse.refreshTokens = true;
    };

    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    expect(server.counts['/token']).toBe(tokenRequests); // no re-authorization
    expect(server.apiRequests.at(-1)?.headers.authorization).toBe(`Bearer ${other.accessToken}`);
    const stored = await store.get('tenant-a');
    expect(stored).toMatchObject({ accessToken: other.accessToken, refreshToken: other.refreshToken });
    expect(stored?.reauthorizationRequired).toBeUndefined();
    const types = log.events.map((event) => event.type);
    expect(types).not.toContain('auth.reauthorization_required');
    expect(types).not.toContain('auth.reauthorized');
  });

  it('a refused refresh whose token nobody replaced still re-authorizes, as before', async () => {
    const { connection, log } = await setup();
    clockMs += 600_000;
    server.refuse.refreshTokens = true;
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(2);
    expect(log.events.map((event) => event.type)).toContain('auth.reauthorized');
  });

  it('a worker that finds another worker’s refresh under way does not present the same refresh token', async () => {
    const { connection, store } = await setup();
    clockMs += 600_000;
    // Between this worker's read and its write-ahead marker, another worker (whose lease it
    // outlived) marks its own refresh of the same refresh token.
    store.beforeCompareAndSet = async () => {
      const current = (await store.get('tenant-a'))!;
      await store.inner.compareAndSet('tenant-a', current.version, {
        ...current,
        version: current.version + 1,
        pendingRefresh: { startedAt: clockMs, refreshTokenFingerprint: 'other-worker' },
      });
    };
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('another worker');
    expect(server.counts['/refresh']).toBeUndefined();

    // The other worker finishes: this one then uses its result, without a request of its own.
    const other = await otherWorkersTokens();
    const current = (await store.get('tenant-a'))!;
    const { pendingRefresh: _marker, ...rest } = current;
    await store.inner.compareAndSet('tenant-a', current.version, {
      ...rest,
      version: current.version + 1,
      accessToken: other.accessToken,
      refreshToken: other.refreshToken,
      expiresAt: clockMs + 3_600_000,
    });
    const tokenRequests = server.counts['/token'];
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBeUndefined();
    expect(server.counts['/token']).toBe(tokenRequests);
  });

  it('a cookie written between the read and the marker does not stop the refresh', async () => {
    const { connection, store } = await setup();
    clockMs += 600_000;
    store.beforeCompareAndSet = async () => {
      const current = (await store.get('tenant-a'))!;
      await store.inner.compareAndSet('tenant-a', current.version, { ...current, version: current.version + 1, extras: { touched: true } });
    };
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    expect((await store.get('tenant-a'))?.refreshToken).toBe(server.latestRefreshToken());
  });
});
