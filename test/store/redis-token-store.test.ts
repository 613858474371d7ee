/**
 * RedisTokenStore against a real redis-server: the key layout, the version compare-and-set a
 * stale writer loses, and the lease lock (owner-only release, heartbeat, takeover after a dead
 * holder's TTL, bounded waiting, in-process queueing). The shared contract is in
 * token-store-contract.test.ts; outages and worker processes are in test/redis/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { ERROR_CODES, StoreError } from '../../sdk/errors.js';
import { RedisTokenStore, type RedisCommandClient } from '../../sdk/store/redis-token-store.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const CANARY = 'SECRET-canary-redis-store-rt-5c1e';
registerSecret(CANARY, `${CANARY}-2`);

let redis: RedisServer;
let raw: ReturnType<typeof createClient>;
const stores: RedisTokenStore[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedisServer();
  raw = createClient({ url: redis.url });
  raw.on('error', () => undefined);
  await raw.connect();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  raw.destroy();
  await redis.stop();
});

function newStore(options: ConstructorParameters<typeof RedisTokenStore>[1] = {}, client?: RedisCommandClient): RedisTokenStore {
  const store = new RedisTokenStore(client ?? redis.url, { keyPrefix: `t${prefixes++}:`, ...options });
  stores.push(store);
  return store;
}

/** Two stores on one prefix: two workers sharing Redis. */
function twoWorkers(options: ConstructorParameters<typeof RedisTokenStore>[1] = {}): [RedisTokenStore, RedisTokenStore, string] {
  const prefix = `t${prefixes++}:`;
  const a = new RedisTokenStore(redis.url, { ...options, keyPrefix: prefix });
  const b = new RedisTokenStore(redis.url, { ...options, keyPrefix: prefix });
  stores.push(a, b);
  return [a, b, prefix];
}

function record(version: number, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return { version, accessToken: `at-${version}`, refreshToken: CANARY, cookies: [], extras: {}, ...overrides };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lock's owner once someone holds it (polled: a first connection may take a while on a loaded machine). */
async function held(lockKey: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const owner = await raw.get(lockKey);
    if (owner !== null) return owner;
    await wait(10);
  }
  throw new Error(`nobody took ${lockKey} within 5 s`);
}

describe('RedisTokenStore: records', () => {
  it('keeps one key per connection under the prefix, hash-tagged by the connection id, holding the record as JSON with its version', async () => {
    const store = newStore({ keyPrefix: 'layout:' });
    await store.compareAndSet('tenant-1', 0, record(1, { extras: { region: 'eu' } }));
    expect(await raw.keys('layout:*')).toEqual(['layout:{tenant-1}:token']);
    expect(JSON.parse((await raw.get('layout:{tenant-1}:token'))!)).toMatchObject({ version: 1, extras: { region: 'eu' } });
    expect(store.atRest).toEqual({ store: 'redis', encrypted: false });
  });

  it('works with a connected node-redis client the host owns, and leaves it open on close()', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const store = newStore({}, client);
    await store.compareAndSet('c1', 0, record(1));
    expect(await store.withLock('c1', async () => (await store.get('c1'))?.version)).toBe(1);
    await store.close();
    expect(client.isReady).toBe(true);
    client.destroy();
  });

  it('a stale writer never overwrites a newer rotated refresh token', async () => {
    const [workerA, workerB] = twoWorkers();
    await workerA.compareAndSet('c1', 0, record(1));
    const readByA = await workerA.get('c1');
    // Worker B rotates the refresh token meanwhile.
    expect(await workerB.compareAndSet('c1', 1, record(2, { refreshToken: `${CANARY}-2` }))).toBe(true);
    // A, unaware, tries to write what it computed from its stale read.
    expect(await workerA.compareAndSet('c1', readByA!.version, record(2, { refreshToken: 'stale-rt' }))).toBe(false);
    expect((await workerA.get('c1'))?.refreshToken).toBe(`${CANARY}-2`);
  });

  it('a damaged value is a StoreError naming the connection, never the content', async () => {
    const store = newStore({ keyPrefix: 'damaged:' });
    await raw.set('damaged:{c1}:token', `{"version":1,"refreshToken":"${CANARY}"`);
    const error = await rejection(store.get('c1'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('"c1"');
    expect(error.message).not.toContain(CANARY);
    const write = await rejection(store.compareAndSet('c1', 1, record(2)));
    expect(write.code).toBe(ERROR_CODES.store);
    expect(await raw.get('damaged:{c1}:token')).toContain(CANARY); // left untouched
  });

  it('refuses a bad URL or client with a StoreError saying what it takes', () => {
    expect(() => new RedisTokenStore('http://127.0.0.1:6379')).toThrow(StoreError);
    expect(() => new RedisTokenStore('not a url')).toThrow(StoreError);
    expect(() => new RedisTokenStore({} as RedisCommandClient)).toThrow(StoreError);
    expect(() => new RedisTokenStore({ password: CANARY } as unknown as RedisCommandClient)).toThrow(
      /needs a redis:\/\/ or rediss:\/\/ URL, or a node-redis 5 client: createClient\(\) \(one node\), createCluster\(\{ rootNodes \}\) \(Redis Cluster\) or createSentinel/,
    );
    expect(() => new RedisTokenStore(null as unknown as RedisCommandClient)).toThrow('got null');
    expect(() => new RedisTokenStore({ password: CANARY } as unknown as RedisCommandClient)).not.toThrow(CANARY);
    expect(() => new RedisTokenStore('redis://127.0.0.1:1', { lockTtlMs: 0 })).toThrow('lockTtlMs');
    expect(() => new RedisTokenStore('redis://127.0.0.1:1', { replicaAcks: -1 })).toThrow('replicaAcks');
  });

  it('moves a record an earlier version stored under <prefix>token:<id> to the hash-tagged key on first read', async () => {
    const store = newStore({ keyPrefix: 'legacy:' });
    await raw.set('legacy:token:old-tenant', JSON.stringify(record(3)));
    expect(await store.get('old-tenant')).toEqual(record(3));
    expect(await raw.keys('legacy:*')).toEqual(['legacy:{old-tenant}:token']);
    expect(await store.compareAndSet('old-tenant', 3, record(4))).toBe(true);
    // A newer record at the new key wins over a leftover legacy one, and delete removes both.
    await raw.set('legacy:token:old-tenant', JSON.stringify(record(1)));
    expect((await store.get('old-tenant'))?.version).toBe(4);
    await store.delete('old-tenant');
    expect(await raw.keys('legacy:*')).toEqual([]);
    expect(await store.get('old-tenant')).toBeUndefined();
  });

  it('connects a client handed over unconnected on first use, and closes it on close()', async () => {
    const client = createClient({ url: redis.url });
    const store = newStore({}, client);
    await store.compareAndSet('c1', 0, record(1));
    expect(client.isReady).toBe(true);
    expect((await store.get('c1'))?.version).toBe(1);
    await store.close();
    expect(client.isOpen).toBe(false);
  });
});

describe('RedisTokenStore: the lock', () => {
  it('is released only by its owner: an expired holder does not delete its successor’s lock', async () => {
    const [a, b, prefix] = twoWorkers({ lockTtlMs: 10_000 });
    const lockKey = `${prefix}{c1}:lock`;
    let releaseA!: () => void;
    const heldByA = a.withLock('c1', () => new Promise<void>((resolve) => (releaseA = resolve)));
    const ownerA = await held(lockKey);
    expect(ownerA).toMatch(new RegExp(`:${process.pid}:`));
    // A's lease runs out (as if A stalled past the TTL): B gets the lock.
    await raw.del(lockKey);
    let releaseB!: () => void;
    const heldByB = b.withLock('c1', () => new Promise<void>((resolve) => (releaseB = resolve)));
    const ownerB = await held(lockKey);
    expect(ownerB).not.toBe(ownerA);
    releaseA();
    await heldByA;
    expect(await raw.get(lockKey)).toBe(ownerB);
    releaseB();
    await heldByB;
    expect(await raw.get(lockKey)).toBeNull();
  });

  it('is kept alive while a slow holder works: nobody takes over before it is done', async () => {
    const [a, b] = twoWorkers({ lockTtlMs: 300 });
    const timeline: string[] = [];
    const slow = a.withLock('c1', async () => {
      timeline.push('a in');
      await wait(1_200); // four TTLs
      timeline.push('a out');
    });
    await wait(30);
    await b.withLock('c1', async () => {
      timeline.push('b in');
    });
    await slow;
    expect(timeline).toEqual(['a in', 'a out', 'b in']);
  });

  it('is taken over after the TTL when its holder died', async () => {
    const [, b, prefix] = twoWorkers({ lockTtlMs: 500 });
    // A holder that died: its lease is in Redis, nobody extends it.
    await raw.set(`${prefix}{c1}:lock`, 'dead-host:1:dead', { PX: 500 });
    const started = Date.now();
    expect(await b.withLock('c1', async () => 'took over')).toBe('took over');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(2_000);
  });

  it('gives up waiting after lockWaitMs with a StoreError, leaving the holder’s lock alone', async () => {
    const [, b, prefix] = twoWorkers({ lockWaitMs: 300 });
    await raw.set(`${prefix}{c1}:lock`, 'alive-host:1:alive', { PX: 60_000 });
    const started = Date.now();
    const error = await rejection(b.withLock('c1', async () => 'never'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('lock of connection "c1"');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await raw.get(`${prefix}{c1}:lock`)).toBe('alive-host:1:alive');
  });

  it('a failing fn releases the lock and its error propagates', async () => {
    const [a, , prefix] = twoWorkers();
    await expect(a.withLock('c1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await raw.get(`${prefix}{c1}:lock`)).toBeNull();
  });

  it('queues callers of one process in memory: 250 concurrent holders, one SET each, no polling', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const commands: Record<string, number> = {};
    const counting: RedisCommandClient = {
      sendCommand: (args, options) => {
        const name = args[0] ?? '';
        commands[name] = (commands[name] ?? 0) + 1;
        return client.sendCommand(args, options);
      },
    };
    const store = newStore({}, counting);
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 250 }, () =>
        store.withLock('busy', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await wait(0);
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(commands.SET).toBe(250);
    client.destroy();
  });

  it('two workers incrementing one counter under the lock lose nothing', async () => {
    const [a, b] = twoWorkers({ pollMinMs: 1, pollMaxMs: 10 });
    const increment = (store: RedisTokenStore) =>
      store.withLock('n', async () => {
        const current = await store.get('n');
        const count = ((current?.extras.count as number | undefined) ?? 0) + 1;
        const written = await store.compareAndSet('n', current?.version ?? 0, record((current?.version ?? 0) + 1, { extras: { count } }));
        if (!written) throw new Error('lost a compare-and-set while holding the lock');
      });
    await Promise.all(Array.from({ length: 100 }, (_, i) => increment(i % 2 ? a : b)));
    expect(await a.get('n')).toMatchObject({ version: 100, extras: { count: 100 } });
  });
});
