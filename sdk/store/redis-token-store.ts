/**
 * A store many worker processes share through Redis (node-redis 5): a single node, a Redis
 * Cluster or a Sentinel-backed master (redis-commands.ts adapts the three). One key per connection
 * holds its record as JSON (sealed with AES-256-GCM when the store has a key), including the
 * version; compareAndSet is a Lua script that writes only if the stored version is still the
 * expected one, so a writer whose read went stale can never put back an older rotated refresh token.
 *
 * Keys: `<prefix>{<connectionId>}:token` and `<prefix>{<connectionId>}:lock`. The braces are a
 * Redis Cluster hash tag: both keys of a connection live in one slot, so a script over both stays
 * legal; rate budgets are `<prefix>{rate:<sha256>}`, one slot per scope. Records stored by earlier
 * versions under `<prefix>token:<connectionId>` are moved to the new key when first read (stop the
 * old workers before starting new ones: the two versions take different locks).
 *
 * withLock is a lease: `SET lock <owner> NX PX ttl` with a random owner, kept alive by a
 * heartbeat while the holder works (a slow refresh is not taken over), released by a
 * compare-and-delete script (only by its owner). A holder that dies stops the heartbeat, so its
 * lease runs out after the TTL and a waiter takes over; the token manager re-reads the store
 * inside the lock, so a waiter never refreshes again what its predecessor renewed. Callers in one
 * process queue in memory first (keyed-lock.ts): only one of them at a time polls Redis.
 *
 * Every Redis failure (down, refused, no answer in time, a cluster mid-failover) is a StoreError
 * naming the connection and the operation (redis-fault.ts); nothing is half-written (each write
 * is one atomic command). With `replicaAcks`, a token write returns only once that many replicas
 * have it (WAIT), so a failover right after it cannot lose a rotated refresh token. A client the
 * store created from a URL never queues commands while offline (they fail at once) and keeps
 * reconnecting, every 250 ms at most while calls are coming in, so service resumes within about
 * that when Redis is back, without a restart.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';
import { positiveMs } from './store-fault.js';
import { isSealedRecord, isTokenRecordShape, openEntry, RecordCipher, type EncryptionOptions, type SealedRecord } from './encryption.js';
import { KeyedLock } from './keyed-lock.js';
import { assertNextVersion, deepFreeze, frozenCopy, type TokenRecord, type TokenStore } from './token-store.js';
import type { RateBudget } from './rate-budget.js';
import { RedisRateBudget } from './redis-rate-budget.js';
import { redisCommands, type RedisClientLike, type RedisCommands, type RedisLifecycle } from './redis-commands.js';
import { connectionErrorCode, describeRedisFault, isConnectionFault, isErrorReply, RedisDeadline } from './redis-fault.js';

export type { RedisClientLike, RedisClusterCommandClient, RedisCommandClient, RedisSentinelCommandClient } from './redis-commands.js';

/**
 * Options of a RedisTokenStore: its key prefix, the lock's lease and waits, timeouts, replica
 * acknowledgements, and the encryption key(s).
 *
 * @example
 * const options: RedisTokenStoreOptions = { keyPrefix: 'my-app:', lockTtlMs: 30_000, commandTimeoutMs: 2_000, encryptionKey: process.env.TOKEN_KEY };
 * const store = new RedisTokenStore('redis://127.0.0.1:6379', options);
 */
export interface RedisTokenStoreOptions extends EncryptionOptions {
  /**
   * Prepended to every key: `<prefix>{<connectionId>}:token`, `<prefix>{<connectionId>}:lock` (the
   * braces keep a connection's keys in one Redis Cluster slot), `<prefix>{rate:<sha256>}`.
   * Default `connector-sdk:`. A prefix holding its own `{…}` puts every key in that one slot.
   */
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
  /**
   * Replicas that must have a token write before compareAndSet returns (`WAIT n`, up to half of
   * commandTimeoutMs): set it to 1 on a cluster or Sentinel set-up with replicas, so a master that
   * dies right after a refresh cannot take the rotated refresh token with it. A master that dies
   * before they confirm fails the write with a StoreError (the token manager keeps the tokens and
   * writes them again); replicas merely slow to confirm delay the write, they do not fail it.
   * Default 0 (no wait).
   */
  replicaAcks?: number;
}

/** Minimal view of a client the store connects and closes: the one it creates from a URL, or one handed over unconnected. */
interface OwnClient extends RedisLifecycle {
  connect(): Promise<unknown>;
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

const ACCEPTED =
  'a redis:// or rediss:// URL, or a node-redis 5 client: createClient() (one node), createCluster({ rootNodes }) (Redis Cluster) or createSentinel({ name, sentinelRootNodes })';

/** Reconnecting to a Redis that went away: at most this far apart while calls come in, … */
const RECONNECT_BUSY_MAX_MS = 250;
/** … and this far apart once nobody has called for IDLE_AFTER_MS. */
const RECONNECT_IDLE_MAX_MS = 2_000;
const IDLE_AFTER_MS = 10_000;

/**
 * A TokenStore in Redis, for many workers sharing connections: compare-and-set by a Lua script,
 * `withLock` by a lease. Give it a `redis://` URL, or a node-redis 5 client of one node, a Redis
 * Cluster or a Sentinel set-up: a client you connected is yours to close; one you hand over
 * unconnected, or the URL's, the store connects on first use and closes on `close()`.
 *
 * @example
 * const store = new RedisTokenStore(process.env.REDIS_URL!, { encryptionKey: process.env.TOKEN_KEY });
 * const cluster = new RedisTokenStore(createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }] }), { replicaAcks: 1 });
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
  readonly #replicaAcks: number;
  readonly #cipher: RecordCipher | undefined;
  readonly #locks = new KeyedLock();
  /** The host's client, or the URL of the one this store creates on first use. */
  readonly #given: { commands: RedisCommands; client: RedisLifecycle } | undefined;
  readonly #url: string | undefined;
  /** The client this store connected (from the URL, or the host's handed over unconnected) and so closes. */
  #own: Promise<{ commands: RedisCommands; client: OwnClient }> | undefined;
  #closed = false;
  /** The last connection error code the store's own client reported (e.g. ECONNREFUSED), for messages. */
  #lastConnectionError: string | undefined;
  /** Whether the host's client was handed over unconnected (so this store connects and closes it). */
  #adopts: boolean | undefined;
  /** When a command was last sent: the own client reconnects faster while calls are coming in. */
  #lastCallAt = 0;

  /**
   * @param client a `redis://` / `rediss://` URL, or a node-redis 5 client: `createClient()`,
   *   `createCluster({ rootNodes })` or `createSentinel({ name, sentinelRootNodes })`.
   */
  constructor(client: RedisClientLike | string, options: RedisTokenStoreOptions = {}) {
    if (typeof client === 'string') {
      this.#url = checkedUrl(client);
    } else {
      const commands = redisCommands(client);
      if (!commands) throw new StoreError(`RedisTokenStore needs ${ACCEPTED}; got ${kindOf(client)}`);
      this.#given = { commands, client: client as RedisLifecycle };
    }
    this.#prefix = options.keyPrefix ?? 'connector-sdk:';
    if (typeof this.#prefix !== 'string') throw new StoreError('RedisTokenStore: keyPrefix must be a string');
    this.#lockTtlMs = positiveMs('RedisTokenStore', 'lockTtlMs', options.lockTtlMs, 30_000);
    this.#lockWaitMs = positiveMs('RedisTokenStore', 'lockWaitMs', options.lockWaitMs, 120_000);
    this.#pollMinMs = positiveMs('RedisTokenStore', 'pollMinMs', options.pollMinMs, 5);
    this.#pollMaxMs = Math.max(this.#pollMinMs, positiveMs('RedisTokenStore', 'pollMaxMs', options.pollMaxMs, 100));
    this.#commandTimeoutMs = positiveMs('RedisTokenStore', 'commandTimeoutMs', options.commandTimeoutMs, 5_000);
    this.#connectTimeoutMs = positiveMs('RedisTokenStore', 'connectTimeoutMs', options.connectTimeoutMs, 5_000);
    this.#replicaAcks = options.replicaAcks ?? 0;
    if (!Number.isInteger(this.#replicaAcks) || this.#replicaAcks < 0) {
      throw new StoreError('RedisTokenStore: replicaAcks must be a whole number of replicas (0 or more)');
    }
    this.#cipher = RecordCipher.fromOptions(options, 'RedisTokenStore');
    this.atRest = { store: 'redis', encrypted: this.#cipher !== undefined };
  }

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    const key = this.#tokenKey(connectionId);
    const doing = `read connection "${connectionId}"`;
    const raw = (await this.#send(key, ['GET', key], doing)) ?? (await this.#fromLegacyKey(connectionId, doing));
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
    const key = this.#tokenKey(connectionId);
    const doing = `write connection "${connectionId}"`;
    const written = await this.#script(SCRIPTS.compareAndSet, key, [String(expectedVersion), value], doing);
    if (written === -1) throw corrupt(connectionId, 'its version cannot be read');
    if (written === 1 && this.#replicaAcks > 0) await this.#replicated(key, doing);
    return written === 1;
  }

  async delete(connectionId: string): Promise<void> {
    const key = this.#tokenKey(connectionId);
    const legacy = this.#legacyKey(connectionId);
    const doing = `delete connection "${connectionId}"`;
    // Two commands: the keys may be in different cluster slots. The legacy one would come back on the next read.
    await this.#send(key, ['DEL', key], doing);
    await this.#send(legacy, ['DEL', legacy], doing);
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(connectionId, async () => {
      const lockKey = this.#lockKey(connectionId);
      const owner = await this.#acquire(lockKey, connectionId);
      const heartbeat = setInterval(() => {
        // A failed extension is retried at the next beat; a lost lease is caught by compare-and-set.
        this.#script(SCRIPTS.extend, lockKey, [owner, String(this.#lockTtlMs)], `extend the lock of connection "${connectionId}"`).catch(() => undefined);
      }, Math.max(Math.floor(this.#lockTtlMs / 3), 10));
      heartbeat.unref();
      try {
        return await fn();
      } finally {
        clearInterval(heartbeat);
        // If Redis cannot be told, the lease simply runs out; fn's outcome stands either way.
        await this.#release(lockKey, owner, connectionId).catch(() => undefined);
      }
    });
  }

  /** Closes the client the store connected (from a URL, or one handed over unconnected); a client you connected is left to you. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const own = (await this.#own?.catch(() => undefined))?.client;
    if (!own || own.isOpen === false) return;
    if (own.isReady !== false) await Promise.resolve(own.close?.()).catch(() => own.destroy?.());
    else await Promise.resolve(own.destroy?.()).catch(() => undefined);
  }

  #tokenKey(connectionId: string): string {
    return `${this.#prefix}{${connectionId}}:token`;
  }

  #lockKey(connectionId: string): string {
    return `${this.#prefix}{${connectionId}}:lock`;
  }

  /** Where versions before the hash tag kept a record. */
  #legacyKey(connectionId: string): string {
    return `${this.#prefix}token:${connectionId}`;
  }

  /** A record an earlier version stored: moved to the hash-tagged key (unless a newer one is there), then read from there. */
  async #fromLegacyKey(connectionId: string, doing: string): Promise<unknown> {
    const legacy = this.#legacyKey(connectionId);
    const value = await this.#send(legacy, ['GET', legacy], doing);
    if (value === null || value === undefined) return undefined;
    const key = this.#tokenKey(connectionId);
    await this.#send(key, ['SET', key, String(value), 'NX'], doing);
    await this.#send(legacy, ['DEL', legacy], doing);
    return this.#send(key, ['GET', key], doing);
  }

  /** Waits until `replicaAcks` replicas have the write just made on this key's master. */
  async #replicated(key: string, doing: string): Promise<void> {
    const waitMs = Math.max(1, Math.floor(this.#commandTimeoutMs / 2));
    // Unanswered (the master died): the write may be lost with it, so it is reported as failed.
    await this.#send(key, ['WAIT', String(this.#replicaAcks), String(waitMs)], `confirm the ${doing.replace(/^write /, 'write of ')} on a replica`);
  }

  async #acquire(lockKey: string, connectionId: string): Promise<string> {
    // Names its holder, for whoever inspects Redis; the random part is what makes it unforgeable.
    const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
    const deadline = Date.now() + this.#lockWaitMs;
    let pollMs = this.#pollMinMs;
    for (;;) {
      let reply: unknown;
      try {
        reply = await this.#send(lockKey, ['SET', lockKey, owner, 'NX', 'PX', String(this.#lockTtlMs)], `lock connection "${connectionId}"`);
      } catch (error) {
        // Unanswered is not undone: the SET may still run. A release queued behind it removes
        // such an orphan lease at once instead of leaving everyone to wait out its TTL.
        this.#release(lockKey, owner, connectionId).catch(() => undefined);
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

  #release(lockKey: string, owner: string, connectionId: string): Promise<unknown> {
    return this.#script(SCRIPTS.release, lockKey, [owner], `release the lock of connection "${connectionId}"`);
  }

  /** Runs a Lua script on its one key by its SHA, loading it once per Redis server (after a restart or failover too). */
  async #script(s: Script, key: string, args: string[], doing: string): Promise<unknown> {
    try {
      return await this.#send(key, ['EVALSHA', s.sha, '1', key, ...args], doing, true);
    } catch (error) {
      if (!(error instanceof NoScript)) throw error;
      return this.#send(key, ['EVAL', s.source, '1', key, ...args], doing);
    }
  }

  /** One command on the master holding `key`; `doing` names the operation and its subject for the StoreError. */
  async #send(key: string, args: string[], doing: string, evalsha = false): Promise<unknown> {
    if (this.#closed) throw new StoreError(`cannot ${doing}: the RedisTokenStore is closed`);
    this.#lastCallAt = Date.now();
    const commands = await this.#commands(doing);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        commands.send(key, args, this.#commandTimeoutMs),
        // The client's own timeout only covers a command still waiting to be written.
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RedisDeadline()), this.#commandTimeoutMs);
        }),
      ]);
    } catch (error) {
      if (evalsha && isErrorReply(error) && error.message.startsWith('NOSCRIPT')) throw new NoScript();
      if (isConnectionFault(error)) commands.lost();
      throw this.#fault(doing, commands.kind, error);
    } finally {
      clearTimeout(timer);
    }
  }

  #fault(doing: string, kind: RedisCommands['kind'], error: unknown): StoreError {
    const context = { kind, timeoutMs: this.#commandTimeoutMs, lastConnectionError: this.#lastConnectionError };
    return new StoreError(`cannot ${doing} in Redis: ${describeRedisFault(error, context)}`);
  }

  /** The host's connected client as it is; otherwise the one this store connects on first use (later calls find it ready or fail fast). */
  async #commands(doing: string): Promise<RedisCommands> {
    const given = this.#given;
    // Decided once, at first use: a host client that is closed later stays the host's (and closed).
    this.#adopts ??= given !== undefined && given.client.isOpen === false && typeof given.client.connect === 'function';
    if (given && !this.#adopts) return given.commands;
    this.#own ??= given ? this.#adopt(given.commands, given.client as OwnClient) : this.#connect();
    try {
      return (await this.#own).commands;
    } catch (error) {
      this.#own = undefined;
      if (given) throw this.#fault(doing, given.commands.kind, error);
      throw new StoreError(`cannot ${doing} in Redis: the redis package could not be loaded (npm install redis@^5)`);
    }
  }

  /** A client handed over unconnected: this store connects it (and so closes it), hearing its errors. */
  async #adopt(commands: RedisCommands, client: OwnClient): Promise<{ commands: RedisCommands; client: OwnClient }> {
    this.#listen(client);
    // As with a URL: the first caller waits (bounded) for the first connection; a refusal (no root node answered) is tried again by the next call.
    await Promise.race([client.connect(), sleep(this.#connectTimeoutMs, undefined, { ref: false })]);
    return { commands, client };
  }

  async #connect(): Promise<{ commands: RedisCommands; client: OwnClient }> {
    const { createClient } = await import('redis');
    const client = createClient({
      url: this.#url,
      // Fail at once while Redis is unreachable instead of queueing commands nobody waits for.
      disableOfflineQueue: true,
      socket: { connectTimeout: this.#connectTimeoutMs, reconnectStrategy: (retries: number) => this.#reconnectDelay(retries) },
    });
    this.#listen(client as unknown as OwnClient);
    const connected = client.connect().then(
      () => undefined,
      () => undefined,
    );
    // The first caller waits for the first connection (bounded); everyone after finds it ready, or offline.
    await Promise.race([connected, sleep(this.#connectTimeoutMs, undefined, { ref: false })]);
    return { commands: redisCommands(client)!, client: client as unknown as OwnClient };
  }

  /**
   * Never gives up: when Redis is back, so is the store. While calls are coming in (they fail at
   * once meanwhile) the next try is at most 250 ms away, so service resumes about that soon after
   * Redis does; an idle store tries every 2 s.
   */
  #reconnectDelay(retries: number): number {
    const busy = Date.now() - this.#lastCallAt < IDLE_AFTER_MS;
    return Math.min(50 * 2 ** Math.min(retries, 10), busy ? RECONNECT_BUSY_MAX_MS : RECONNECT_IDLE_MAX_MS) + Math.floor(Math.random() * 50);
  }

  /** Without a listener an 'error' event would crash the host; the code is kept for messages. */
  #listen(client: RedisLifecycle): void {
    client.on?.('error', (error: unknown) => {
      this.#lastConnectionError = connectionErrorCode(error);
    });
    client.on?.('ready', () => {
      this.#lastConnectionError = undefined;
    });
  }

  /**
   * The rate budget on this store's Redis (redis-rate-budget.ts): shared by every process using
   * the server, under the store's key prefix, through the store's client, timeouts and errors.
   *
   * @example await new RedisTokenStore(url).rateBudget().acquire(key, { requests: 60, windowMs: 60_250 });
   */
  rateBudget(): RateBudget {
    return new RedisRateBudget((s, key, args) => this.#script(s, key, args, `take a rate-budget slot for ${key}`), this.#prefix);
  }
}

class NoScript extends Error {}

function checkedUrl(client: string): string {
  let url: URL;
  try {
    url = new URL(client);
  } catch {
    throw new StoreError(`RedisTokenStore: the Redis URL is not a URL; it takes ${ACCEPTED}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new StoreError(`RedisTokenStore: the Redis URL must start with redis:// or rediss://, not ${url.protocol}//`);
  }
  return client;
}

/** What was passed instead of a client, without its content (it may hold a password). */
function kindOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === null ? 'null' : typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && /^[A-Za-z_$][\w$]{0,60}$/.test(name) ? `an object (${name}) without a node-redis sendCommand` : 'an object without a node-redis sendCommand';
}

function corrupt(connectionId: string, what: string): StoreError {
  return new StoreError(
    `the token record of connection "${connectionId}" in Redis is corrupt (${what}); it was left untouched: delete it to start that connection afresh`,
  );
}
