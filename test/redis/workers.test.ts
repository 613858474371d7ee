/**
 * Many workers, one token (catalogue cases 2–3, goal G1): worker processes share one connection
 * through RedisTokenStore against a token server that rotates refresh tokens and revokes the
 * family on reuse. One refresh for everyone; a lock holder killed mid-refresh is taken over after
 * the lock TTL without re-presenting its refresh token.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisTokenStore } from '../../sdk/index.js';
import { refreshableManifest } from '../helpers/manifests.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { record } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { killWorkers, presentedRefreshTokens, refreshEndpoint, seedExpired, startWorker, type WorkerSetup } from '../helpers/store-workers.js';

const PREFIX = 'workers:';

let redis: RedisServer;
let server: FakeOAuth;
let store: RedisTokenStore;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  store = new RedisTokenStore(redis.url, { keyPrefix: PREFIX });
  dir = await mkdtemp(join(tmpdir(), 'redis-workers-'));
});
afterAll(async () => {
  await store.close();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  killWorkers();
  await server?.close();
});

/** A fresh token server and a manifest for it; the workers meet in Redis under PREFIX, `lockTtlMs` the lock's TTL. */
async function setup(lockTtlMs: number): Promise<WorkerSetup> {
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 3600 });
  const manifestPath = join(dir, `manifest-${Date.now()}.json`);
  await writeFile(manifestPath, JSON.stringify(refreshableManifest(server.url, refreshEndpoint(server.url))));
  return { manifestPath, storeUrl: redis.url, namespace: PREFIX, leaseMs: lockTtlMs };
}

it('4 worker processes × 250 concurrent executes on an expired token: exactly 1 refresh, every execute succeeds', async () => {
  const workerSetup = await setup(30_000);
  const seeded = await seedExpired(server, store, 'tenant-shared');
  const tokenRequestsBefore = server.counts['/token'] ?? 0;
  const workers = await Promise.all(Array.from({ length: 4 }, () => startWorker(workerSetup, 'tenant-shared', 250)));
  for (const worker of workers) worker.go();
  const results = await Promise.all(workers.map((worker) => worker.done));
  for (const result of results) {
    for (const error of result.errors) record(error);
    for (const event of result.events) record(event);
  }

  const statuses = results.flatMap((result) => result.statuses);
  expect(results.flatMap((result) => result.errors)).toEqual([]);
  expect(statuses).toHaveLength(1_000);
  expect(statuses.every((status) => status === 200)).toBe(true);
  expect(server.counts['/refresh']).toBe(1);
  expect(presentedRefreshTokens(server)).toEqual([seeded]);
  expect(server.counts['/token'] ?? 0).toBe(tokenRequestsBefore); // no re-authorization
  expect(server.counts['/api/items']).toBe(1_000);
  const stored = await store.get('tenant-shared');
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
  expect(stored?.pendingRefresh).toBeUndefined();
  // Exactly one worker refreshed; the others found the renewed token in the store.
  expect(results.filter((result) => result.events.some((event) => event.type === 'token.refreshed'))).toHaveLength(1);
  expect(results.flatMap((result) => result.events).filter((event) => event.type === 'token.refresh_failed')).toEqual([]);
}, 60_000);

it('the lock holder killed mid-refresh: another worker takes over after the lock TTL and re-authorizes instead of re-presenting the refresh token', async () => {
  const lockTtlMs = 1_500;
  const workerSetup = await setup(lockTtlMs);
  const seeded = await seedExpired(server, store, 'tenant-killed');
  const tokenRequestsBefore = server.counts['/token'] ?? 0;
  const [holder, successor] = await Promise.all([startWorker(workerSetup, 'tenant-killed', 50), startWorker(workerSetup, 'tenant-killed', 50)]);

  // The server holds the refresh answer until the worker that sent it is dead, then acts on it
  // (rotates) and answers into a closed socket: the outcome is lost with the worker.
  let received!: () => void;
  const refreshReceived = new Promise<void>((resolve) => (received = resolve));
  let killed!: () => void;
  const holderKilled = new Promise<void>((resolve) => (killed = resolve));
  server.onTokenRequest = (path) => {
    if (path !== '/refresh') return;
    received();
    return holderKilled;
  };

  holder!.go();
  await refreshReceived;
  successor!.go(); // it waits on the lock the holder keeps alive
  await new Promise((resolve) => setTimeout(resolve, 200));
  const holderExited = new Promise((resolve) => holder!.child.once('exit', resolve));
  holder!.child.kill('SIGKILL');
  await holderExited;
  const killedAt = Date.now();
  killed();

  const result = await successor!.done;
  const tookOverAfterMs = Date.now() - killedAt;
  for (const error of result.errors) record(error);
  for (const event of result.events) record(event);

  expect(result.errors).toEqual([]);
  expect(result.statuses).toHaveLength(50);
  expect(result.statuses.every((status) => status === 200)).toBe(true);
  // Taken over once the dead holder's lease ran out (at most one TTL), not hung.
  // The holder's last heartbeat left at least two thirds of a TTL on the lease: nobody stole it.
  expect(tookOverAfterMs).toBeGreaterThanOrEqual((lockTtlMs * 2) / 3 - 100);
  expect(tookOverAfterMs).toBeLessThan(lockTtlMs + 3_000);
  // The refresh token was presented once, by the dead holder; the successor saw its marker and
  // authorized afresh with the credentials.
  expect(presentedRefreshTokens(server)).toEqual([seeded]);
  expect(server.counts['/refresh']).toBe(1);
  expect((server.counts['/token'] ?? 0) - tokenRequestsBefore).toBe(1);
  expect(result.events.map((event) => event.type)).toEqual(expect.arrayContaining(['token.refresh_failed', 'token.acquired', 'auth.reauthorized']));
  const stored = await store.get('tenant-killed');
  expect(stored?.pendingRefresh).toBeUndefined();
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
}, 60_000);
