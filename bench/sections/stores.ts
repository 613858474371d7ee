/**
 * Token store overhead: what memory, file and Redis stores (plain and encrypted) cost per call,
 * against the loopback bench server. A benchmark, not a test: nothing here asserts.
 *
 * - cached: execute() with a cached, fresh token (the hot path: the store is not touched).
 * - renewal: a connection whose stored token has expired executes once: lock, read, token
 *   request, compare-and-set, API call; the store's share is the difference to memory.
 * - lock cycle: withLock + get + compareAndSet alone, the store's part of every renewal.
 * Medians of interleaved rounds, (min–max).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore, loadConnector, MemoryTokenStore, RedisTokenStore, type TokenStore } from '../sdk.js';
import type { BenchServer } from '../bench-process.js';
import { benchManifest } from '../manifests.js';
import { format, summarise, type Summary } from '../measure.js';
import { startRedisServer } from '../../test/helpers/redis-server.js';

export interface StoreRow {
  store: string;
  cachedMicros: Summary;
  renewalMicros: Summary;
  lockCycleMicros: Summary;
}

export async function storeOverhead(server: BenchServer, quick: boolean): Promise<StoreRow[]> {
  const ROUNDS = quick ? 3 : 7;
  const CACHED_CALLS = quick ? 500 : 2_000;
  const RENEWALS = quick ? 30 : 100;
  const LOCK_CYCLES = quick ? 200 : 1_000;
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), 'bench-stores-'));
  const key = randomBytes(32);
  const stores: [string, TokenStore][] = [
    ['memory', new MemoryTokenStore()],
    ['file', new FileTokenStore(join(dir, 'plain.json'))],
    ['file, encrypted', new FileTokenStore(join(dir, 'sealed.json'), { encryptionKey: key })],
    ['redis', new RedisTokenStore(redis.url, { keyPrefix: 'bench:' })],
    ['redis, encrypted', new RedisTokenStore(redis.url, { keyPrefix: 'bench-sealed:', encryptionKey: key })],
  ];
  const connector = await loadConnector(benchManifest(server.url));
  const credentials = { client_secret: 'bench-secret' };
  const input = { collection: 'stores', page: 1 };

  try {
    const cached = new Map<string, number[]>();
    const renewal = new Map<string, number[]>();
    const cycle = new Map<string, number[]>();
    const connections = new Map(
      stores.map(([name, store]) => [name, connector.connect({ connectionId: 'cached', credentials, store, allowPrivateNetwork: true })]),
    );
    for (const connection of connections.values()) for (let i = 0; i < 200; i++) await connection.execute('list-items', input); // warm-up
    let serial = 0;

    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, store] of stores) {
        const connection = connections.get(name)!;
        let started = performance.now();
        for (let i = 0; i < CACHED_CALLS; i++) await connection.execute('list-items', input);
        push(cached, name, ((performance.now() - started) * 1000) / CACHED_CALLS);

        // Expired tokens seeded outside the timing; each renewal is one connection's first execute.
        const ids = Array.from({ length: RENEWALS }, () => `renew-${serial++}`);
        for (const id of ids) {
          await store.compareAndSet(id, 0, { version: 1, accessToken: 'expired', tokenType: 'Bearer', expiresAt: Date.now() - 1_000, cookies: [], extras: {} });
        }
        started = performance.now();
        for (const id of ids) await connector.connect({ connectionId: id, credentials, store, allowPrivateNetwork: true }).execute('list-items', input);
        push(renewal, name, ((performance.now() - started) * 1000) / RENEWALS);

        started = performance.now();
        for (let i = 0; i < LOCK_CYCLES; i++) {
          await store.withLock('cycle', async () => {
            const current = await store.get('cycle');
            const version = current?.version ?? 0;
            await store.compareAndSet('cycle', version, { version: version + 1, accessToken: 'a'.repeat(40), refreshToken: 'r'.repeat(40), cookies: [], extras: {} });
          });
        }
        push(cycle, name, ((performance.now() - started) * 1000) / LOCK_CYCLES);
        for (const id of ids) await store.delete(id);
      }
    }

    return stores.map(([name]) => ({
      store: name,
      cachedMicros: summarise(cached.get(name) ?? []),
      renewalMicros: summarise(renewal.get(name) ?? []),
      lockCycleMicros: summarise(cycle.get(name) ?? []),
    }));
  } finally {
    await connector.close();
    for (const [, store] of stores) if (store instanceof RedisTokenStore) await store.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function storeTable(rows: readonly StoreRow[]): string {
  const memory = rows.find((row) => row.store === 'memory');
  const delta = (value: number, base = value) => `${value - base >= 0 ? '+' : ''}${(value - base).toFixed(0)}`;
  const lines = [
    '| store | cached execute µs | vs memory | renewal round trip µs | vs memory | withLock + get + CAS µs |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.store} | ${format(row.cachedMicros, 0)} | ${delta(row.cachedMicros.median, memory?.cachedMicros.median)} | ${format(row.renewalMicros, 0)} | ${delta(row.renewalMicros.median, memory?.renewalMicros.median)} | ${format(row.lockCycleMicros, 0)} |`,
    );
  }
  return lines.join('\n');
}

function push(map: Map<string, number[]>, name: string, value: number): void {
  const values = map.get(name) ?? [];
  values.push(value);
  map.set(name, values);
}
