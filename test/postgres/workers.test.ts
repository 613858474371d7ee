/**
 * Many workers, one token, on PostgreSQL: 4 worker processes share one connection through
 * PostgresTokenStore against a token server that rotates refresh tokens and revokes the family on
 * reuse. Exactly one refresh for all 1 000 executes; the others find the renewed token in the
 * table. (The Redis twin of this test is test/redis/workers.test.ts.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PostgresTokenStore } from '../../sdk/index.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { refreshableManifest } from '../helpers/manifests.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { record } from '../helpers/secret-scan.js';
import { killWorkers, presentedRefreshTokens, refreshEndpoint, seedExpired, startWorker, type WorkerSetup } from '../helpers/store-workers.js';

const TABLE = 'workers_tokens';

let postgres: PostgresServer;
let server: FakeOAuth;
let store: PostgresTokenStore;
let dir: string;

beforeAll(async () => {
  postgres = await startPostgresServer();
  store = new PostgresTokenStore(postgres.url, { table: TABLE });
  await store.ensureSchema();
  dir = await mkdtemp(join(tmpdir(), 'postgres-workers-'));
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 3600 });
});
afterAll(async () => {
  killWorkers();
  await server?.close();
  await store?.close();
  await postgres?.destroy();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => killWorkers());

it('4 worker processes × 250 concurrent executes on an expired token: exactly 1 refresh, every execute succeeds', async () => {
  const manifestPath = join(dir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(refreshableManifest(server.url, refreshEndpoint(server.url))));
  const setup: WorkerSetup = { manifestPath, storeUrl: postgres.url, namespace: TABLE, leaseMs: 30_000 };
  const seeded = await seedExpired(server, store, 'tenant-shared');
  const tokenRequestsBefore = server.counts['/token'] ?? 0;

  const workers = await Promise.all(Array.from({ length: 4 }, () => startWorker(setup, 'tenant-shared', 250)));
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
  expect(stored?.version).toBe(3); // seeded, marked, renewed: nobody wrote twice
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
  expect(stored?.pendingRefresh).toBeUndefined();
  // Exactly one worker refreshed; the others found the renewed token in the table.
  expect(results.filter((result) => result.events.some((event) => event.type === 'token.refreshed'))).toHaveLength(1);
  expect(results.flatMap((result) => result.events).filter((event) => event.type === 'token.refresh_failed')).toEqual([]);
  // Every lease was given back.
  expect(await leaseRows()).toBe(0);
}, 60_000);

async function leaseRows(): Promise<number> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${TABLE}_locks"`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}
