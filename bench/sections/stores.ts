/**
 * Token store overhead: what memory, file, Redis, Redis Cluster and PostgreSQL stores (plain and encrypted) cost
 * per call, against the loopback bench server. A benchmark, not a test: nothing here asserts.
 *
 * - cached: execute() with a cached, fresh token (the hot path: the store is not touched).
 * - renewal: a connection whose stored token has expired executes once: lock, read, token
 *   request, compare-and-set, API call; the store's share is the difference to memory.
 * - lock cycle: withLock + get + compareAndSet alone, the store's part of every renewal.
 * - rate-limited: the cached execute of a manifest with a `rate_limit` (scope connector, a budget
 *   never reached) — the shared limiter's cost per call is the difference to cached: the store's
 *   budget (Redis: one Lua script; PostgreSQL: one transaction), in-process for memory and file.
 * Medians of interleaved rounds, (min–max). The servers are the test suite's (real redis-server,
 * a 3-master Redis Cluster through node-redis's cluster client, and PostgreSQL, started here and
 * stopped after).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore, loadConnector, MemoryTokenStore, PostgresTokenStore, RedisTokenStore, type Connector, type TokenStore } from '../sdk.js';
import type { BenchServer } from '../bench-process.js';
import { BENCH_CREDENTIALS, benchManifest } from '../manifests.js';
import { format, signed, summarise, type Summary } from '../measure.js';
import { createCluster } from 'redis';
import { startRedisServer } from '../../test/helpers/redis-server.js';
import { startRedisCluster } from '../../test/helpers/redis-cluster.js';
import { startPostgresServer } from '../../test/helpers/postgres-server.js';

export interface StoreRow {
  store: string;
  cachedMicros: Summary;
  renewalMicros: Summary;
  lockCycleMicros: Summary;
  rateLimitedMicros: Summary;
}

interface Counts {
  rounds: number;
  cachedCalls: number;
  renewals: number;
  lockCycles: number;
}

type Timings = Map<string, { cached: number[]; renewal: number[]; cycle: number[]; limited: number[] }>;

const INPUT = { collection: 'stores', page: 1 };

export async function storeOverhead(server: BenchServer, quick: boolean): Promise<StoreRow[]> {
  const counts: Counts = quick ? { rounds: 3, cachedCalls: 500, renewals: 30, lockCycles: 200 } : { rounds: 7, cachedCalls: 2_000, renewals: 100, lockCycles: 1_000 };
  const { stores, close } = await openStores();
  const connector = await loadConnector(benchManifest(server.url));
  // A window of 10 ms keeps a Redis budget's log short; 10⁶ requests in it are never reached.
  const limitedConnector = await loadConnector({ ...benchManifest(server.url), rate_limit: { requests: 1_000_000, per_seconds: 0.01, scope: 'connector' } });
  try {
    const timings: Timings = new Map(stores.map(([name]) => [name, { cached: [], renewal: [], cycle: [], limited: [] }]));
    const connectAll = (from: Connector) => new Map(stores.map(([name, store]) => [name, from.connect({ connectionId: 'cached', credentials: BENCH_CREDENTIALS, store, allowPrivateNetwork: true })]));
    const connections = connectAll(connector);
    const limited = connectAll(limitedConnector);
    for (const connection of [...connections.values(), ...limited.values()]) for (let i = 0; i < 200; i++) await connection.execute('list-items', INPUT); // warm-up
    for (let round = 0; round < counts.rounds; round++) {
      for (const [name, store] of stores) {
        const own = timings.get(name)!;
        own.cached.push(await timePerCall(counts.cachedCalls, () => connections.get(name)!.execute('list-items', INPUT)));
        own.renewal.push(await renewalRound(connector, store, `${name}-${round}`, counts.renewals));
        own.cycle.push(await timePerCall(counts.lockCycles, () => lockCycle(store)));
        own.limited.push(await timePerCall(counts.cachedCalls, () => limited.get(name)!.execute('list-items', INPUT)));
      }
    }
    return stores.map(([name]) => {
      const own = timings.get(name)!;
      return { store: name, cachedMicros: summarise(own.cached), renewalMicros: summarise(own.renewal), lockCycleMicros: summarise(own.cycle), rateLimitedMicros: summarise(own.limited) };
    });
  } finally {
    await limitedConnector.close();
    await connector.close();
    await close();
  }
}

/** Every store measured, with the servers behind them; `close` ends the stores and stops the servers. */
async function openStores(): Promise<{ stores: [string, TokenStore & { close?(): Promise<void> }][]; close(): Promise<void> }> {
  const redis = await startRedisServer();
  const cluster = await startRedisCluster({ masters: 3 });
  const postgres = await startPostgresServer();
  const dir = await mkdtemp(join(tmpdir(), 'bench-stores-'));
  const key = randomBytes(32);
  const plainTable = new PostgresTokenStore(postgres.url, { table: 'bench_plain' });
  const sealedTable = new PostgresTokenStore(postgres.url, { table: 'bench_sealed', encryptionKey: key });
  await plainTable.ensureSchema();
  await sealedTable.ensureSchema();
  const stores: [string, TokenStore & { close?(): Promise<void> }][] = [
    ['memory', new MemoryTokenStore()],
    ['file', new FileTokenStore(join(dir, 'plain.json'))],
    ['file, encrypted', new FileTokenStore(join(dir, 'sealed.json'), { encryptionKey: key })],
    ['redis', new RedisTokenStore(redis.url, { keyPrefix: 'bench:' })],
    ['redis, encrypted', new RedisTokenStore(redis.url, { keyPrefix: 'bench-sealed:', encryptionKey: key })],
    ['redis cluster', new RedisTokenStore(createCluster({ rootNodes: cluster.rootNodes }), { keyPrefix: 'bench:' })],
    ['postgresql', plainTable],
    ['postgresql, encrypted', sealedTable],
  ];
  return {
    stores,
    close: async () => {
      for (const [, store] of stores) await store.close?.();
      await redis.stop();
      await cluster.stop();
      await postgres.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function timePerCall(calls: number, call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await call();
  return ((performance.now() - started) * 1000) / calls;
}

/** Expired tokens seeded outside the timing; each renewal is one connection's first execute. */
async function renewalRound(connector: Connector, store: TokenStore, prefix: string, renewals: number): Promise<number> {
  const ids = Array.from({ length: renewals }, (_, i) => `renew-${prefix}-${i}`);
  for (const id of ids) {
    await store.compareAndSet(id, 0, { version: 1, accessToken: 'expired', tokenType: 'Bearer', expiresAt: Date.now() - 1_000, cookies: [], extras: {} });
  }
  let next = 0;
  const micros = await timePerCall(renewals, () =>
    connector.connect({ connectionId: ids[next++]!, credentials: BENCH_CREDENTIALS, store, allowPrivateNetwork: true }).execute('list-items', INPUT),
  );
  for (const id of ids) await store.delete(id);
  return micros;
}

function lockCycle(store: TokenStore): Promise<unknown> {
  return store.withLock('cycle', async () => {
    const current = await store.get('cycle');
    const version = current?.version ?? 0;
    await store.compareAndSet('cycle', version, { version: version + 1, accessToken: 'a'.repeat(40), refreshToken: 'r'.repeat(40), cookies: [], extras: {} });
  });
}

export function storeTable(rows: readonly StoreRow[]): string {
  const memory = rows.find((row) => row.store === 'memory');
  const delta = (value: number, base = value) => signed(value - base, 0);
  const lines = [
    '| store | cached execute µs | vs memory | renewal round trip µs | vs memory | withLock + get + CAS µs | rate-limited execute µs | limiter per call |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.store} | ${format(row.cachedMicros, 0)} | ${delta(row.cachedMicros.median, memory?.cachedMicros.median)} | ${format(row.renewalMicros, 0)} | ${delta(row.renewalMicros.median, memory?.renewalMicros.median)} | ${format(row.lockCycleMicros, 0)} | ${format(row.rateLimitedMicros, 0)} | ${delta(row.rateLimitedMicros.median, row.cachedMicros.median)} |`,
    );
  }
  return lines.join('\n');
}
