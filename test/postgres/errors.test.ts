/**
 * What PostgresTokenStore says when it cannot work, against real servers on 127.0.0.1: a port
 * nobody listens on, a wrong password, a missing database or table, a server that accepts and
 * never answers, a corrupt row, bad options. Each is a StoreError naming what is wrong and where,
 * never the connection string's password (registered with the secret scan). Also: ensureSchema is
 * idempotent and safe to run from many stores at once, and table names are checked and quoted.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresTokenStore, StoreError } from '../../sdk/index.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const WRONG_PASSWORD = 'SECRET-canary-pg-wrong-password-5f1c';
registerSecret(WRONG_PASSWORD);

let postgres: PostgresServer;
let sql: pg.Pool;
const stores: PostgresTokenStore[] = [];

beforeAll(async () => {
  postgres = await startPostgresServer();
  sql = new pg.Pool({ connectionString: postgres.url, max: 2 });
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await sql?.end();
  await postgres?.destroy();
});

function open(url: string, options: ConstructorParameters<typeof PostgresTokenStore>[1] = {}): PostgresTokenStore {
  const store = new PostgresTokenStore(url, { connectTimeoutMs: 2_000, ...options });
  stores.push(store);
  return store;
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('connection failures', () => {
  it('connection refused: names the host, port and database, and what to check', async () => {
    const port = await closedPort();
    const error = await rejection(open(`postgres://app:${WRONG_PASSWORD}@127.0.0.1:${port}/tokens`).get('c1'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('CONNECTOR_STORE_FAILED');
    expect(error.message).toBe(
      `cannot read connection "c1" in PostgreSQL at 127.0.0.1:${port}/tokens: the connection was refused (ECONNREFUSED): is PostgreSQL running and listening on that host and port?`,
    );
    expect(error.cause).toBeUndefined();
  });

  it('a wrong password: authentication failed, the password appears nowhere', async () => {
    const store = open(postgres.urlWith({ password: WRONG_PASSWORD }));
    const attempts = [() => store.get('c1'), () => store.compareAndSet('c1', 0, { version: 1, cookies: [], extras: {} }), () => store.ensureSchema()];
    for (const attempt of attempts) {
      const error = await rejection(attempt());
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toMatch(/in PostgreSQL at 127\.0\.0\.1:\d+\/connector_test: authentication failed \(28P01\): check the user and password/);
      expect(error.message).not.toContain(WRONG_PASSWORD);
      expect(error.stack).not.toContain(WRONG_PASSWORD);
    }
  });

  it('a database that does not exist', async () => {
    const error = await rejection(open(postgres.urlWith({ database: 'no_such_db' })).get('c1'));
    expect(error.message).toMatch(/at 127\.0\.0\.1:\d+\/no_such_db: the database does not exist \(3D000\)/);
  });

  it('a server that accepts and never answers: a StoreError after commandTimeoutMs, no hang', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const store = open(`postgres://app:${WRONG_PASSWORD}@127.0.0.1:${port}/tokens`, { commandTimeoutMs: 300, connectTimeoutMs: 60_000 });
      const error = await rejection(store.get('c1'));
      expect(error.message).toBe(`cannot read connection "c1" in PostgreSQL at 127.0.0.1:${port}/tokens: PostgreSQL did not answer within 300 ms`);
      expect(sockets.size).toBeGreaterThanOrEqual(1); // it did connect: the silence is what timed out
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('schema', () => {
  it('a missing table: names it and says to call ensureSchema(), for records and for the lock', async () => {
    const store = open(postgres.url, { table: 'never_created' });
    const read = await rejection(store.get('c1'));
    expect(read.message).toMatch(/: the table "never_created" does not exist \(42P01\): call ensureSchema\(\) once/);
    const lock = await rejection(store.withLock('c1', async () => 'never'));
    expect(lock.message).toMatch(/^cannot lock connection "c1" .*: the table "never_created_locks" does not exist \(42P01\)/);
  });

  it('ensureSchema is idempotent and safe from many stores at once; names are quoted as given', async () => {
    await sql.query('CREATE SCHEMA app');
    const concurrent = Array.from({ length: 6 }, () => open(postgres.url, { table: 'app.MixedCase' }));
    await Promise.all(concurrent.map((store) => store.ensureSchema()));
    await concurrent[0]!.ensureSchema();
    const { rows } = await sql.query<{ schemaname: string; tablename: string }>(
      "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'app' ORDER BY tablename",
    );
    expect(rows).toEqual([
      { schemaname: 'app', tablename: 'MixedCase' },
      { schemaname: 'app', tablename: 'MixedCase_locks' },
      { schemaname: 'app', tablename: 'MixedCase_rate' },
    ]);
    expect(await concurrent[1]!.compareAndSet('c1', 0, { version: 1, cookies: [], extras: {} })).toBe(true);
    expect((await concurrent[2]!.get('c1'))?.version).toBe(1);
  });

  it('refuses a table name that is not an identifier, before touching the database', () => {
    for (const table of ['x"; DROP TABLE app."MixedCase"; --', '1abc', 'a.b.c', '', 'white space', 'a'.repeat(58), 'app.']) {
      expect(() => new PostgresTokenStore(postgres.url, { table })).toThrow(StoreError);
      expect(() => new PostgresTokenStore(postgres.url, { table })).toThrow(/table must be "name" or "schema\.name"/);
    }
    expect(() => new PostgresTokenStore(postgres.url, { table: 'a'.repeat(57) })).not.toThrow();
  });
});

describe('bad options and data', () => {
  it('a connection string that is not a postgres:// URL is refused without echoing it', () => {
    const notUrl = rejectionOf(() => new PostgresTokenStore(`host=127.0.0.1 password=${WRONG_PASSWORD}`));
    expect(notUrl.message).toMatch(/the connection string is not a URL/);
    expect(notUrl.message).not.toContain(WRONG_PASSWORD);
    expect(rejectionOf(() => new PostgresTokenStore(`mysql://u:${WRONG_PASSWORD}@h/db`)).message).toBe(
      'PostgresTokenStore: the connection string must start with postgres:// or postgresql://, not mysql://',
    );
    expect(rejectionOf(() => new PostgresTokenStore({} as never)).message).toMatch(/needs a pg\.Pool/);
    expect(rejectionOf(() => new PostgresTokenStore(postgres.url, { leaseMs: 0 })).message).toMatch(/leaseMs must be a positive number/);
    expect(rejectionOf(() => new PostgresTokenStore(postgres.url, { poolSize: 1.5 })).message).toMatch(/poolSize must be a positive integer/);
  });

  it('a corrupt row is a StoreError naming the connection, never the content, and is left untouched', async () => {
    const store = open(postgres.url, { table: 'corrupt_tokens' });
    await store.ensureSchema();
    await sql.query(`INSERT INTO "corrupt_tokens" (connection_id, version, record) VALUES ('bad-json', 1, 'SECRET-canary-not-json {')`);
    await sql.query(`INSERT INTO "corrupt_tokens" (connection_id, version, record) VALUES ('bad-version', 7, $1)`, [
      JSON.stringify({ version: 1, cookies: [], extras: {} }),
    ]);
    registerSecret('SECRET-canary-not-json');
    const notJson = await rejection(store.get('bad-json'));
    expect(notJson.message).toBe(
      'the token record of connection "bad-json" in PostgreSQL is corrupt (not JSON); it was left untouched: delete it to start that connection afresh',
    );
    expect((await rejection(store.get('bad-version'))).message).toMatch(/"bad-version" .* corrupt \(its version column does not match the record\)/);
    await store.delete('bad-json');
    expect(await store.get('bad-json')).toBeUndefined();
  });

  it('a closed store refuses further use', async () => {
    const store = open(postgres.url);
    await store.close();
    expect((await rejection(store.get('c1'))).message).toBe('cannot read connection "c1": the PostgresTokenStore is closed');
  });
});

function rejectionOf(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}
