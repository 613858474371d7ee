/**
 * Redis stopped, frozen and restarted under a running process: every store operation fails fast
 * with a typed StoreError (no hang), an action that needs the store fails cleanly, and service
 * resumes when Redis is back, with the same store and client (no process restart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, RedisTokenStore, StoreError, type Connector } from '../../sdk/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';

const COMMAND_TIMEOUT_MS = 1_000;

let redis: RedisServer;
let server: FakeOAuth;
let connector: Connector;
let store: RedisTokenStore;

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startFakeOAuth({ expiresIn: 3600 });
  connector = await loadConnector(refreshableManifest(server.url));
  store = new RedisTokenStore(redis.url, { keyPrefix: 'outage:', commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 1_000 });
});
afterAll(async () => {
  redis.resume();
  await store.close();
  await connector.close();
  await server.close();
  await redis.stop();
});

const log = eventLog();
let connections = 0;
const connect = () =>
  connector.connect({ connectionId: `tenant-${++connections}`, credentials, store, onEvent: log.listener, allowPrivateNetwork: true });

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - started };
}

/** Waits (bounded) until the store answers again; returns how long that took. */
async function untilServing(): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await store.get('probe');
      return performance.now() - started;
    } catch (error) {
      expect(error).toBeInstanceOf(StoreError);
      if (performance.now() - started > 15_000) throw new Error('the store did not recover within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('Redis stopped and restarted during a run', () => {
  it('fails fast with StoreError while Redis is down, and serves again after the restart', async () => {
    const warm = connect();
    expect((await warm.execute('get-items')).status).toBe(200);
    const tokenRequests = server.counts['/token'];

    await redis.stop();

    const read = await timed(rejection(store.get('tenant-1')));
    expect(read.value).toBeInstanceOf(StoreError);
    expect(read.value.message).toMatch(/cannot read connection "tenant-1" in Redis: (Redis is unreachable|the connection to Redis closed)/);
    expect(read.ms).toBeLessThan(COMMAND_TIMEOUT_MS);

    const write = await timed(rejection(store.compareAndSet('x', 0, { version: 1, cookies: [], extras: {} })));
    expect(write.value).toBeInstanceOf(StoreError);
    const lock = await timed(rejection(store.withLock('x', async () => 'never')));
    expect(lock.value).toBeInstanceOf(StoreError);
    expect(Math.max(write.ms, lock.ms)).toBeLessThan(COMMAND_TIMEOUT_MS);

    // A connection that needs the store fails cleanly, before any token request.
    const cold = connect();
    const failed = await timed(rejection(cold.execute('get-items')));
    expect(failed.value).toBeInstanceOf(StoreError);
    expect(failed.value.code).toBe('CONNECTOR_STORE_FAILED');
    expect(failed.ms).toBeLessThan(COMMAND_TIMEOUT_MS);
    expect(server.counts['/token']).toBe(tokenRequests);

    // One holding a fresh token in memory goes on working: the hot path does not touch Redis.
    expect((await warm.execute('get-items')).status).toBe(200);

    await redis.start();
    const recoveredMs = await untilServing();
    expect(recoveredMs).toBeLessThan(5_000);
    console.log(`redis restart: the store served again ${Math.round(recoveredMs)} ms after redis-server was listening`);
    // Same store, same client: the restarted (empty) Redis is used without restarting anything.
    expect((await cold.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(tokenRequests! + 1);
    expect((await store.get(`tenant-${connections}`))?.accessToken).toBeDefined();
  }, 30_000);

  it('Redis dying mid-renewal fails that action with a StoreError; the next one after the restart succeeds', async () => {
    const connection = connect();
    server.onTokenRequest = async () => {
      server.onTokenRequest = undefined;
      await redis.stop('SIGKILL');
    };
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(`connection "tenant-${connections}"`);
    await redis.start();
    await untilServing();
    expect((await connection.execute('get-items')).status).toBe(200);
  }, 30_000);
});

describe('Redis frozen (answers nothing)', () => {
  it('times out after commandTimeoutMs with a StoreError instead of hanging, and serves again when thawed', async () => {
    await store.get('warm-up');
    let cold: ReturnType<typeof connect> | undefined;
    redis.pause();
    try {
      const read = await timed(rejection(store.get('frozen')));
      expect(read.value).toBeInstanceOf(StoreError);
      expect(read.value.message).toContain(`did not answer within ${COMMAND_TIMEOUT_MS} ms`);
      expect(read.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
      expect(read.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);
      cold = connect();
      const failed = await timed(rejection(cold.execute('get-items')));
      expect(failed.value).toBeInstanceOf(StoreError);
      expect(failed.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);
    } finally {
      redis.resume();
    }
    await untilServing();
    // The lock request that timed out ran once Redis thawed; the release queued behind it freed
    // the lease at once, so the same connection is not kept waiting for its 30 s TTL.
    const after = await timed(cold!.execute('get-items'));
    expect(after.value.status).toBe(200);
    expect(after.ms).toBeLessThan(2_000);
  }, 30_000);
});
