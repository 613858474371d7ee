import { fork } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, StoreError } from '../../sdk/errors.js';
import { FileTokenStore } from '../../sdk/store/file-token-store.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';
import { connectionLockPath } from './fixtures/lock-paths.js';
import { runWorker as runWorkerScript } from './fixtures/run-worker.js';

const WORKER = fileURLToPath(new URL('./fixtures/file-store-worker.ts', import.meta.url));
const CANARY = 'SECRET-canary-access-token-7f3a';

let dir: string;
let n = 0;
const freshPath = () => join(dir, `tokens-${n++}.json`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-token-store-'));
  // Readable by the unprivileged worker of the read-only test.
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(version: number, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return { version, accessToken: CANARY, refreshToken: `${CANARY}-rt`, cookies: [], extras: {}, ...overrides };
}

const runWorker = (args: string[], options: { uid?: number; gid?: number } = {}) => runWorkerScript(WORKER, args, options);

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(ERROR_CODES.store);
  return error as StoreError;
}

async function leftovers(path: string): Promise<string[]> {
  const base = path.split('/').at(-1)!;
  return (await readdir(dir)).filter((name) => name.startsWith(`${base}.`));
}

describe('FileTokenStore: persistence', () => {
  it('survives a restart: a new instance on the same path reads what the first wrote', async () => {
    const path = freshPath();
    const first = new FileTokenStore(path);
    await first.compareAndSet('c1', 0, record(1, { extras: { region: 'eu' } }));
    const second = new FileTokenStore(path);
    expect(await second.get('c1')).toEqual(record(1, { extras: { region: 'eu' } }));
  });

  it('writes the file with mode 0600 and leaves no temp or lock file behind', async () => {
    const path = freshPath();
    const store = new FileTokenStore(path);
    await store.compareAndSet('c1', 0, record(1));
    await store.withLock('c1', async () => store.compareAndSet('c1', 1, record(2)));
    await store.delete('c1');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await leftovers(path)).toEqual([]);
  });

  it('sees writes made by another instance after it cached the file', async () => {
    const path = freshPath();
    const a = new FileTokenStore(path);
    const b = new FileTokenStore(path);
    await a.compareAndSet('c1', 0, record(1));
    expect((await a.get('c1'))?.version).toBe(1);
    await b.compareAndSet('c1', 1, record(2, { accessToken: 'from-b' }));
    expect(await a.get('c1')).toMatchObject({ version: 2, accessToken: 'from-b' });
    expect(await a.compareAndSet('c1', 1, record(2))).toBe(false);
  });

  it('returns the same frozen record while the file is unchanged (no re-parse per read)', async () => {
    const store = new FileTokenStore(freshPath());
    await store.compareAndSet('c1', 0, record(1));
    const first = await store.get('c1');
    expect(await store.get('c1')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('holds many connections in one file', async () => {
    const path = freshPath();
    const store = new FileTokenStore(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.compareAndSet(`tenant-${i}`, 0, record(1, { extras: { i } }))));
    const reread = new FileTokenStore(path);
    for (let i = 0; i < 50; i++) expect((await reread.get(`tenant-${i}`))?.extras).toEqual({ i });
  });
});

describe('FileTokenStore: damaged files are reported, never repaired', () => {
  const cases: [string, (path: string) => Promise<void>, RegExp][] = [
    ['not JSON', (path) => writeFile(path, `{"connections": {"c1": {"accessToken": "${CANARY}"`), /not valid JSON/],
    [
      'truncated',
      async (path) => {
        await new FileTokenStore(path).compareAndSet('c1', 0, record(1));
        await truncate(path, (await stat(path)).size - 20);
      },
      /truncated/,
    ],
    ['empty', (path) => writeFile(path, ''), /not valid JSON/],
    ['another layout', (path) => writeFile(path, JSON.stringify({ tokens: { c1: CANARY } })), /not a connector-sdk\/token-store@1 document/],
    [
      'a malformed record',
      (path) =>
        writeFile(path, JSON.stringify({ format: 'connector-sdk/token-store@1', connections: { c1: { version: '1', accessToken: CANARY } } })),
      /record of connection "c1" is malformed/,
    ],
  ];

  it.each(cases)('%s → StoreError naming the file; the file is left untouched', async (_name, damage, reason) => {
    const path = freshPath();
    await damage(path);
    const before = await readFile(path);
    const store = new FileTokenStore(path);
    // One after the other: started together, a later one could reject before anything awaits it.
    for (const attempt of [() => store.get('c1'), () => store.compareAndSet('c1', 0, record(1)), () => store.delete('c1')]) {
      const error = await storeError(attempt());
      expect(error.message).toContain(path);
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain(CANARY);
      expect(error.cause).toBeUndefined();
    }
    expect(await readFile(path)).toEqual(before);
    expect(await leftovers(path)).toEqual([]);
  });
});

describe('FileTokenStore: the file system refuses', () => {
  it('a read-only directory → StoreError, nothing written', async () => {
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly, { mode: 0o555 });
    await chmod(readOnly, 0o555);
    const path = join(readOnly, 'tokens.json');
    if (process.getuid?.() === 0) {
      // Root ignores directory permissions: ask an unprivileged process to try.
      const out = await runWorker(['write-once', path], { uid: 65534, gid: 65534 });
      expect(out).toMatch(/^StoreError: cannot create the lock file .*read-only\/tokens\.json\.lock: EACCES/);
    } else {
      const error = await storeError(new FileTokenStore(path).compareAndSet('c1', 0, record(1)));
      expect(error.message).toContain(path);
    }
    expect(await readdir(readOnly)).toEqual([]);
  });

  it('a path whose directory does not exist → StoreError', async () => {
    const error = await storeError(new FileTokenStore(join(dir, 'missing', 'tokens.json')).compareAndSet('c1', 0, record(1)));
    expect(error.message).toMatch(/ENOENT/);
    expect(error.message).not.toContain(CANARY);
  });
});

describe('FileTokenStore: between processes', () => {
  it('two processes incrementing through withLock + compareAndSet 200 times each lose nothing', async () => {
    const path = freshPath();
    await Promise.all([runWorker(['increment', path, 'counter', '200']), runWorker(['increment', path, 'counter', '200'])]);
    expect(await new FileTokenStore(path).get('counter')).toMatchObject({ version: 400, extras: { count: 400 } });
    expect(await leftovers(path)).toEqual([]);
  });

  it('a writer killed mid-write leaves a file that parses; its temp file and lock are cleaned up by the next writer', async () => {
    const path = freshPath();
    for (const delay of [150, 333, 501]) {
      const child = fork(WORKER, ['rewrite', path], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const survivor = await new FileTokenStore(path).get('big');
      expect(survivor?.version).toBeGreaterThanOrEqual(1);
      expect((survivor?.extras.padding as string).length).toBe(256 * 1024);
    }
    const store = new FileTokenStore(path);
    const started = Date.now();
    const current = await store.get('big');
    expect(await store.compareAndSet('big', current!.version, record(current!.version + 1))).toBe(true);
    // The dead holder's lock is broken at once (its pid is gone), not after the 30 s TTL.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await leftovers(path)).toEqual([]);
  });
});

describe('FileTokenStore: lock files', () => {
  const holder = (pid: number) => JSON.stringify({ pid, host: hostname(), acquiredAt: Date.now(), token: 'someone-else' });

  it('breaks a lock whose holder process is dead', async () => {
    const path = freshPath();
    await writeFile(`${path}.lock`, holder(2 ** 22 + 12_345));
    const started = Date.now();
    expect(await new FileTokenStore(path).compareAndSet('c1', 0, record(1))).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('breaks a lock of a live process that was not touched within the TTL', async () => {
    const path = freshPath();
    await writeFile(`${path}.lock`, holder(process.ppid));
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, old, old);
    expect(await new FileTokenStore(path).compareAndSet('c1', 0, record(1))).toBe(true);
  });

  it('waits for a fresh lock of a live process until it goes stale', async () => {
    const path = freshPath();
    await writeFile(`${path}.lock`, holder(process.ppid));
    const started = Date.now();
    expect(await new FileTokenStore(path, { lockStaleMs: 400 }).compareAndSet('c1', 0, record(1))).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('keeps a long-running holder\'s lock fresh, so a slow refresh is never broken as stale', async () => {
    const path = freshPath();
    const a = new FileTokenStore(path, { lockStaleMs: 150 });
    const b = new FileTokenStore(path, { lockStaleMs: 150 });
    const events: string[] = [];
    const slow = a.withLock('c1', async () => {
      events.push('a:start');
      await new Promise((resolve) => setTimeout(resolve, 600));
      events.push('a:end');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await b.withLock('c1', async () => void events.push('b'));
    await slow;
    expect(events).toEqual(['a:start', 'a:end', 'b']);
  });

  it('one connection\'s lock does not block another\'s', async () => {
    const store = new FileTokenStore(freshPath());
    let release!: () => void;
    const held = store.withLock('a', () => new Promise<void>((resolve) => (release = resolve)));
    await expect(store.withLock('b', async () => 'b ran')).resolves.toBe('b ran');
    release();
    await held;
  });

  it('a holder that keeps its lock fresh: a waiter fails after lockWaitMs with a StoreError; once released, the lock is taken', async () => {
    const path = freshPath();
    const owner = new FileTokenStore(path);
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = owner.withLock('c1', () => {
      entered();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await inside;
    const lock = connectionLockPath(path, 'c1');
    const { acquiredAt } = JSON.parse(await readFile(lock, 'utf8')) as { acquiredAt: number };
    try {
      // Another instance: its in-memory queue is its own, so it waits on the lock file.
      const waiter = new FileTokenStore(path, { lockWaitMs: 300 });
      let ran = false;
      const started = Date.now();
      const error = await storeError(waiter.withLock('c1', async () => void (ran = true)));
      expect(ran).toBe(false);
      expect(error.message).toBe(
        `waited 300 ms for the lock file ${lock} (the lock of connection "c1"): ` +
          `another holder (pid ${process.pid} on ${hostname()}, since ${new Date(acquiredAt).toISOString()}) kept it and keeps it fresh; ` +
          'if that process is stuck, stop it (its lock is then broken), or raise lockWaitMs',
      );
      // It gave up, eventually: no upper bound tighter than a loaded machine can keep.
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      release();
      await held;
    }
    await expect(new FileTokenStore(path, { lockWaitMs: 300 }).withLock('c1', async () => 'ran')).resolves.toBe('ran');
    expect(await leftovers(path)).toEqual([]);
  });

  it('a fresh write lock of another live process: compareAndSet fails after lockWaitMs, then succeeds once it is gone', async () => {
    const path = freshPath();
    const lock = `${path}.lock`;
    const acquiredAt = Date.UTC(2030, 0, 1, 12);
    const content = JSON.stringify({ pid: process.ppid, host: hostname(), acquiredAt, token: 'someone-else' });
    await writeFile(lock, content);
    const store = new FileTokenStore(path, { lockWaitMs: 300 });
    const error = await storeError(store.compareAndSet('c1', 0, record(1)));
    expect(error.message).toBe(
      `waited 300 ms for the lock file ${lock} (the write lock of the token store): ` +
        `another holder (pid ${process.ppid} on ${hostname()}, since 2030-01-01T12:00:00.000Z) kept it and keeps it fresh; ` +
        'if that process is stuck, stop it (its lock is then broken), or raise lockWaitMs',
    );
    // Left to its holder: not broken, not rewritten.
    expect(await readFile(lock, 'utf8')).toBe(content);
    await unlink(lock);
    expect(await store.compareAndSet('c1', 0, record(1))).toBe(true);
    expect(await store.get('c1')).toEqual(record(1));
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('lockWaitMs %s → StoreError at construction', (lockWaitMs) => {
    expect(() => new FileTokenStore(freshPath(), { lockWaitMs })).toThrow(
      new StoreError('FileTokenStore: lockWaitMs must be a positive number of milliseconds'),
    );
  });
});
