/**
 * Redis failures of a RedisTokenStore, said plainly: a connection failure (down, refused, no answer
 * in time) is "unreachable" or "did not answer", an error reply is named by its first word only
 * (the rest may quote data), and what a Redis Cluster or Sentinel says during a failover or a
 * resharding (CLUSTERDOWN, TRYAGAIN, MOVED/ASK past the redirection limit, no master for a slot,
 * no master from Sentinel) gets its own sentence. node-redis's own messages are never passed on;
 * for the few errors it raises as plain `Error`s, its fixed wording is matched. A programming
 * error inside a client (a TypeError) is "the client failed", never "unreachable".
 */
import { safeErrorCode } from '../errors.js';

/**
 * Raised by the store itself when Redis gave no answer in time.
 *
 * @example setTimeout(() => reject(new RedisDeadline()), timeoutMs);
 */
export class RedisDeadline extends Error {}

/**
 * What the message needs besides the error: which kind of client sent the command, the command
 * timeout, and the last connection error the client reported (e.g. ECONNREFUSED).
 *
 * @example const context: RedisFaultContext = { kind: 'cluster', timeoutMs: 5_000, lastConnectionError: 'ECONNREFUSED' };
 */
export interface RedisFaultContext {
  kind: 'node' | 'cluster' | 'sentinel';
  timeoutMs: number;
  lastConnectionError?: string | undefined;
}

/** Error replies by their first word; the rest of a reply may quote keys or values. */
const REPLIES: Record<string, (context: RedisFaultContext) => string> = {
  CLUSTERDOWN: () => 'the Redis Cluster is down (CLUSTERDOWN): a slot has no master, e.g. during a failover; calls succeed again once a replica is promoted',
  TRYAGAIN: () => 'the Redis Cluster is moving this connection’s slot (TRYAGAIN); try again shortly',
  MOVED: (context) =>
    context.kind === 'cluster'
      ? 'the Redis Cluster kept redirecting the command (MOVED) past the client’s maxCommandRedirections: its slot map is changing'
      : 'the server is a Redis Cluster node (MOVED): pass a cluster client, createCluster({ rootNodes: [...] }), instead of a single-node client or URL',
  ASK: (context) =>
    context.kind === 'cluster'
      ? 'the Redis Cluster kept redirecting the command (ASK) past the client’s maxCommandRedirections: a slot is being migrated'
      : 'the server is a Redis Cluster node (ASK): pass a cluster client, createCluster({ rootNodes: [...] }), instead of a single-node client or URL',
  READONLY: () => 'the server is a read-only replica (READONLY): point the store at the master, or pass a Sentinel or cluster client that follows failovers',
  MASTERDOWN: () => 'the replica lost its master (MASTERDOWN): point the store at the master, or pass a Sentinel client',
};

/** node-redis errors by class name. */
const ERRORS: Record<string, (context: RedisFaultContext) => string> = {
  RedisDeadline: (context) => `Redis did not answer within ${context.timeoutMs} ms`,
  TimeoutError: (context) => `Redis did not answer within ${context.timeoutMs} ms`,
  CommandTimeoutDuringMaintenanceError: (context) => `Redis did not answer within ${context.timeoutMs} ms`,
  ClientOfflineError: (context) => `Redis is unreachable${reason(context)}; the client keeps reconnecting`,
  ClientClosedError: () => 'the Redis client is closed',
  ConnectionTimeoutError: () => 'connecting to Redis timed out',
  SocketClosedUnexpectedlyError: () => 'the connection to Redis closed',
  DisconnectsClientError: () => 'the connection to Redis closed',
  RootNodesUnavailableError: () => 'none of the Redis Cluster’s root nodes answered (check rootNodes)',
};

/** node-redis's plain `Error`s, by their fixed wording. */
const WORDINGS: [RegExp, (context: RedisFaultContext) => string][] = [
  [/^Cannot find node /, () => 'the Redis Cluster redirected the command to a node missing from its slot map (ASK); the map is being refreshed'],
  [/^Cluster closed$/, () => 'the Redis client is closed'],
  [/^no valid master node$|^Master Node Not Enumerated$/, () => 'Sentinel names no master for the set right now (failover in progress?)'],
  [/^None of the sentinels are available$|^couldn't connect to any sentinels?/i, () => 'none of the Sentinels answered (check sentinelRootNodes)'],
  [/^READONLY /, (context) => REPLIES.READONLY!(context)],
];

/**
 * Why a command failed, in a sentence safe to put in a StoreError (codes and fixed wording only).
 *
 * @example describeRedisFault(error, { kind: 'cluster', timeoutMs: 5_000 }); // 'the Redis Cluster is down (CLUSTERDOWN): …'
 */
export function describeRedisFault(error: unknown, context: RedisFaultContext): string {
  const name = errorName(error);
  if (isErrorReply(error) || name === 'MultiErrorReply') {
    const word = /^[A-Z][A-Z_]{1,30}\b/.exec(String((error as Error).message))?.[0] ?? 'ERR';
    return REPLIES[word]?.(context) ?? `Redis refused the command (${word})`;
  }
  const known = ERRORS[name];
  if (known) return known(context);
  const message = error instanceof Error ? error.message : '';
  const wording = WORDINGS.find(([pattern]) => pattern.test(message));
  if (wording) return wording[1](context);
  const code = safeErrorCode(error);
  if (code !== undefined) return `Redis is unreachable (${code})`;
  // node-redis's cluster client reads the slot's master without a check: a slot missing from its map.
  if (name === 'TypeError' && context.kind === 'cluster') return 'the Redis Cluster client has no master for this connection’s slot (its slot map is incomplete; it is being refreshed)';
  return /^[A-Za-z]{1,60}Error$/.test(name) && name !== 'Error' ? `the Redis client failed (${name})` : 'the Redis client failed';
}

/**
 * A failure that may mean the server went away or the topology changed (as opposed to Redis
 * answering with an error): the cluster's slot map is worth refreshing after it.
 *
 * @example if (isConnectionFault(error)) commands.lost();
 */
export function isConnectionFault(error: unknown): boolean {
  if (isErrorReply(error)) return /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK)\b/.test(String((error as Error).message));
  return true;
}

/**
 * An errno-style code (ECONNREFUSED …) or a node-redis error class name, safe to put in a message.
 *
 * @example connectionErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })); // 'ECONNREFUSED'
 */
export function connectionErrorCode(error: unknown): string | undefined {
  const code = safeErrorCode(error);
  if (code !== undefined) return code;
  const cause = safeErrorCode((error as { cause?: unknown } | null)?.cause);
  if (cause !== undefined) return cause;
  const name = errorName(error);
  return /^[A-Za-z]{1,60}Error$/.test(name) && name !== 'Error' && name !== 'TypeError' ? name : undefined;
}

/**
 * An error answer from Redis (as opposed to a connection failure).
 *
 * @example if (isErrorReply(error) && error.message.startsWith('NOSCRIPT')) …
 */
export function isErrorReply(error: unknown): error is Error {
  const name = errorName(error);
  return name === 'ErrorReply' || name === 'SimpleError' || name === 'BlobError';
}

/** The class name node-redis errors go by (they keep the plain `Error` name). */
function errorName(error: unknown): string {
  const constructorName = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof constructorName === 'string' ? constructorName : '';
}

function reason(context: RedisFaultContext): string {
  return context.lastConnectionError ? ` (${context.lastConnectionError})` : '';
}
