/**
 * A store many worker processes share through Redis (node-redis 5). One key per connection holds
 * its record as JSON (sealed with AES-256-GCM when the store has a key), including the version;
 * compareAndSet is a Lua script that writes only if the stored version is still the expected one,
 * so a writer whose read went stale can never put back an older rotated refresh token.
 *
 * withLock is a lease: `SET lock <owner> NX PX ttl` with a random owner, kept alive by a
 * heartbeat while the holder works (a slow refresh is not taken over), released by a
 * compare-and-delete script (only by its owner). A holder that dies stops the heartbeat, so its
 * lease runs out after the TTL and a waiter takes over; the token manager re-reads the store
 * inside the lock, so a waiter never refreshes again what its predecessor renewed. Callers in one
 * process queue in memory first (keyed-lock.ts): only one of them at a time polls Redis.
 *
 * Every Redis failure (down, refused, no answer in time) is a StoreError naming the connection
 * and the operation; nothing is half-written (each write is one atomic command). A client the
 * store created from a URL never queues commands while offline (they fail at once) and keeps
 * reconnecting, so service resumes when Redis is back, without a restart.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, safeErrorCode } from '../errors.js';
import { positiveMs } from './store-fault.js';
import { isSealedRecord, isTokenRecordShape, openEntry, RecordCipher, type EncryptionOptions, type SealedRecord } from './encryption.js';
import { KeyedLock } from './keyed-lock.js';
import { assertNextVersion, deepFreeze, frozenCopy, type TokenRecord, type TokenStore } from './token-store.js';
import type { RateBudget } from './rate-budget.js';
import { RedisRateBudget } from './redis-rate-budget.js';

/**
 * What the store needs of a client: node-redis 5's `sendCommand`. A client from
 * `createClient()` (connected) fits; a cluster client does not.
 *
 * @example
 * import { createClient } from 'redis';
 * const client: RedisCommandClient = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = new RedisTokenStore(client); // the client is yours to close
 */
export interface RedisCommandClient {
  sendCommand(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<unknown>;
}

/**
 * Options of a RedisTokenStore: its key prefix, the lock's lease and waits, timeouts, and the
 * encryption key(s).
 *
 * @example
 * const options: RedisTokenStoreOptions = { keyPrefix: 'my-app:', lockTtlMs: 30_000, commandTimeoutMs: 2_000, encryptionKey: process.env.TOKEN_KEY };
 * const store = new RedisTokenStore('redis://127.0.0.1:6379', options);
 */
export interface RedisTokenStoreOptions extends EncryptionOptions {
  /** Prepended to every key: `<prefix>token:<connectionId>`, `<prefix>lock:<connectionId>`. Default `connector-sdk:`. */
  keyPrefix?: string;
  /** Lease of the lock; extended every third of it while the holder works. Default 30 000 ms. */
  lockTtlMs?: number;
  /** How long a caller waits for a connection's lock before failing with a StoreError. Default 120 000 ms. */
  lockWaitMs?: number;
  /** Polling for a lock someone else holds: first delay, doubled (with jitter) up to the maximum. Default 5 and 100 ms. */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** A command Redis has not answered after this long fails with a StoreError. Default 5 000 ms. */
  commandTimeoutMs?: number;
  /** Only with a URL: how long the first connection may take. Default 5 000 ms. */
  connectTimeoutMs?: number;
}

/** Minimal view of the client the store creates itself from a URL. */
interface OwnClient extends RedisCommandClient {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: 'error' | 'ready', listener: (error: unknown) => void): unknown;
}

/** Writes ARGV[2] if the stored version is ARGV[1] (0: no record). 1 written, 0 stale, -1 unreadable record. */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
local version = 0
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if not ok or type(decoded) ~= 'table' or type(decoded.version) ~= 'number' then return -1 end
  version = decoded.version
end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/** Deletes the lock only if ARGV[1] still owns it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Extends the lease only if ARGV[1] still owns it. */
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = { compareAndSet: script(COMPARE_AND_SET), release: script(RELEASE), extend: script(EXTEND) };

class Deadline extends Error {}

/**
 * A TokenStore in Redis, for many workers sharing connections: compare-and-set by a Lua script,
 * `withLock` by a lease. Give it a `redis://` URL (it connects on first use; `close()` it) or
 * a connected node-redis client (yours to close).
 *
 * @example
 * const store = new RedisTokenStore(process.env.REDIS_URL!, { encryptionKey: process.env.TOKEN_KEY });
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials, store });
 * // … at shutdown: await store.close();
 */
export class RedisTokenStore implements TokenStore {
  readonly atRest: { store: string; encrypted: boolean };
  readonly #prefix: string;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;
  readonly #pollMinMs: number;
  readonly #pollMaxMs: number;
  readonly #commandTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #cipher: RecordCipher | undefined;
  readonly #locks = new KeyedLock();
  /** The host's client (theirs to close), or the URL of the one this store creates on first use (its own). */
  readonly #given: RedisCommandClient | undefined;
  readonly #url: string | undefined;
  #own: Promise<OwnClient> | undefined;
  #closed = false;
  /** The last connection error code the own client reported (e.g. ECONNREFUSED), for messages. */
  #lastConnectionError: string | undefined;

  /**
   * @param client a connected node-redis client (you close it), or a `redis://` / `rediss://` URL
   *   (the store connects on first use; close it with `close()`).
   */
  constructor(client: RedisCommandClient | string, options: RedisTokenStoreOptions = {}) {
    if (typeof client === 'string') {
      let url: URL;
      try {
        url = new URL(client);
      } catch {
        throw new StoreError('RedisTokenStore: the Redis URL is not a URL');
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
        throw new StoreError(`RedisTokenStore: the Redis URL must start with redis:// or rediss://, not ${url.protocol}//`);
      }
      this.#url = client;
    } else if (typeof client?.sendCommand === 'function') {
      this.#given = client;
    } else {
      throw new StoreError('RedisTokenStore needs a node-redis client or a redis:// URL');
    }
    this.#prefix = options.keyPrefix ?? 'connector-sdk:';
    this.#lockTtlMs = positiveMs('RedisTokenStore', 'lockTtlMs', options.lockTtlMs, 30_000);
    this.#lockWaitMs = positiveMs('RedisTokenStore', 'lockWaitMs', options.lockWaitMs, 120_000);
    this.#pollMinMs = positiveMs('RedisTokenStore', 'pollMinMs', options.pollMinMs, 5);
    this.#pollMaxMs = Math.max(this.#pollMinMs, positiveMs('RedisTokenStore', 'pollMaxMs', options.pollMaxMs, 100));
    this.#commandTimeoutMs = positiveMs('RedisTokenStore', 'commandTimeoutMs', options.commandTimeoutMs, 5_000);
    this.#connectTimeoutMs = positiveMs('RedisTokenStore', 'connectTimeoutMs', options.connectTimeoutMs, 5_000);
    this.#cipher = RecordCipher.fromOptions(options, 'RedisTokenStore');
    this.atRest = { store: 'redis', encrypted: this.#cipher !== undefined };
  }

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    const raw = await this.#send(['GET', this.#tokenKey(connectionId)], connectionId, 'read');
    if (raw === null || raw === undefined) return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(String(raw));
    } catch {
      // The parser's message would quote the value, which holds tokens.
      throw corrupt(connectionId, 'not JSON');
    }
    if (!isTokenRecordShape(entry) && !isSealedRecord(entry)) throw corrupt(connectionId, 'not a token record');
    return openEntry(connectionId, deepFreeze(entry as TokenRecord | SealedRecord), this.#cipher);
  }

  async compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean> {
    assertNextVersion(connectionId, expectedVersion, record);
    const copy = frozenCopy(connectionId, record);
    const value = JSON.stringify(this.#cipher ? this.#cipher.seal(connectionId, copy) : copy);
    const written = await this.#script(SCRIPTS.compareAndSet, this.#tokenKey(connectionId), [String(expectedVersion), value], connectionId, 'write');
    if (written === -1) throw corrupt(connectionId, 'its version cannot be read');
    return written === 1;
  }

  async delete(connectionId: string): Promise<void> {
    await this.#send(['DEL', this.#tokenKey(connectionId)], connectionId, 'delete');
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(connectionId, async () => {
      const lockKey = this.#lockKey(connectionId);
      const owner = await this.#acquire(lockKey, connectionId);
      const heartbeat = setInterval(() => {
        // A failed extension is retried at the next beat; a lost lease is caught by compare-and-set.
        this.#script(SCRIPTS.extend, lockKey, [owner, String(this.#lockTtlMs)], connectionId, 'extend the lock of').catch(() => undefined);
      }, Math.max(Math.floor(this.#lockTtlMs / 3), 10));
      heartbeat.unref();
      try {
        return await fn();
      } finally {
        clearInterval(heartbeat);
        // If Redis cannot be told, the lease simply runs out; fn's outcome stands either way.
        await this.#script(SCRIPTS.release, lockKey, [owner], connectionId, 'release the lock of').catch(() => undefined);
      }
    });
  }

  /** Closes the client the store created from a URL; a client you passed in is left to you. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const own = await this.#own?.catch(() => undefined);
    if (!own?.isOpen) return;
    if (own.isReady) await own.close().catch(() => own.destroy());
    else own.destroy();
  }

  #tokenKey(connectionId: string): string {
    return `${this.#prefix}token:${connectionId}`;
  }

  #lockKey(connectionId: string): string {
    return `${this.#prefix}lock:${connectionId}`;
  }

  async #acquire(lockKey: string, connectionId: string): Promise<string> {
    // Names its holder, for whoever inspects Redis; the random part is what makes it unforgeable.
    const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
    const deadline = Date.now() + this.#lockWaitMs;
    let pollMs = this.#pollMinMs;
    for (;;) {
      let reply: unknown;
      try {
        reply = await this.#send(['SET', lockKey, owner, 'NX', 'PX', String(this.#lockTtlMs)], connectionId, 'lock');
      } catch (error) {
        // Unanswered is not undone: the SET may still run. A release queued behind it removes
        // such an orphan lease at once instead of leaving everyone to wait out its TTL.
        this.#script(SCRIPTS.release, lockKey, [owner], connectionId, 'release the lock of').catch(() => undefined);
        throw error;
      }
      if (reply === 'OK') return owner;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StoreError(
          `waited ${this.#lockWaitMs} ms for the lock of connection "${connectionId}" in Redis: another worker holds it and keeps it alive`,
        );
      }
      await sleep(Math.min(left, pollMs * (0.5 + Math.random())));
      pollMs = Math.min(pollMs * 2, this.#pollMaxMs);
    }
  }

  /** Runs a Lua script by its SHA, loading it once per Redis server (after a restart too). */
  async #script(s: Script, key: string, args: string[], connectionId: string, doing: string): Promise<unknown> {
    try {
      return await this.#send(['EVALSHA', s.sha, '1', key, ...args], connectionId, doing, true);
    } catch (error) {
      if (!(error instanceof NoScript)) throw error;
      return this.#send(['EVAL', s.source, '1', key, ...args], connectionId, doing);
    }
  }

  async #send(args: string[], connectionId: string, doing: string, evalsha = false): Promise<unknown> {
    if (this.#closed) throw new StoreError(`cannot ${doing} connection "${connectionId}": the RedisTokenStore is closed`);
    const client = this.#given ?? (await this.#ownClient(connectionId, doing));
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        client.sendCommand(args, { timeout: this.#commandTimeoutMs }),
        // The client's own timeout only covers a command still waiting to be written.
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Deadline()), this.#commandTimeoutMs);
        }),
      ]);
    } catch (error) {
      if (evalsha && isErrorReply(error) && String((error as Error).message).startsWith('NOSCRIPT')) throw new NoScript();
      throw new StoreError(`cannot ${doing} connection "${connectionId}" in Redis: ${this.#describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The client made from the URL: created and connected on first use; later calls find it ready or fail fast. */
  async #ownClient(connectionId: string, doing: string): Promise<RedisCommandClient> {
    this.#own ??= this.#connect();
    let client: OwnClient;
    try {
      client = await this.#own;
    } catch {
      this.#own = undefined;
      throw new StoreError(`cannot ${doing} connection "${connectionId}" in Redis: the redis package could not be loaded (npm install redis@^5)`);
    }
    return client;
  }

  async #connect(): Promise<OwnClient> {
    const { createClient } = await import('redis');
    const client = createClient({
      url: this.#url,
      // Fail at once while Redis is unreachable instead of queueing commands nobody waits for.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.#connectTimeoutMs,
        // Never give up: when Redis is back, so is the store.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), 2_000) + Math.floor(Math.random() * 100),
      },
    }) as unknown as OwnClient;
    // Without a listener an 'error' event would crash the host; the code is kept for messages.
    client.on('error', (error: unknown) => {
      this.#lastConnectionError = connectionErrorCode(error);
    });
    client.on('ready', () => {
      this.#lastConnectionError = undefined;
    });
    const connected = client.connect().then(
      () => undefined,
      () => undefined,
    );
    // The first caller waits for the first connection (bounded); everyone after finds it ready, or offline.
    await Promise.race([connected, sleep(this.#connectTimeoutMs, undefined, { ref: false })]);
    return client;
  }

  #describe(error: unknown): string {
    const reason = this.#lastConnectionError ? ` (${this.#lastConnectionError})` : '';
    switch (errorName(error)) {
      case 'Deadline':
      case 'TimeoutError':
      case 'CommandTimeoutDuringMaintenanceError':
        return `Redis did not answer within ${this.#commandTimeoutMs} ms`;
      case 'ClientOfflineError':
        return `Redis is unreachable${reason}; the client keeps reconnecting`;
      case 'ClientClosedError':
        return 'the Redis client is closed';
      case 'ConnectionTimeoutError':
        return 'connecting to Redis timed out';
      case 'SocketClosedUnexpectedlyError':
      case 'DisconnectsClientError':
        return 'the connection to Redis closed';
      case 'ErrorReply':
      case 'SimpleError':
      case 'BlobError':
      case 'MultiErrorReply': {
        // Only the error's first word (WRONGTYPE, NOAUTH, READONLY, …): the rest may quote data.
        const word = /^[A-Z][A-Z_]{1,30}\b/.exec(String((error as Error).message))?.[0] ?? 'ERR';
        return `Redis refused the command (${word})`;
      }
      default: {
        const code = connectionErrorCode(error);
        return code ? `Redis is unreachable (${code})` : 'the Redis client failed';
      }
    }
  }

  /**
   * The rate budget on this store's Redis (redis-rate-budget.ts): shared by every process using
   * the server, under the store's key prefix, through the store's client, timeouts and errors.
   *
   * @example await new RedisTokenStore(url).rateBudget().acquire(key, { requests: 60, windowMs: 60_250 });
   */
  rateBudget(): RateBudget {
    return new RedisRateBudget((s, key, args) => this.#script(s, key, args, key, 'take a rate-budget slot for'), this.#prefix);
  }
}

class NoScript extends Error {}

function corrupt(connectionId: string, what: string): StoreError {
  return new StoreError(
    `the token record of connection "${connectionId}" in Redis is corrupt (${what}); it was left untouched: delete it to start that connection afresh`,
  );
}

/** The class name node-redis errors go by (they keep the plain `Error` name). */
function errorName(error: unknown): string {
  if (error instanceof Deadline) return 'Deadline';
  const constructorName = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof constructorName === 'string' ? constructorName : '';
}

/** An error answer from Redis (as opposed to a connection failure). */
function isErrorReply(error: unknown): boolean {
  const name = errorName(error);
  return name === 'ErrorReply' || name === 'SimpleError' || name === 'BlobError';
}

/** An errno-style code (ECONNREFUSED …), safe to put in a message. */
function connectionErrorCode(error: unknown): string | undefined {
  const code = safeErrorCode(error);
  if (code !== undefined) return code;
  const name = errorName(error);
  return /^[A-Za-z]{1,60}Error$/.test(name) && name !== 'Error' ? name : undefined;
}
