/**
 * The lock holder killed (SIGKILL) in the middle of a rotating refresh, with two more workers
 * waiting for the same connection on PostgresTokenStore: the dead holder's lease row stays behind
 * (nobody can release it), is honoured until it expires on the database's clock, and is then
 * taken over. The survivors behave as with Redis (test/redis/workers.test.ts): the holder's
 * write-ahead marker says its refresh token may be spent, so one survivor authorizes afresh with
 * the credentials and the other adopts that token; the spent refresh token is never presented again.
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

const TABLE = 'crash_tokens';
// Long enough that the orphan lease is read before it can expire, on a loaded machine too (heartbeat every third).
const LEASE_MS = 3_000;
const CONNECTION = 'tenant-killed';

let postgres: PostgresServer;
let server: FakeOAuth;
let store: PostgresTokenStore;
let sql: pg.Pool;
let dir: string;

beforeAll(async () => {
  postgres = await startPostgresServer();
  store = new PostgresTokenStore(postgres.url, { table: TABLE });
  await store.ensureSchema();
  sql = new pg.Pool({ connectionString: postgres.url, max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'postgres-crash-'));
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 3600 });
});
afterAll(async () => {
  killWorkers();
  await server?.close();
  await store?.close();
  await sql?.end();
  await postgres?.destroy();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => killWorkers());

/** The lease row of the connection: its owner and when it expires (epoch ms, the database's clock). */
async function lease(): Promise<{ owner: string; expiresAt: number } | undefined> {
  const { rows } = await sql.query<{ owner: string; expires_ms: number }>(
    `SELECT owner, extract(epoch FROM expires_at) * 1000 AS expires_ms FROM "${TABLE}_locks" WHERE connection_id = $1`,
    [CONNECTION],
  );
  return rows[0] && { owner: rows[0].owner, expiresAt: Number(rows[0].expires_ms) };
}

it('the holder killed mid-refresh: its lease is honoured until it expires, then a survivor takes over and re-authorizes; the other adopts', async () => {
  const manifestPath = join(dir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(refreshableManifest(server.url, refreshEndpoint(server.url))));
  const setup: WorkerSetup = { manifestPath, storeUrl: postgres.url, namespace: TABLE, leaseMs: LEASE_MS };
  const seeded = await seedExpired(server, store, CONNECTION);
  const tokenRequestsBefore = server.counts['/token'] ?? 0;
  const [holder, ...survivors] = await Promise.all([0, 1, 2].map(() => startWorker(setup, CONNECTION, 50)));

  // The server holds the refresh answer until the worker that sent it is dead, then acts on it
  // (rotates) and answers into a closed socket: the outcome is lost with the worker.
  let received!: () => void;
  const refreshReceived = new Promise<void>((resolve) => (received = resolve));
  let killed!: () => void;
  const holderKilled = new Promise<void>((resolve) => (killed = resolve));
  const authorizedAt: number[] = [];
  server.onTokenRequest = (path) => {
    if (path === '/token') authorizedAt.push(Date.now());
    if (path !== '/refresh') return;
    received();
    return holderKilled;
  };

  holder!.go();
  await refreshReceived;
  for (const survivor of survivors) survivor.go(); // they wait on the lease the holder keeps alive
  const holderExited = new Promise((resolve) => holder!.child.once('exit', resolve));
  holder!.child.kill('SIGKILL');
  await holderExited;
  const orphan = await lease();
  killed();

  const results = await Promise.all(survivors.map((survivor) => survivor.done));
  for (const result of results) {
    for (const error of result.errors) record(error);
    for (const event of result.events) record(event);
  }

  // The dead holder's lease outlived it; the take-over came after it expired, not before, and not hung.
  expect(orphan?.owner).toContain(`:${holder!.child.pid}:`);
  expect(authorizedAt).toHaveLength(1);
  expect(authorizedAt[0]!).toBeGreaterThanOrEqual(orphan!.expiresAt - 1); // Date.now() truncates to the millisecond
  expect(authorizedAt[0]! - orphan!.expiresAt).toBeLessThan(10_000);

  expect(results.flatMap((result) => result.errors)).toEqual([]);
  const statuses = results.flatMap((result) => result.statuses);
  expect(statuses).toHaveLength(100);
  expect(statuses.every((status) => status === 200)).toBe(true);
  // Presented once, by the dead holder; one survivor saw its marker and authorized afresh.
  expect(presentedRefreshTokens(server)).toEqual([seeded]);
  expect(server.counts['/refresh']).toBe(1);
  expect((server.counts['/token'] ?? 0) - tokenRequestsBefore).toBe(1);
  const reauthorized = results.filter((result) => result.events.some((event) => event.type === 'auth.reauthorized'));
  expect(reauthorized).toHaveLength(1);
  expect(reauthorized[0]!.events.map((event) => event.type)).toEqual(expect.arrayContaining(['token.refresh_failed', 'token.acquired']));
  const stored = await store.get(CONNECTION);
  expect(stored?.pendingRefresh).toBeUndefined();
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
  expect(await lease()).toBeUndefined(); // the survivor gave its lease back
}, 60_000);
