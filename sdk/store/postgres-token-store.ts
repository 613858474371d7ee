/**
 * A store many worker processes share through PostgreSQL (node-postgres 8). One row per
 * connection holds its record as JSON text (sealed with AES-256-GCM when the store has a key, the
 * envelope of encryption.ts) and its version in a bigint column; compareAndSet is one conditional
 * statement (INSERT … ON CONFLICT DO NOTHING for the first write, UPDATE … WHERE version = the
 * expected one after), so a writer whose read went stale never puts back an older rotated
 * refresh token.
 *
 * The refresh lock is a lease row (`<table>_locks`: connection_id, owner, expires_at), not
 * pg_advisory_lock. An advisory lock belongs to a database session: it would pin a pooled
 * connection for the whole refresh (an HTTP round trip), breaks behind PgBouncer in transaction
 * mode, and vanishes silently with a dropped connection while its holder goes on. A lease row
 * needs only short statements on any pooled connection, is visible to whoever inspects the
 * table, and expires on the database's clock (clock_timestamp(), one clock for every worker). It
 * is taken by an upsert that succeeds only when no live lease exists, kept alive by a heartbeat,
 * and deleted by its owner; a holder that dies stops the heartbeat, so a waiter takes over once
 * its lease ran out (lease-lock.ts: waiters poll with capped backoff). Callers in one process
 * queue in memory first (keyed-lock.ts): only one of them at a time polls the table. A lease
 * this store failed to delete (the server was down; rows outlive a restart) is taken back by its
 * next lock at once: its holder is done. Other processes wait it out.
 *
 * Every failure (down, refused, authentication, no table, no answer in time) is a StoreError
 * naming the connection, the operation and the server, never the connection string
 * (postgres-fault.ts). A pool the store creates from a connection string reconnects by itself, so
 * service resumes when PostgreSQL is back. `pg` is imported only then: hosts that pass their own
 * pool, or use another store, never load it.
 */
import { StoreError } from '../errors.js';
import { isSealedRecord, isTokenRecordShape, openEntry, RecordCipher, type EncryptionOptions, type SealedRecord } from './encryption.js';
import { KeyedLock } from './keyed-lock.js';
import { withLease, type Lease, type LeaseTiming } from './lease-lock.js';
import { postgresFault, StatementDeadline, type StatementContext } from './postgres-fault.js';
import { positiveMs } from './store-fault.js';
import { assertNextVersion, deepFreeze, frozenCopy, type TokenRecord, type TokenStore } from './token-store.js';
import { PostgresRateBudget, rateTableStatements } from './postgres-rate-budget.js';
import type { RateBudget } from './rate-budget.js';

/**
 * What a statement returns, as node-postgres gives it.
 *
 * @example const { rows, rowCount }: PostgresQueryResult = await pool.query('SELECT 1 AS one');
 */
export interface PostgresQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/**
 * Anything that runs a parameterized statement: a `pg.Pool`, a `pg.PoolClient`.
 *
 * @example const client: PostgresQueryable = await pool.connect();
 */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
}

/**
 * What the store needs of a pool: `pg.Pool` fits (so does anything with its `query` and `connect`).
 *
 * @example const store = new PostgresTokenStore(new pg.Pool({ connectionString }) satisfies PostgresPool);
 */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresQueryable & { release(error?: Error | boolean): void }>;
}

/**
 * Options of a PostgresTokenStore: where its tables are, the lock's lease and waits, timeouts,
 * and the encryption key(s).
 *
 * @example const options: PostgresTokenStoreOptions = { table: 'app.connector_tokens', leaseMs: 30_000, encryptionKey: process.env.TOKEN_KEY };
 */
export interface PostgresTokenStoreOptions extends EncryptionOptions {
  /**
   * The table of records, `name` or `schema.name` (letters, digits, underscores; quoted, so case
   * counts); the lease table is `<name>_locks` beside it. Default `connector_tokens`.
   */
  table?: string;
  /** Lease of the lock; extended every third of it while the holder works. Default 30 000 ms. */
  leaseMs?: number;
  /** How long a caller waits for a connection's lock before failing with a StoreError. Default 120 000 ms. */
  lockWaitMs?: number;
  /** Polling for a lock someone else holds: first delay, doubled (with jitter) up to the maximum. Default 5 and 100 ms. */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** A statement not answered after this long (waiting for a pooled connection included) fails with a StoreError. Default 5 000 ms. */
  commandTimeoutMs?: number;
  /** Only with a connection string: how long opening a connection may take. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Only with a connection string: the pool's size. Default 10. */
  poolSize?: number;
}

/** The pool this store made from a connection string: it is the store's to end. */
interface OwnPool extends PostgresPool {
  end(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER = 63 - '_locks'.length; // the longest suffix ('_rate' is shorter)

/** A store's table names, quoted (and schema-qualified when given so), ready for a statement. */
interface Tables {
  tokens: string;
  locks: string;
  /** The rate budget's send times (postgres-rate-budget.ts). */
  rate: string;
}

/**
 * A TokenStore in PostgreSQL, for many workers sharing connections. Call `ensureSchema()` once
 * (it is idempotent) before first use, or create the tables as it does.
 *
 * @example
 * const store = new PostgresTokenStore(process.env.DATABASE_URL!, { encryptionKey: process.env.TOKEN_KEY });
 * await store.ensureSchema();
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials, store });
 * // … at shutdown: await store.close();
 */
export class PostgresTokenStore implements TokenStore {
  readonly atRest: { store: string; encrypted: boolean };
  readonly #tables: Tables;
  readonly #timing: LeaseTiming;
  readonly #commandTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #poolSize: number;
  readonly #cipher: RecordCipher | undefined;
  readonly #locks = new KeyedLock();
  /** Per connection, owners of leases this store could not release: reclaimed by its next lock. */
  readonly #unreleased = new Map<string, Set<string>>();
  /** The host's pool (theirs to end), or the connection string of the one this store creates on first use (its own). */
  readonly #given: PostgresPool | undefined;
  readonly #connectionString: string | undefined;
  /** Where the store points, for messages: host, port and database, never the user or password. */
  readonly #server: string;
  #own: Promise<OwnPool> | undefined;
  #closed = false;

  /**
   * @param pool a `pg.Pool` (you end it), or a `postgres://` / `postgresql://` connection string
   *   (the store creates a pool on first use; end it with `close()`).
   */
  constructor(pool: PostgresPool | string, options: PostgresTokenStoreOptions = {}) {
    if (typeof pool === 'string') {
      this.#server = `PostgreSQL at ${serverOf(pool)}`;
      this.#connectionString = pool;
    } else if (typeof pool?.query === 'function' && typeof pool.connect === 'function') {
      this.#server = 'PostgreSQL';
      this.#given = pool;
    } else {
      throw new StoreError('PostgresTokenStore needs a pg.Pool (something with query and connect) or a postgres:// connection string');
    }
    this.#tables = tablesOf(options.table ?? 'connector_tokens');
    const leaseMs = positiveMs('PostgresTokenStore', 'leaseMs', options.leaseMs, 30_000);
    const pollMinMs = positiveMs('PostgresTokenStore', 'pollMinMs', options.pollMinMs, 5);
    this.#timing = {
      leaseMs,
      waitMs: positiveMs('PostgresTokenStore', 'lockWaitMs', options.lockWaitMs, 120_000),
      pollMinMs,
      pollMaxMs: Math.max(pollMinMs, positiveMs('PostgresTokenStore', 'pollMaxMs', options.pollMaxMs, 100)),
    };
    this.#commandTimeoutMs = positiveMs('PostgresTokenStore', 'commandTimeoutMs', options.commandTimeoutMs, 5_000);
    this.#connectTimeoutMs = positiveMs('PostgresTokenStore', 'connectTimeoutMs', options.connectTimeoutMs, 5_000);
    this.#poolSize = options.poolSize ?? 10;
    if (!Number.isSafeInteger(this.#poolSize) || this.#poolSize < 1) throw new StoreError('PostgresTokenStore: poolSize must be a positive integer');
    this.#cipher = RecordCipher.fromOptions(options, 'PostgresTokenStore');
    this.atRest = { store: 'postgres', encrypted: this.#cipher !== undefined };
  }

  /**
   * Creates the record and lease tables if they do not exist (`CREATE TABLE IF NOT EXISTS`),
   * serialized by a transaction-scoped advisory lock so workers starting together do not race
   * on the catalog. Needs the CREATE privilege on the schema.
   *
   * @example await new PostgresTokenStore(url).ensureSchema();
   */
  async ensureSchema(): Promise<void> {
    const pool = await this.#pool('create the tables of');
    const context = this.#context('create the tables of the token store', this.#tables.tokens);
    let client: Awaited<ReturnType<PostgresPool['connect']>>;
    try {
      client = await this.#timed(pool.connect());
    } catch (error) {
      throw postgresFault(context, error);
    }
    const run = (sql: string, values?: unknown[]) => this.#run(client, sql, values, context);
    try {
      await run('BEGIN');
      await run('SELECT pg_advisory_xact_lock(hashtext($1))', [`connector-sdk schema ${this.#tables.tokens}`]);
      await run(
        `CREATE TABLE IF NOT EXISTS ${this.#tables.tokens} (connection_id text PRIMARY KEY, version bigint NOT NULL CHECK (version >= 1), ` +
          'record text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())',
      );
      await run(`CREATE TABLE IF NOT EXISTS ${this.#tables.locks} (connection_id text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)`);
      for (const sql of rateTableStatements(this.#tables.rate)) await run(sql);
      await run('COMMIT');
      client.release();
    } catch (error) {
      // A connection in an unknown transaction state is not given back to the pool.
      client.release(true);
      throw error;
    }
  }

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    const { rows } = await this.#query(`SELECT version, record FROM ${this.#tables.tokens} WHERE connection_id = $1`, [connectionId], {
      doing: `read connection "${connectionId}"`,
      table: this.#tables.tokens,
    });
    const row = rows[0];
    if (row === undefined) return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(String(row.record));
    } catch {
      // The parser's message would quote the value, which holds tokens.
      throw corrupt(connectionId, 'not JSON');
    }
    if (!isTokenRecordShape(entry) && !isSealedRecord(entry)) throw corrupt(connectionId, 'not a token record');
    if (Number(row.version) !== entry.version) throw corrupt(connectionId, 'its version column does not match the record');
    return openEntry(connectionId, deepFreeze(entry as TokenRecord | SealedRecord), this.#cipher);
  }

  async compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean> {
    assertNextVersion(connectionId, expectedVersion, record);
    const copy = frozenCopy(connectionId, record);
    const value = JSON.stringify(this.#cipher ? this.#cipher.seal(connectionId, copy) : copy);
    const t = this.#tables.tokens;
    // Each is one atomic statement; READ COMMITTED re-checks the WHERE on the row a concurrent writer left.
    const [sql, values] =
      expectedVersion === 0
        ? [`INSERT INTO ${t} (connection_id, version, record) VALUES ($1, $2, $3) ON CONFLICT (connection_id) DO NOTHING`, [connectionId, record.version, value]]
        : [`UPDATE ${t} SET version = $2, record = $3, updated_at = now() WHERE connection_id = $1 AND version = $4`, [connectionId, record.version, value, expectedVersion]];
    const { rowCount } = await this.#query(sql, values, { doing: `write connection "${connectionId}"`, table: t });
    return rowCount === 1;
  }

  async delete(connectionId: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#tables.tokens} WHERE connection_id = $1`, [connectionId], {
      doing: `delete connection "${connectionId}"`,
      table: this.#tables.tokens,
    });
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(connectionId, () =>
      withLease(this.#lease(connectionId), this.#timing, fn, () =>
        new StoreError(
          `waited ${this.#timing.waitMs} ms for the lock of connection "${connectionId}" in ${this.#server}: another worker holds it and keeps it alive`,
        ),
      ),
    );
  }

  /** Ends the pool the store created from a connection string; a pool you passed in is left to you. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const own = await this.#own?.catch(() => undefined);
    await own?.end().catch(() => undefined);
  }

  /**
   * The rate budget in this store's database (postgres-rate-budget.ts; `ensureSchema()` creates
   * its table `<table>_rate`): shared by every process using it, through the store's pool,
   * timeouts and errors.
   *
   * @example await store.rateBudget().acquire(key, { requests: 60, windowMs: 60_250 });
   */
  rateBudget(): RateBudget {
    const context = this.#context('take a rate-budget slot', this.#tables.rate);
    return new PostgresRateBudget(this.#tables.rate, async (work) => {
      const pool = await this.#pool(context.doing);
      let client: Awaited<ReturnType<PostgresPool['connect']>>;
      try {
        client = await this.#timed(pool.connect());
      } catch (error) {
        throw postgresFault(context, error);
      }
      try {
        const result = await work((sql, values) => this.#run(client, sql, values, context));
        client.release();
        return result;
      } catch (error) {
        // A connection in an unknown transaction state is not given back to the pool.
        client.release(true);
        throw error;
      }
    });
  }

  /**
   * The lease row of one connection: taken only when absent or expired (on the database's clock),
   * or when it is a lease of this store whose release failed (the server was down): its holder is
   * done, so this process need not wait it out, while other processes still do.
   */
  #lease(connectionId: string): Lease {
    const l = this.#tables.locks;
    const until = `clock_timestamp() + $3::double precision * interval '1 millisecond'`;
    const context = (doing: string) => ({ doing: `${doing} connection "${connectionId}"`, table: l });
    const unreleased = () => [...(this.#unreleased.get(connectionId) ?? [])];
    return {
      tryAcquire: async (owner) => {
        const { rowCount } = await this.#query(
          `INSERT INTO ${l} AS held (connection_id, owner, expires_at) VALUES ($1, $2, ${until}) ` +
            'ON CONFLICT (connection_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at ' +
            'WHERE held.expires_at <= clock_timestamp() OR held.owner = ANY($4::text[])',
          [connectionId, owner, this.#timing.leaseMs, unreleased()],
          context('lock'),
        );
        if (rowCount === 1) this.#unreleased.delete(connectionId);
        return rowCount === 1;
      },
      extend: (owner) =>
        this.#query(`UPDATE ${l} SET expires_at = ${until} WHERE connection_id = $1 AND owner = $2`, [connectionId, owner, this.#timing.leaseMs], context('extend the lock of')),
      release: async (owner) => {
        try {
          await this.#query(`DELETE FROM ${l} WHERE connection_id = $1 AND owner = $2`, [connectionId, owner], context('release the lock of'));
        } catch (error) {
          const owners = this.#unreleased.get(connectionId) ?? new Set<string>();
          this.#unreleased.set(connectionId, owners.add(owner));
          throw error;
        }
      },
    };
  }

  async #query(sql: string, values: unknown[], about: { doing: string; table: string }): Promise<PostgresQueryResult> {
    const pool = await this.#pool(about.doing);
    return this.#run(pool, sql, values, this.#context(about.doing, about.table));
  }

  async #run(on: PostgresQueryable, sql: string, values: unknown[] | undefined, context: StatementContext): Promise<PostgresQueryResult> {
    try {
      return await this.#timed(on.query(sql, values));
    } catch (error) {
      throw postgresFault(context, error);
    }
  }

  /** The promise, or a StatementDeadline once commandTimeoutMs passed: a frozen server never hangs a caller. */
  async #timed<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StatementDeadline()), this.#commandTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #context(doing: string, table: string): StatementContext {
    return { doing, server: this.#server, table, timeoutMs: this.#commandTimeoutMs };
  }

  async #pool(doing: string): Promise<PostgresPool> {
    if (this.#closed) throw new StoreError(`cannot ${doing}: the PostgresTokenStore is closed`);
    if (this.#given) return this.#given;
    this.#own ??= this.#createPool();
    try {
      return await this.#own;
    } catch {
      this.#own = undefined;
      throw new StoreError(`cannot ${doing} in ${this.#server}: the pg package could not be loaded (npm install pg@^8)`);
    }
  }

  async #createPool(): Promise<OwnPool> {
    const { Pool } = await import('pg');
    const pool = new Pool({
      connectionString: this.#connectionString,
      max: this.#poolSize,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      // An idle pool does not keep the host's process alive.
      allowExitOnIdle: true,
    }) as unknown as OwnPool;
    // An idle connection dying (a server restart) must not crash the host: the pool drops it and
    // opens a new one for the next statement.
    pool.on('error', () => undefined);
    return pool;
  }
}

/** `host:port/database` of a connection string, for messages; the user and password stay out. */
function serverOf(connectionString: string): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    // Never echo it: it holds the password.
    throw new StoreError('PostgresTokenStore: the connection string is not a URL (postgres://user:password@host:port/database; percent-encode special characters)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StoreError(`PostgresTokenStore: the connection string must start with postgres:// or postgresql://, not ${url.protocol.slice(0, 20)}//`);
  }
  const database = url.pathname.slice(1) || '(default database)';
  return `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`;
}

function tablesOf(table: string): Tables {
  const parts = typeof table === 'string' ? table.split('.') : [];
  const valid = parts.length >= 1 && parts.length <= 2 && parts.every((part) => IDENTIFIER.test(part) && part.length <= MAX_IDENTIFIER);
  if (!valid) {
    throw new StoreError(
      `PostgresTokenStore: table must be "name" or "schema.name", each a letter or underscore then letters, digits or underscores (at most ${MAX_IDENTIFIER})`,
    );
  }
  const quoted = parts.map((part) => `"${part}"`);
  const name = quoted.pop()!;
  const prefix = quoted.length > 0 ? `${quoted[0]}.` : '';
  return { tokens: `${prefix}${name}`, locks: `${prefix}"${parts.at(-1)}_locks"`, rate: `${prefix}"${parts.at(-1)}_rate"` };
}

function corrupt(connectionId: string, what: string): StoreError {
  return new StoreError(
    `the token record of connection "${connectionId}" in PostgreSQL is corrupt (${what}); it was left untouched: delete it to start that connection afresh`,
  );
}
