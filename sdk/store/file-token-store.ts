/**
 * An embedded store that survives restarts: one JSON file (mode 0600) holding every connection.
 * Every write replaces the file whole (temp file in the same directory, fsync, rename), so a
 * reader or a crash never sees half a file. Processes sharing the file coordinate through lock
 * files beside it (`file-lock.ts`): one per connection for `withLock`, and one for writes, under
 * which compareAndSet re-reads the file, so no process loses another's write. Callers in one
 * process queue in memory first, so only one of them at a time polls a lock file. With an
 * encryption key, each connection's record is sealed (AES-256-GCM, `encryption.ts`).
 *
 * Every failure is a StoreError naming the file: file system errors by their errno code and
 * what to do (`store-fault.ts`), a damaged file or a record that cannot be opened by what is
 * wrong with it. A missing directory is reported, not created: it usually means a mistyped path
 * or a volume that is not mounted, and tokens written elsewhere would be lost at the next start.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { StoreError } from '../errors.js';
import { isSealedRecord, isTokenRecordShape, openEntry, RecordCipher, type EncryptionOptions, type SealedRecord } from './encryption.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { KeyedLock } from './keyed-lock.js';
import { errorCode, positiveMs, storeFault } from './store-fault.js';
import { assertNextVersion, deepFreeze, frozenCopy, type TokenRecord, type TokenStore } from './token-store.js';

/**
 * Options of a FileTokenStore: its lock timings and the encryption key(s).
 *
 * @example
 * const options: FileTokenStoreOptions = { encryptionKey: process.env.TOKEN_KEY, lockStaleMs: 30_000, lockWaitMs: 120_000 };
 * const store = new FileTokenStore('/var/lib/my-app/tokens.json', options);
 */
export interface FileTokenStoreOptions extends EncryptionOptions {
  /** A lock file nobody has touched for this long is broken (its holder hung or vanished). Default 30 000 ms. */
  lockStaleMs?: number;
  /**
   * How long a caller waits for a lock file that another holder (another process, or another
   * FileTokenStore on the same file) keeps fresh, before failing with a StoreError; callers in
   * one store queue in memory first, unbounded, as with RedisTokenStore. Default 120 000 ms, as
   * RedisTokenStore's: a refresh under the lock may take a minute (30 s each for the headers and
   * the body), and a waiter should outlast `lockStaleMs` to see a vanished holder's lock broken.
   */
  lockWaitMs?: number;
}

/** Each connection's entry as the file holds it: the record, or (with a key) its sealed form. */
type Records = ReadonlyMap<string, TokenRecord | SealedRecord>;

const FORMAT = 'connector-sdk/token-store@1';
const EMPTY: Records = new Map();

/**
 * A TokenStore in one JSON file (mode 0600) that survives restarts and may be shared by the
 * processes of one machine; its directory must exist. Give it a key to encrypt the records.
 *
 * @example
 * const store = new FileTokenStore('.tokens.json', { encryptionKey: process.env.TOKEN_KEY });
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials, store });
 */
export class FileTokenStore implements TokenStore {
  readonly path: string;
  readonly atRest: { store: string; encrypted: boolean };
  readonly #lockOptions: Omit<FileLockOptions, 'purpose'>;
  readonly #cipher: RecordCipher | undefined;
  /** Records already opened, by their sealed entry (entries are immutable, so this never goes stale). */
  readonly #opened = new WeakMap<SealedRecord, TokenRecord>();
  readonly #connectionLocks = new KeyedLock();
  /** One key: all writes of this instance go through it, in order. */
  readonly #writes = new KeyedLock();
  /** The file as last parsed, reused while its identity (inode, size, times) is unchanged. */
  #snapshot?: { signature: string; records: Records };
  #orphansSwept = false;

  constructor(path: string, options: FileTokenStoreOptions = {}) {
    this.path = resolve(path);
    this.#lockOptions = {
      staleMs: positiveMs('FileTokenStore', 'lockStaleMs', options.lockStaleMs, 30_000),
      waitMs: positiveMs('FileTokenStore', 'lockWaitMs', options.lockWaitMs, 120_000),
    };
    this.#cipher = RecordCipher.fromOptions(options, `FileTokenStore ${this.path}`);
    this.atRest = { store: 'file', encrypted: this.#cipher !== undefined };
  }

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    const entry = (await this.#read()).get(connectionId);
    if (entry === undefined) return undefined;
    if (!isSealedRecord(entry)) return this.#open(connectionId, entry);
    let record = this.#opened.get(entry);
    if (!record) {
      record = this.#open(connectionId, entry);
      this.#opened.set(entry, record);
    }
    return record;
  }

  /** openEntry, whose errors (wrong key, tampered, sealed without a key) name the connection; these add the file. */
  #open(connectionId: string, entry: TokenRecord | SealedRecord): TokenRecord {
    try {
      return openEntry(connectionId, entry, this.#cipher);
    } catch (error) {
      if (error instanceof StoreError) throw new StoreError(`${error.message} (in the token store file ${this.path})`);
      throw error;
    }
  }

  async compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean> {
    assertNextVersion(connectionId, expectedVersion, record);
    const copy = frozenCopy(connectionId, record);
    // Sealed once, outside the write lock; the other connections' entries are written back as they are.
    let entry: TokenRecord | SealedRecord = copy;
    if (this.#cipher) {
      const sealed = deepFreeze(this.#cipher.seal(connectionId, copy));
      this.#opened.set(sealed, copy);
      entry = sealed;
    }
    return this.#update((records) =>
      (records.get(connectionId)?.version ?? 0) === expectedVersion ? new Map(records).set(connectionId, entry) : undefined,
    );
  }

  async delete(connectionId: string): Promise<void> {
    await this.#update((records) => {
      if (!records.has(connectionId)) return undefined;
      const next = new Map(records);
      next.delete(connectionId);
      return next;
    });
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    // Hashed: a connection id may hold any character, a file name may not.
    const digest = createHash('sha256').update(connectionId).digest('hex').slice(0, 16);
    const lock = { ...this.#lockOptions, purpose: `the lock of connection "${connectionId}"` };
    return this.#connectionLocks.run(connectionId, async () => {
      await this.#assertNotDirectory();
      return withFileLock(`${this.path}.${digest}.lock`, lock, fn);
    });
  }

  /**
   * The connection lock files sit beside the store's path and work whatever is there; a
   * directory in its place would only fail later, at the first read inside fn.
   */
  async #assertNotDirectory(): Promise<void> {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(this.path)).isDirectory();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw storeFault('read the token store file', this.path, error);
    }
    // The same message as a read of it would give.
    if (isDirectory) throw storeFault('read the token store file', this.path, { code: 'EISDIR' });
  }

  /** Read-modify-write under the write lock; `change` answers undefined for "nothing to write". */
  #update(change: (records: Records) => Records | undefined): Promise<boolean> {
    return this.#writes.run('', () =>
      withFileLock(`${this.path}.lock`, { ...this.#lockOptions, purpose: 'the write lock of the token store' }, async () => {
        const next = change(await this.#read());
        if (next === undefined) return false;
        await this.#write(next);
        return true;
      }),
    );
  }

  async #read(): Promise<Records> {
    let handle: FileHandle;
    try {
      if (this.#snapshot?.signature === signatureOf(await stat(this.path, { bigint: true }))) return this.#snapshot.records;
      handle = await open(this.path, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return EMPTY;
      throw storeFault('read the token store file', this.path, error);
    }
    let signature: string;
    let text: string;
    try {
      // The signature of what is actually read (the file may have been replaced since the stat).
      signature = signatureOf(await handle.stat({ bigint: true }));
      // Opening a directory succeeds on Linux; reading it is what fails (EISDIR).
      text = await handle.readFile('utf8');
    } catch (error) {
      throw storeFault('read the token store file', this.path, error);
    } finally {
      await handle.close().catch(() => undefined);
    }
    const records = parseStoreFile(text, this.path);
    this.#snapshot = { signature, records };
    return records;
  }

  async #write(records: Records): Promise<void> {
    const directory = dirname(this.path);
    if (!this.#orphansSwept) {
      await this.#sweepOrphans(directory);
      this.#orphansSwept = true;
    }
    const temp = join(directory, `${basename(this.path)}.${randomUUID()}.tmp`);
    const text = JSON.stringify({ format: FORMAT, connections: Object.fromEntries(records) });
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', 0o600);
      await handle.writeFile(text);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, this.path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw storeFault('write the token store file', this.path, error);
    }
    await syncDirectory(directory);
  }

  /**
   * Temp files are only written under the write lock, so one found while holding it was left by
   * a writer that died mid-write: it holds tokens and must not linger.
   */
  async #sweepOrphans(directory: string): Promise<void> {
    const prefix = `${basename(this.path)}.`;
    const names = await readdir(directory).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(prefix) && TEMP_SUFFIX.test(name.slice(prefix.length))) {
        await unlink(join(directory, name)).catch(() => undefined);
      }
    }
  }
}

const TEMP_SUFFIX = /^[0-9a-f-]{36}\.tmp$/;

function signatureOf(stats: BigIntStats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** Parses and checks the file; any damage is reported, never repaired (the file is left as it is). */
function parseStoreFile(text: string, path: string): Records {
  const corrupt = (what: string) =>
    new StoreError(
      `the token store file ${path} is corrupt (${what}); it was left untouched: restore it from a backup, or move it away to start with no tokens`,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message quotes the file's text, which holds tokens: never pass it on.
    throw corrupt(`not valid JSON, ${Buffer.byteLength(text)} bytes: truncated or overwritten`);
  }
  if (!isObject(data) || data.format !== FORMAT || !isObject(data.connections)) {
    throw corrupt(`not a ${FORMAT} document`);
  }
  const records = new Map<string, TokenRecord | SealedRecord>();
  for (const [connectionId, record] of Object.entries(data.connections)) {
    if (!isTokenRecordShape(record) && !isSealedRecord(record)) throw corrupt(`the record of connection "${connectionId}" is malformed`);
    records.set(connectionId, deepFreeze(record));
  }
  return records;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Makes the rename itself durable across a power loss. Best effort: the new file is already in
 * place, and some platforms cannot open a directory.
 */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Nothing to undo: see above.
  }
}
