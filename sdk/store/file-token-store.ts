/**
 * An embedded store that survives restarts: one JSON file (mode 0600) holding every connection.
 * Every write replaces the file whole (temp file in the same directory, fsync, rename), so a
 * reader or a crash never sees half a file. Processes sharing the file coordinate through lock
 * files beside it (`file-lock.ts`): one per connection for `withLock`, and one for writes, under
 * which compareAndSet re-reads the file, so no process loses another's write. Callers in one
 * process queue in memory first, so only one of them at a time polls a lock file. With an
 * encryption key, each connection's record is sealed (AES-256-GCM, `encryption.ts`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { StoreError } from '../errors.js';
import { isSealedRecord, isTokenRecordShape, openEntry, RecordCipher, type EncryptionOptions, type SealedRecord } from './encryption.js';
import { errorCode, withFileLock } from './file-lock.js';
import { KeyedLock } from './keyed-lock.js';
import { assertNextVersion, deepFreeze, frozenCopy, type TokenRecord, type TokenStore } from './token-store.js';

export interface FileTokenStoreOptions extends EncryptionOptions {
  /** A lock file nobody has touched for this long is broken (its holder hung or vanished). Default 30 000 ms. */
  lockStaleMs?: number;
}

/** Each connection's entry as the file holds it: the record, or (with a key) its sealed form. */
type Records = ReadonlyMap<string, TokenRecord | SealedRecord>;

const FORMAT = 'connector-sdk/token-store@1';
const EMPTY: Records = new Map();

export class FileTokenStore implements TokenStore {
  readonly path: string;
  readonly atRest: { store: string; encrypted: boolean };
  readonly #staleMs: number;
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
    this.#staleMs = options.lockStaleMs ?? 30_000;
    this.#cipher = RecordCipher.fromOptions(options, `FileTokenStore ${this.path}`);
    this.atRest = { store: 'file', encrypted: this.#cipher !== undefined };
  }

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    const entry = (await this.#read()).get(connectionId);
    if (entry === undefined || !isSealedRecord(entry)) return entry && openEntry(connectionId, entry, this.#cipher);
    let record = this.#opened.get(entry);
    if (!record) {
      record = openEntry(connectionId, entry, this.#cipher);
      this.#opened.set(entry, record);
    }
    return record;
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
    return this.#connectionLocks.run(connectionId, () => withFileLock(`${this.path}.${digest}.lock`, this.#staleMs, fn));
  }

  /** Read-modify-write under the write lock; `change` answers undefined for "nothing to write". */
  #update(change: (records: Records) => Records | undefined): Promise<boolean> {
    return this.#writes.run('', () =>
      withFileLock(`${this.path}.lock`, this.#staleMs, async () => {
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
      throw new StoreError(`cannot read the token store file ${this.path}: ${errorCode(error)}`);
    }
    try {
      // The signature of what is actually read (the file may have been replaced since the stat).
      const signature = signatureOf(await handle.stat({ bigint: true }));
      const records = parseStoreFile(await handle.readFile('utf8'), this.path);
      this.#snapshot = { signature, records };
      return records;
    } finally {
      await handle.close();
    }
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
      throw new StoreError(`cannot write the token store file ${this.path}: ${errorCode(error)}`);
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
