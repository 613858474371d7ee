/**
 * The authorization URL an MCP tool error hands the user when a connection of the authorization
 * code grant needs them. A connection keeps one pending authorization (its state and PKCE
 * verifier) and a new URL replaces it, so an agent retrying a call must not invalidate the URL
 * it just showed: calls that fail together share one URL, and it is handed out again for five
 * minutes (half the pending authorization's ten-minute life) until a call of that connection
 * succeeds.
 */
import type { Connection } from '../runtime/connection.js';

/** How long one URL is handed out again. */
const REUSE_MS = 5 * 60 * 1000;

interface Prompt {
  readonly url: Promise<string | undefined>;
  readonly at: number;
}

const prompts = new WeakMap<Connection, Prompt>();

/** The URL to authorize `connection` at, or undefined when none could be made. *
 * @example
 * const url = await authorizationUrlOf(connection); // the same URL for calls failing within five minutes
 */
export function authorizationUrlOf(connection: Connection): Promise<string | undefined> {
  const known = prompts.get(connection);
  if (known && Date.now() - known.at < REUSE_MS) return known.url;
  // A failure to make one (the store refused the pending state) leaves the error without a URL, and the next call tries again.
  const url = connection.authorizationUrl().catch(() => {
    prompts.delete(connection);
    return undefined;
  });
  prompts.set(connection, { url, at: Date.now() });
  return url;
}

/** A call of `connection` succeeded: its next need of the user starts a fresh authorization. *
 * @example
 * authorizationSettled(connection);
 */
export function authorizationSettled(connection: Connection): void {
  prompts.delete(connection);
}
