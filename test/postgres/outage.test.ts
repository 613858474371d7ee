/**
 * PostgreSQL stopped and started again under a running process: every store operation fails with
 * a typed StoreError saying what is wrong (refused, closed), never a hang or a raw pg error; an
 * action that needs the store fails cleanly; and service resumes when the server is back, with
 * the same store and pool (no process restart). The data survives the restart, and so does a
 * lease the crash kept the store from giving back: other processes wait it out, the store reclaims it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, PostgresTokenStore, StoreError, type Connector } from '../../sdk/index.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';

const COMMAND_TIMEOUT_MS = 2_000;

let postgres: PostgresServer;
let server: FakeOAuth;
let connector: Connector;
let store: PostgresTokenStore;

beforeAll(async () => {
  postgres = await startPostgresServer();
  server = await startFakeOAuth({ expiresIn: 3600 });
  connector = await loadConnector(refreshableManifest(server.url));
  store = new PostgresTokenStore(postgres.url, { table: 'outage_tokens', commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 1_000 });
  await store.ensureSchema();
});
afterAll(async () => {
  await store?.close();
  await connector?.close();
  await server?.close();
  await postgres?.destroy();
});

const log = eventLog();
let connections = 0;
const connect = () =>
  connector.connect({ connectionId: `tenant-${++connections}`, credentials, store, onEvent: log.listener, allowPrivateNetwork: true });

/** Waits (bounded) until the store answers again. */
async function untilServing(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await store.get('probe');
      return;
    } catch (error) {
      expect(error).toBeInstanceOf(StoreError);
      if (Date.now() > deadline) throw new Error('the store did not recover within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Owners of the connection's lease rows, read straight from the table. */
async function leaseOwners(connectionId: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ owner: string }>('SELECT owner FROM "outage_tokens_locks" WHERE connection_id = $1', [connectionId]);
    return rows.map((row) => row.owner);
  } finally {
    await client.end();
  }
}

/** What a store operation fails with while the server is down: refused or closed, never "no answer". */
const DOWN = /in PostgreSQL at 127\.0\.0\.1:\d+\/connector_test: (the connection was refused \(ECONNREFUSED\)|the connection to PostgreSQL closed|PostgreSQL is shutting down)/;

describe('PostgreSQL stopped and started again during a run', () => {
  it('fails with StoreError while the server is down, and serves again (data intact) after the restart', async () => {
    const warm = connect();
    expect((await warm.execute('get-items')).status).toBe(200);
    const tokenRequests = server.counts['/token'];
    const before = await store.get('tenant-1');

    await postgres.stop();

    const read = await rejection(store.get('tenant-1'));
    expect(read).toBeInstanceOf(StoreError);
    expect(read.message).toMatch(/^cannot read connection "tenant-1" /);
    expect(read.message).toMatch(DOWN);
    const write = await rejection(store.compareAndSet('x', 0, { version: 1, cookies: [], extras: {} }));
    expect(write).toBeInstanceOf(StoreError);
    expect(write.message).toMatch(/^cannot write connection "x" /);
    expect(write.message).toMatch(DOWN);
    const lock = await rejection(store.withLock('x', async () => 'never'));
    expect(lock).toBeInstanceOf(StoreError);
    expect(lock.message).toMatch(/^cannot lock connection "x" /);
    expect(lock.message).toMatch(DOWN);

    // A connection that needs the store fails cleanly, before any token request.
    const cold = connect();
    const failed = await rejection(cold.execute('get-items'));
    expect(failed).toBeInstanceOf(StoreError);
    expect(failed.code).toBe('CONNECTOR_STORE_FAILED');
    expect(server.counts['/token']).toBe(tokenRequests);

    // One holding a fresh token in memory goes on working: the hot path does not touch the store.
    expect((await warm.execute('get-items')).status).toBe(200);

    await postgres.start();
    await untilServing();
    expect(await store.get('tenant-1')).toEqual(before);
    expect((await cold.execute('get-items')).status).toBe(200);
    expect(server.counts['/token']).toBe(tokenRequests! + 1);
    expect((await store.get(`tenant-${connections}`))?.accessToken).toBeDefined();
  }, 30_000);

  it('the server crashing mid-renewal fails that action with a StoreError naming the connection; the next one after the restart succeeds', async () => {
    const connection = connect();
    server.onTokenRequest = async () => {
      server.onTokenRequest = undefined;
      await postgres.stop('immediate');
    };
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(`connection "tenant-${connections}"`);
    expect(error.message).toMatch(DOWN);
    await postgres.start();
    await untilServing();
    // The lease its lock could not give back survived the crash: other processes honour it for
    // its 30 s, this store (whose holder is done) takes it back at once.
    const orphan = await leaseOwners(`tenant-${connections}`);
    expect(orphan).toHaveLength(1);
    const other = new PostgresTokenStore(postgres.url, { table: 'outage_tokens', lockWaitMs: 200 });
    const waited = await rejection(other.withLock(`tenant-${connections}`, async () => 'never'));
    await other.close();
    expect(waited).toBeInstanceOf(StoreError);
    expect(waited.message).toContain(`waited 200 ms for the lock of connection "tenant-${connections}"`);
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(await leaseOwners(`tenant-${connections}`)).toEqual([]);
    const stored = await store.get(`tenant-${connections}`);
    expect(stored?.accessToken).toBeDefined();
    expect(stored?.pendingRefresh).toBeUndefined();
  }, 30_000);
});
