/**
 * PostgreSQL failures of a store, as StoreErrors a host can act on: what the store was doing,
 * for which connection, where (host, port and database: configuration, never the user or the
 * password), the SQLSTATE or errno code, and what to do. node-postgres's own messages are never
 * passed on (they may quote a statement's values or the user name); only their code is used,
 * and for the few errors node-postgres raises without a code, its fixed wording is matched.
 */
import { StoreError, safeErrorCode } from '../errors.js';

/**
 * Raised by the store itself when a statement got no answer in time.
 *
 * @example setTimeout(() => reject(new StatementDeadline()), timeoutMs);
 */
export class StatementDeadline extends Error {}

/**
 * What a failed statement was about, for its message.
 *
 * @example const context: StatementContext = { doing: 'read connection "c1"', server: 'PostgreSQL', table: '"connector_tokens"', timeoutMs: 5_000 };
 */
export interface StatementContext {
  /** A verb phrase with the subject: `read connection "c1"`. */
  doing: string;
  /** `PostgreSQL at 127.0.0.1:5432/app`, or just `PostgreSQL` for a pool the host passed in. */
  server: string;
  /** The quoted table the statement used: `"connector_tokens"`. */
  table: string;
  timeoutMs: number;
}

/**
 * The StoreError for a statement that failed.
 *
 * @example throw postgresFault({ doing: 'read connection "c1"', server: 'PostgreSQL at db:5432/app', table: '"tokens"', timeoutMs: 5000 }, error)
 *   // cannot read connection "c1" in PostgreSQL at db:5432/app: authentication failed (28P01): check the user and password …
 */
export function postgresFault(context: StatementContext, error: unknown): StoreError {
  return new StoreError(`cannot ${context.doing} in ${context.server}: ${describe(context, error)}`);
}

function describe(context: StatementContext, error: unknown): string {
  if (error instanceof StatementDeadline) return `PostgreSQL did not answer within ${context.timeoutMs} ms`;
  const code = safeErrorCode(error);
  if (code === undefined) return describeUncoded(error);
  if (/^[0-9A-Z]{5}$/.test(code) && /\d/.test(code)) return describeSqlState(code, context.table);
  switch (code) {
    case 'ECONNREFUSED':
      return 'the connection was refused (ECONNREFUSED): is PostgreSQL running and listening on that host and port?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${code}): check the host of the connection string`;
    default:
      return `PostgreSQL is unreachable (${code})`;
  }
}

/** SQLSTATE codes (PostgreSQL appendix A) a host can act on; the class decides the rest. */
function describeSqlState(code: string, table: string): string {
  switch (code) {
    case '28P01':
    case '28000':
      return `authentication failed (${code}): check the user and password of the connection string and pg_hba.conf`;
    case '3D000':
      return `the database does not exist (${code}): create it, or fix the database name of the connection string`;
    case '42P01':
      return `the table ${table} does not exist (${code}): call ensureSchema() once, or create it as ensureSchema() does`;
    case '42501':
      return `permission denied (${code}): the user needs SELECT, INSERT, UPDATE and DELETE on ${table} (and CREATE for ensureSchema())`;
    case '42703':
      return `the table ${table} lacks a column the store needs (${code}): it was not created by ensureSchema(); use another table name`;
    case '53300':
      return `PostgreSQL has no connection slot left (${code}): lower poolSize or raise max_connections`;
    case '25006':
      return `PostgreSQL is read-only (${code}): point the store at the primary`;
    case '57P01':
    case '57P02':
    case '57P03':
      return `PostgreSQL is shutting down or starting up (${code}); the store reconnects on the next call`;
  }
  if (code.startsWith('08')) return `the connection to PostgreSQL failed (${code}); the store reconnects on the next call`;
  if (code.startsWith('53')) return `PostgreSQL is out of resources (${code})`;
  return `PostgreSQL refused the statement (SQLSTATE ${code})`;
}

/** node-postgres's errors without a code: matched on their fixed wording, never quoted. */
function describeUncoded(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/^Connection terminated/.test(message)) {
    return /timeout/i.test(message) ? 'connecting to PostgreSQL timed out' : 'the connection to PostgreSQL closed; the store reconnects on the next call';
  }
  if (/timeout exceeded when trying to connect/i.test(message)) return 'connecting to PostgreSQL timed out (every pooled connection is busy, or the server does not answer)';
  if (/after calling end on the pool|Client was closed/i.test(message)) return 'the PostgreSQL pool is closed';
  return 'the PostgreSQL client failed';
}
