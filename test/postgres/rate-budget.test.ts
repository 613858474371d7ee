/**
 * One rate budget across processes (issue 19 part 3) through PostgreSQL: 4 worker processes, 4
 * connection ids of one account, 10 requests per 2 s declared and enforced by the loopback API
 * as a strict sliding window → no 429 over 80 calls. Also: ensureSchema creates the send-time
 * table, keys in it are hashes, two stores racing for one key get exactly the limit (database
 * clock, advisory lock), and an aborted waiter takes no slot. Time is bounded from below only (never
 * faster than the limit allows); the ratio to the ideal is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresTokenStore, rateBudgetKey } from '../../sdk/index.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { rejection } from '../helpers/secret-scan.js';
import { expectFleetWithinLimit, FLEET_ACCOUNT, FLEET_API_KEY, FLEET_CALLS, FLEET_LIMIT, killRateWorkers, runFleet, writeFleetManifest } from '../helpers/rate-workers.js';
import { startRateLimitedApi, type RateLimitedApi } from '../helpers/rate-limited-api.js';

const TABLE = 'rate_tokens';

let postgres: PostgresServer;
let store: PostgresTokenStore;
let client: pg.Client;
let api: RateLimitedApi | undefined;
let dir: string;

/** The keys and send counts in the budget's table. */
async function sends(): Promise<Record<string, number>> {
  const { rows } = await client.query<{ key: string; n: number }>(`SELECT key, count(*)::int AS n FROM "${TABLE}_rate" GROUP BY key`);
  return Object.fromEntries(rows.map((row) => [row.key, row.n]));
}

beforeAll(async () => {
  postgres = await startPostgresServer();
  store = new PostgresTokenStore(postgres.url, { table: TABLE });
  await store.ensureSchema();
  client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  dir = await mkdtemp(join(tmpdir(), 'postgres-rate-'));
}, 120_000);
afterAll(async () => {
  await client?.end();
  await store?.close();
  await postgres?.destroy();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  killRateWorkers();
  await api?.close();
  api = undefined;
});

it('4 worker processes × 20 calls share 10 per 2 s through PostgreSQL: 0 × 429 at the API, 80 requests, never faster than the limit allows', { timeout: 120_000 }, async () => {
  api = await startRateLimitedApi({ requests: FLEET_LIMIT.requests, windowMs: FLEET_LIMIT.per_seconds * 1000 }, FLEET_API_KEY);
  const manifest = await writeFleetManifest(dir, api.origin);
  expectFleetWithinLimit('postgres', api, await runFleet(manifest, postgres.url, TABLE, 4, FLEET_CALLS / 4));
  // One budget key, hashed: neither the account key nor the connection ids name it.
  const keys = Object.keys(await sends());
  expect(keys).toEqual([rateBudgetKey(['account', 'rate-fleet', FLEET_ACCOUNT])]);
  expect(keys.join()).not.toContain(FLEET_ACCOUNT);
});

describe('PostgresRateBudget', () => {
  const limit = { requests: 3, windowMs: 400 };

  it('two stores (two pools) racing for one key take exactly `requests` slots at once, the rest a window later', async () => {
    const a = new PostgresTokenStore(postgres.url, { table: TABLE });
    const b = new PostgresTokenStore(postgres.url, { table: TABLE });
    const started = performance.now();
    const at: number[] = [];
    const take = (s: PostgresTokenStore) => s.rateBudget().acquire('race', limit).then(() => at.push(performance.now() - started));
    await Promise.all([take(a), take(b), take(a), take(b), take(a), take(b)]);
    await Promise.all([a.close(), b.close()]);
    at.sort((x, y) => x - y);
    expect(at).toHaveLength(6);
    // Slots are counted on the database's clock: the 4th only once the 1st left the window.
    expect(at[3]!).toBeGreaterThanOrEqual(limit.windowMs - 20);
    // The sends of the first window were deleted by the later takes: only the last window's remain.
    expect((await sends()).race).toBe(3);
  });

  it('an aborted waiter rejects with the AbortError and takes no slot; nextSlotMs says when the oldest send leaves', async () => {
    const budget = store.rateBudget();
    for (let i = 0; i < limit.requests; i++) await budget.acquire('abort', limit);
    const next = await budget.nextSlotMs('abort', limit);
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(limit.windowMs);
    const controller = new AbortController();
    const waiting = budget.acquire('abort', limit, controller.signal);
    controller.abort('gone');
    expect(await rejection(waiting)).toMatchObject({ name: 'AbortError', cause: 'gone' });
    expect((await sends()).abort).toBe(limit.requests);
    expect(await budget.nextSlotMs('empty', limit)).toBe(0);
  });

  it('answered() moves the send to the database\'s now: it leaves the window a window after its answer', async () => {
    const slot = await store.rateBudget().acquire('answered', limit);
    const before = await client.query<{ ms: number }>(`SELECT extract(epoch FROM sent_at) * 1000 AS ms FROM "${TABLE}_rate" WHERE key = 'answered'`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await slot.answered();
    const after = await client.query<{ ms: number }>(`SELECT extract(epoch FROM sent_at) * 1000 AS ms FROM "${TABLE}_rate" WHERE key = 'answered'`);
    expect(after.rows).toHaveLength(1);
    expect(Number(after.rows[0]!.ms) - Number(before.rows[0]!.ms)).toBeGreaterThanOrEqual(29);
  });

  it('without the table (ensureSchema not run): a StoreError that says so', async () => {
    const bare = new PostgresTokenStore(postgres.url, { table: 'never_created' });
    const error = await rejection(bare.rateBudget().acquire('k', limit));
    expect(error.code).toBe('CONNECTOR_STORE_FAILED');
    expect(error.message).toMatch(/rate-budget slot/);
    expect(error.message).not.toContain(postgres.password);
    await bare.close();
  });
});
