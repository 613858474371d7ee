/**
 * Where a connection's token state lives, keyed by connectionId. Writes are compare-and-set on
 * `version` (the fencing token: a writer whose read went stale loses instead of overwriting),
 * and `withLock` serializes refreshes across everyone sharing the store.
 */
import { StoreError } from '../errors.js';
import type { StoredCookie } from './cookie-jar.js';
import type { RateBudget } from './rate-budget.js';

/**
 * A connection's token state as a store holds it. Hosts rarely build one: a connection writes
 * it; a custom TokenStore stores it as given.
 *
 * @example
 * const record: TokenRecord = { version: 1, accessToken: '…', tokenType: 'Bearer', expiresAt: Date.UTC(2026, 0, 1, 1), obtainedAt: Date.UTC(2026, 0, 1), cookies: [], extras: {} };
 */
export interface TokenRecord {
  /** 1 for the first write, +1 for each later write; the compare-and-set key. */
  version: number;
  accessToken?: string;
  refreshToken?: string;
  tokenType?: string;
  /** Epoch ms. */
  expiresAt?: number;
  /** Epoch ms. */
  obtainedAt?: number;
  cookies: StoredCookie[];
  extras: Record<string, unknown>;
  /** Set just before a refresh request is sent, cleared when its answer is stored: if found later, the answer was lost. */
  pendingRefresh?: { startedAt: number; refreshTokenFingerprint: string };
  reauthorizationRequired?: boolean;
  /** An authorization code grant the user is completing: its state and PKCE verifier (secret). */
  pendingAuthorization?: { state: string; codeVerifier?: string; createdAt: number };
}

/**
 * Records handed out by a store are deeply frozen (so no caller can change what others read):
 * build a new record, with `version + 1`, to write.
 *
 * @example
 * const store: TokenStore = process.env.REDIS_URL ? new RedisTokenStore(process.env.REDIS_URL) : new FileTokenStore('.tokens.json', { encryptionKey: process.env.TOKEN_KEY });
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials, store });
 * await store.delete('tenant-43'); // a tenant who left: forget its tokens
 */
export interface TokenStore {
  get(connectionId: string): Promise<TokenRecord | undefined>;
  /** Writes only if the stored version is still `expectedVersion` (0 = no record yet). Returns false if someone wrote first. */
  compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean>;
  delete(connectionId: string): Promise<void>;
  /**
   * Runs fn holding the connection's exclusive lock (across everyone sharing the store). Waiters
   * queue; fn's error propagates and releases the lock. Not reentrant: do not nest on one connection.
   */
  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Stores that persist records say so, and whether they encrypt them: a connection emits a
   * `store.unencrypted` event (once per store) for one that keeps tokens in plain text.
   */
  readonly atRest?: { store: string; encrypted: boolean };
  /**
   * The rate budget everyone sharing this store shares (Redis, PostgreSQL: across processes).
   * A store without one leaves the budget to each process (sdk/store/memory-rate-budget.ts).
   */
  rateBudget?(): RateBudget;
}

/** The versioning rule every store enforces, so a caller's off-by-one fails loudly instead of forking history. */
export function assertNextVersion(connectionId: string, expectedVersion: number, record: TokenRecord): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0 || record.version !== expectedVersion + 1) {
    throw new StoreError(
      `compareAndSet for connection "${connectionId}": the record's version must be expectedVersion + 1 (${expectedVersion + 1}), got ${record.version}`,
    );
  }
}

/** A deep copy frozen all the way down, so the store's data cannot change behind its back. */
export function frozenCopy(connectionId: string, record: TokenRecord): TokenRecord {
  let copy: TokenRecord;
  try {
    copy = structuredClone(record);
  } catch {
    throw new StoreError(`the record for connection "${connectionId}" is not plain data (functions or symbols cannot be stored)`);
  }
  return deepFreeze(copy);
}

export function deepFreeze<T>(value: T): T {
  // Only ever given fresh copies, so "already frozen" means "already visited" (structuredClone keeps cycles).
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
