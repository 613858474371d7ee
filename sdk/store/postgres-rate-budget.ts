/**
 * The rate budget in PostgreSQL, shared by every process using the same database: a table of
 * send times (`<table>_rate`: key, sent_at), judged on the database's clock (clock_timestamp(),
 * one clock for every worker). A slot is taken in a short transaction: a transaction-scoped
 * advisory lock on the key (released by COMMIT, so no pooled connection is pinned beyond it,
 * unlike the session locks the token store avoids), then one statement that deletes the sends
 * that left the window, counts the rest and inserts the new send or answers the wait. The lock
 * comes first so that statement's snapshot sees every send committed before it. The caller
 * sleeps the wait (abortable) and asks again; an answered send's time moves to the database's
 * now (one UPDATE). Keys are hashes (rate-budget.ts), never credentials.
 */
import { sleep, throwIfAborted } from '../abort.js';
import type { BudgetLimit, RateBudget, RateSlot } from './rate-budget.js';

/**
 * Runs one statement on the session `work` was given.
 *
 * @example const run: PostgresRun = (sql, values) => client.query(sql, values);
 */
export type PostgresRun = (sql: string, values: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * Lends `work` one pooled connection (the store's: its timeouts and StoreErrors) and gives it
 * back; a connection whose work failed is not put back in the pool.
 *
 * @example const session: PostgresSession = (work) => work((sql, values) => client.query(sql, values));
 */
export type PostgresSession = <T>(work: (run: PostgresRun) => Promise<T>) => Promise<T>;

const WINDOW = `$2::double precision * interval '1 millisecond'`;

/**
 * A RateBudget in PostgreSQL. Made by `PostgresTokenStore.rateBudget()`, whose `ensureSchema()`
 * creates the table.
 *
 * @example
 * const store = new PostgresTokenStore(url);
 * await store.ensureSchema();
 * await store.rateBudget().acquire(rateBudgetKey(['connector', 'snov-io']), { requests: 60, windowMs: 60_250 });
 */
export class PostgresRateBudget implements RateBudget {
  readonly #table: string;
  readonly #session: PostgresSession;

  /** @param table the quoted (and maybe schema-qualified) name of the send-time table. */
  constructor(table: string, session: PostgresSession) {
    this.#table = table;
    this.#session = session;
  }

  async acquire(key: string, limit: BudgetLimit, signal?: AbortSignal): Promise<RateSlot> {
    for (;;) {
      throwIfAborted(signal);
      const { waitMs, id } = await this.#session((run) => this.#take(run, key, limit));
      if (id !== undefined) return { answered: () => this.#answered(key, id) };
      await sleep(waitMs, signal);
    }
  }

  async nextSlotMs(key: string, limit: BudgetLimit): Promise<number> {
    const { rows } = await this.#session((run) =>
      run(
        `SELECT coalesce(greatest(0, ceil(extract(epoch FROM min(sent_at) + ${WINDOW} - clock_timestamp()) * 1000)), 0) AS wait_ms ` +
          `FROM ${this.#table} WHERE key = $1 AND sent_at > clock_timestamp() - ${WINDOW}`,
        [key, limit.windowMs],
      ),
    );
    return Number(rows[0]?.wait_ms ?? 0);
  }

  /** A send the database cannot be told about keeps its first time: the margin still covers it. */
  async #answered(key: string, id: unknown): Promise<void> {
    await this.#session((run) => run(`UPDATE ${this.#table} SET sent_at = clock_timestamp() WHERE key = $1 AND id = $2`, [key, id])).catch(() => undefined);
  }

  /** One transaction: the new send's id when a slot was taken, else the ms until the oldest send leaves the window. */
  async #take(run: PostgresRun, key: string, limit: BudgetLimit): Promise<{ waitMs: number; id?: unknown }> {
    const t = this.#table;
    await run('BEGIN', []);
    await run('SELECT pg_advisory_xact_lock(hashtext($1))', [`connector-sdk rate ${key}`]);
    const { rows } = await run(
      `WITH now AS (SELECT clock_timestamp() AS t), ` +
        `gone AS (DELETE FROM ${t} WHERE key = $1 AND sent_at <= (SELECT t FROM now) - ${WINDOW}), ` +
        `live AS (SELECT count(*)::int AS n, min(sent_at) AS oldest FROM ${t} WHERE key = $1 AND sent_at > (SELECT t FROM now) - ${WINDOW}), ` +
        `taken AS (INSERT INTO ${t} (key, sent_at) SELECT $1, now.t FROM now, live WHERE live.n < $3::int RETURNING id) ` +
        `SELECT (SELECT id FROM taken) AS id, greatest(1, ceil(extract(epoch FROM live.oldest + ${WINDOW} - now.t) * 1000)) AS wait_ms FROM live, now`,
      [key, limit.windowMs, limit.requests],
    );
    await run('COMMIT', []);
    const id = rows[0]?.id;
    return id === null || id === undefined ? { waitMs: Number(rows[0]?.wait_ms ?? 1) } : { waitMs: 0, id };
  }
}

/**
 * The statements `ensureSchema()` runs for the budget's table (idempotent).
 *
 * @example for (const sql of rateTableStatements('"connector_tokens_rate"')) await client.query(sql);
 */
export function rateTableStatements(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (key text NOT NULL, sent_at timestamptz NOT NULL, ` +
      'id bigint GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (key, sent_at, id))',
  ];
}
