/**
 * FileTokenStore's file system faults are StoreErrors naming the path, the errno code and what
 * to do, down to the host of a connection (CONNECTOR_STORE_FAILED, never CONNECTOR_INTERNAL).
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, StoreError } from '../../sdk/errors.js';
import { loadConnector } from '../../sdk/index.js';
import { FileTokenStore } from '../../sdk/store/file-token-store.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { connectionLockPath } from './fixtures/lock-paths.js';
import { runWorker, unprivileged } from './fixtures/run-worker.js';

const WORKER = fileURLToPath(new URL('./fixtures/store-fault-worker.ts', import.meta.url));
const CANARY = 'SECRET-canary-fault-token-91c2';
registerSecret(CANARY);

const EISDIR = 'EISDIR (it is a directory: point the store at a file path, or move that directory away)';

let dir: string;
let n = 0;
/** A fresh name in the test directory (nothing created). */
const fresh = (name = 'tokens') => join(dir, `${name}-${n++}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-store-faults-'));
  // Traversable by the unprivileged worker of the permission tests.
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(version: number): TokenRecord {
  return { version, accessToken: CANARY, cookies: [], extras: {} };
}

/** Awaits a rejection that must be a StoreError with the store's code, without a cause. */
async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(StoreError);
  expect(error.code).toBe(ERROR_CODES.store);
  expect(error.cause).toBeUndefined();
  expect(error.message).not.toContain(CANARY);
  return error as unknown as StoreError;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('FileTokenStore: the path is a directory', () => {
  it('get, compareAndSet and delete → StoreError "cannot read the token store file <path>: EISDIR (…)"', async () => {
    const path = fresh('a-directory');
    await mkdir(path);
    const store = new FileTokenStore(path);
    // One after the other: started together, a later one could reject before anything awaits it.
    for (const attempt of [() => store.get('c1'), () => store.compareAndSet('c1', 0, record(1)), () => store.delete('c1')]) {
      expect((await storeError(attempt())).message).toBe(`cannot read the token store file ${path}: ${EISDIR}`);
    }
    // The write lock beside it was released; the directory is as it was.
    expect(await exists(`${path}.lock`)).toBe(false);
    expect(await readdir(path)).toEqual([]);
  });

  it('withLock → the same StoreError; fn never runs', async () => {
    const path = fresh('a-directory');
    await mkdir(path);
    let ran = false;
    const error = await storeError(new FileTokenStore(path).withLock('c1', async () => void (ran = true)));
    expect(error.message).toBe(`cannot read the token store file ${path}: ${EISDIR}`);
    expect(ran).toBe(false);
    expect((await readdir(dir)).filter((name) => name.startsWith(`${path.split('/').at(-1)}.`))).toEqual([]);
  });

  it('a directory where the lock file goes → StoreError naming the lock file, at once (not a wait for lockWaitMs)', async () => {
    const path = fresh();
    await mkdir(`${path}.lock`);
    const error = await storeError(new FileTokenStore(path, { lockWaitMs: 60_000 }).compareAndSet('c1', 0, record(1)));
    expect(error.message).toBe(`cannot read the lock file ${path}.lock: ${EISDIR}`);
    expect(await exists(path)).toBe(false);
  });
});

describe('FileTokenStore: the directory is missing or not a directory', () => {
  it('a missing directory is not created: reads find nothing, writes and locks fail with "create the directory"', async () => {
    const missing = fresh('missing');
    const path = join(missing, 'tokens.json');
    const store = new FileTokenStore(path);
    const advice = `ENOENT (no such file or directory: create the directory ${missing} (mode 0700), or choose a path in an existing one)`;
    expect(await store.get('c1')).toBeUndefined();
    expect((await storeError(store.compareAndSet('c1', 0, record(1)))).message).toBe(`cannot create the lock file ${path}.lock: ${advice}`);
    expect((await storeError(store.withLock('c1', async () => 'ran'))).message).toBe(
      `cannot create the lock file ${connectionLockPath(path, 'c1')}: ${advice}`,
    );
    expect(await exists(missing)).toBe(false);
  });

  it('a file where a directory should be → StoreError ENOTDIR on every operation', async () => {
    const file = fresh('plain-file');
    await writeFile(file, 'not a directory');
    const path = join(file, 'tokens.json');
    const store = new FileTokenStore(path);
    const advice = 'ENOTDIR (a part of the path is a file, not a directory: check the path)';
    expect((await storeError(store.get('c1'))).message).toBe(`cannot read the token store file ${path}: ${advice}`);
    expect((await storeError(store.compareAndSet('c1', 0, record(1)))).message).toBe(`cannot create the lock file ${path}.lock: ${advice}`);
    expect((await storeError(store.withLock('c1', async () => 'ran'))).message).toBe(`cannot read the token store file ${path}: ${advice}`);
  });
});

describe('FileTokenStore: permission denied', () => {
  /** The worker's outcome of one operation, as an unprivileged user when the suite runs as root. */
  async function asUnprivileged(operation: string, path: string): Promise<{ name?: string; code?: string; message?: string; ok?: unknown }> {
    return JSON.parse(await runWorker(WORKER, [operation, path], unprivileged())) as { name?: string; code?: string; message?: string; ok?: unknown };
  }

  it('an unreadable file → StoreError EACCES: "the process needs read and write access to <dir>"', async () => {
    const path = fresh();
    await new FileTokenStore(path).compareAndSet('c1', 0, record(1));
    await chmod(path, 0o000);
    expect(await asUnprivileged('get', path)).toEqual({
      name: 'StoreError',
      code: ERROR_CODES.store,
      message: `cannot read the token store file ${path}: EACCES (permission denied: the process needs read and write access to ${dir} and the store's files in it)`,
    });
  });

  it('a read-only directory → withLock fails creating its lock file, EACCES; nothing is left in it', async () => {
    const readOnly = fresh('read-only');
    await mkdir(readOnly);
    await chmod(readOnly, 0o555);
    const path = join(readOnly, 'tokens.json');
    expect(await asUnprivileged('withLock', path)).toEqual({
      name: 'StoreError',
      code: ERROR_CODES.store,
      message: `cannot create the lock file ${connectionLockPath(path, 'c1')}: EACCES (permission denied: the process needs read and write access to ${readOnly} and the store's files in it)`,
    });
    expect(await readdir(readOnly)).toEqual([]);
  });
});

describe('FileTokenStore: a record that cannot be opened names the file too', () => {
  it('wrong encryption key, and a sealed file read without a key → StoreError naming connection and file, no key material', async () => {
    const path = fresh();
    const written = randomBytes(32);
    const other = randomBytes(32);
    registerSecret(written.toString('base64'), other.toString('base64'));
    await new FileTokenStore(path, { encryptionKey: written }).compareAndSet('c1', 0, record(1));
    const wrongKey = await storeError(new FileTokenStore(path, { encryptionKey: other }).get('c1'));
    expect(wrongKey.message).toBe(
      'the stored token record of connection "c1" cannot be decrypted: wrong key (none of the configured keys opens it), ' +
        `or the record was tampered with (in the token store file ${path})`,
    );
    const noKey = await storeError(new FileTokenStore(path).get('c1'));
    expect(noKey.message).toBe(
      'the stored token record of connection "c1" is encrypted, but this store has no encryption key: ' +
        `configure the key it was written with (in the token store file ${path})`,
    );
  });
});

describe('FileTokenStore faults through a connection', () => {
  let server: FakeOAuth;
  beforeAll(async () => {
    server = await startFakeOAuth({ expiresIn: 3600 });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Where the store points, made as each case needs it. */
  const cases: [string, () => Promise<{ path: string; message: string }>][] = [
    [
      'the store path is a directory',
      async () => {
        const path = fresh('a-directory');
        await mkdir(path);
        return { path, message: `cannot read the token store file ${path}: ${EISDIR}` };
      },
    ],
    [
      'the store directory does not exist',
      async () => {
        const missing = fresh('missing');
        const path = join(missing, 'tokens.json');
        return {
          path,
          message: `cannot create the lock file ${connectionLockPath(path, 'tenant-1')}: ENOENT (no such file or directory: create the directory ${missing} (mode 0700), or choose a path in an existing one)`,
        };
      },
    ],
    [
      'the store file is not a token store',
      async () => {
        const path = fresh();
        await writeFile(path, JSON.stringify({ tokens: { c1: CANARY } }));
        return {
          path,
          message: `the token store file ${path} is corrupt (not a connector-sdk/token-store@1 document); it was left untouched: restore it from a backup, or move it away to start with no tokens`,
        };
      },
    ],
  ];

  it.each(cases)('%s → execute rejects with StoreError CONNECTOR_STORE_FAILED, before any request', async (_name, prepare) => {
    const { path, message } = await prepare();
    const before = { ...server.counts };
    const connector = await loadConnector(refreshableManifest(server.url));
    try {
      const connection = connector.connect({ connectionId: 'tenant-1', credentials, store: new FileTokenStore(path), allowPrivateNetwork: true });
      const error = await storeError(connection.execute('get-items'));
      expect(error.message).toBe(message);
    } finally {
      await connector.close();
    }
    expect(server.counts).toEqual(before);
  });
});
