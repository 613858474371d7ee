/**
 * One rate budget across processes (issue 19 part 3) through Redis: 4 worker processes, 4
 * connection ids of one account, 10 requests per 2 s declared and enforced by the loopback API
 * as a strict sliding window → no 429 over 80 calls. Also: the budget's keys in Redis are
 * hashed (the account key is a credential), a slot is atomic across clients, and an aborted
 * waiter takes no slot. Time is bounded from below only (never
 * faster than the limit allows); the ratio to the ideal is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rateBudgetKey, RedisTokenStore } from '../../sdk/index.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { rejection } from '../helpers/secret-scan.js';
import { expectFleetWithinLimit, FLEET_ACCOUNT, FLEET_API_KEY, FLEET_CALLS, FLEET_LIMIT, killRateWorkers, runFleet, writeFleetManifest } from '../helpers/rate-workers.js';
import { startRateLimitedApi, type RateLimitedApi } from '../helpers/rate-limited-api.js';

const PREFIX = 'rate-test:';

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let api: RateLimitedApi | undefined;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  client = createClient({ url: redis.url });
  await client.connect();
  dir = await mkdtemp(join(tmpdir(), 'redis-rate-'));
});
afterAll(async () => {
  await client.close();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  killRateWorkers();
  await api?.close();
  api = undefined;
});

it('4 worker processes × 20 calls share 10 per 2 s through Redis: 0 × 429 at the API, 80 requests, never faster than the limit allows', { timeout: 120_000 }, async () => {
  api = await startRateLimitedApi({ requests: FLEET_LIMIT.requests, windowMs: FLEET_LIMIT.per_seconds * 1000 }, FLEET_API_KEY);
  const manifest = await writeFleetManifest(dir, api.origin);
  expectFleetWithinLimit('redis', api, await runFleet(manifest, redis.url, PREFIX, 4, FLEET_CALLS / 4));
  // One budget key, hashed: neither the account key nor the connection ids name it.
  const keys = await client.keys(`${PREFIX}*`);
  expect(keys).toEqual([`${PREFIX}{rate:${rateBudgetKey(['account', 'rate-fleet', FLEET_ACCOUNT])}}`]);
  expect(keys.join()).not.toContain(FLEET_ACCOUNT);
});

describe('RedisRateBudget', () => {
  const limit = { requests: 3, windowMs: 400 };

  it('two stores (two clients) racing for one key take exactly `requests` slots at once, the rest a window later', async () => {
    const a = new RedisTokenStore(redis.url, { keyPrefix: 'race:' });
    const b = new RedisTokenStore(redis.url, { keyPrefix: 'race:' });
    const started = performance.now();
    const at: number[] = [];
    const take = (store: RedisTokenStore) => store.rateBudget().acquire('k1', limit).then(() => at.push(performance.now() - started));
    await Promise.all([take(a), take(b), take(a), take(b), take(a), take(b)]);
    await Promise.all([a.close(), b.close()]);
    at.sort((x, y) => x - y);
    expect(at).toHaveLength(6);
    // Slots are counted on Redis's clock: the 4th can only be taken once the 1st left the window.
    expect(at[3]!).toBeGreaterThanOrEqual(limit.windowMs - 20);
    expect(await client.zCard('race:{rate:k1}')).toBe(3);
  });

  it('an aborted waiter rejects with the AbortError and takes no slot; nextSlotMs says when the oldest send leaves', async () => {
    const store = new RedisTokenStore(redis.url, { keyPrefix: 'abort:' });
    const budget = store.rateBudget();
    for (let i = 0; i < limit.requests; i++) await budget.acquire('k2', limit);
    const next = await budget.nextSlotMs('k2', limit);
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(limit.windowMs);
    const controller = new AbortController();
    const waiting = budget.acquire('k2', limit, controller.signal);
    controller.abort('gone');
    const error = await rejection(waiting);
    expect(error).toMatchObject({ name: 'AbortError', cause: 'gone' });
    expect(await client.zCard('abort:{rate:k2}')).toBe(limit.requests);
    expect(await budget.nextSlotMs('empty', limit)).toBe(0);
    await store.close();
  });

  it('answered() moves the send to Redis\'s now: it leaves the window a window after its answer', async () => {
    const store = new RedisTokenStore(redis.url, { keyPrefix: 'answered:' });
    const slot = await store.rateBudget().acquire('k3', limit);
    const [taken] = await client.zRangeWithScores('answered:{rate:k3}', 0, -1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await slot.answered();
    const [moved] = await client.zRangeWithScores('answered:{rate:k3}', 0, -1);
    expect(moved!.value).toBe(taken!.value);
    expect(moved!.score - taken!.score).toBeGreaterThanOrEqual(29);
    await store.close();
  });

  it('Redis down: acquire fails with a StoreError naming no secret', async () => {
    const store = new RedisTokenStore('redis://127.0.0.1:1', { keyPrefix: 'down:', connectTimeoutMs: 200, commandTimeoutMs: 200 });
    const error = await rejection(store.rateBudget().acquire(rateBudgetKey(['account', 'x', FLEET_ACCOUNT]), limit));
    expect(error.code).toBe('CONNECTOR_STORE_FAILED');
    expect(error.message).toMatch(/rate-budget slot/);
    await store.close();
  });
});
