/**
 * A lock between processes that share a directory: a lock file that exists while someone holds
 * it. It is created whole (written under a private name, then hard-linked into place, which
 * fails if the file exists), names its holder (pid, host, time, a random token), and is kept
 * fresh by touching its mtime while held. A lock whose holder died (same host) or that has not
 * been touched for `staleMs` is broken; waiters poll with a short backoff, for `waitMs` at most
 * (a live holder that hangs keeps its lock fresh, so waiting longer would be waiting forever).
 * Every file system failure is a StoreError naming the lock file (store-fault.ts).
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';
import { errorCode, storeFault } from './store-fault.js';

const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 50;
const HOST_NAME = /^[A-Za-z0-9._-]{1,253}$/;

interface Holder {
  pid: number;
  host: string;
  acquiredAt: number;
  token: string;
}

export interface FileLockOptions {
  /** A lock untouched for this long is broken. */
  staleMs: number;
  /** How long to wait for a lock someone else keeps fresh before failing with a StoreError. */
  waitMs: number;
  /** What the lock guards, for messages: `the lock of connection "c1"`. */
  purpose: string;
}

/**
 * Runs fn holding the lock file at `lockPath`; the lock is released (the file removed) when fn
 * settles, whatever the outcome.
 */
export async function withFileLock<T>(lockPath: string, options: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

async function acquire(lockPath: string, { staleMs, waitMs, purpose }: FileLockOptions): Promise<{ release(): Promise<void> }> {
  const token = randomUUID();
  const deadline = Date.now() + waitMs;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    const handle = await tryCreate(lockPath, { pid: process.pid, host: hostname(), acquiredAt: Date.now(), token });
    if (handle) {
      if (!swept.has(lockPath)) {
        swept.add(lockPath);
        await removeDeadDrafts(lockPath, staleMs);
      }
      return held(lockPath, token, handle, staleMs);
    }
    const judged = await breakIfStale(lockPath, staleMs);
    const left = deadline - Date.now();
    if (left <= 0) throw waitedTooLong(lockPath, waitMs, purpose, judged === 'broken' ? undefined : judged.holder);
    if (judged !== 'broken') {
      // One last attempt at the deadline, so a lock freed during the final sleep is still taken.
      await sleep(Math.min(left, pollMs + Math.random() * pollMs));
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }
}

function waitedTooLong(lockPath: string, waitMs: number, purpose: string, holder: Holder | undefined): StoreError {
  // Pid, host and time only: the holder's token is what makes its lock its own. The file is
  // anyone's to write, so only a host name that looks like one is repeated.
  const host = HOST_NAME.test(holder?.host ?? '') ? holder?.host : 'an unnamed host';
  const who = holder ? ` (pid ${Math.trunc(holder.pid)} on ${host}, since ${isoTime(holder.acquiredAt)})` : '';
  return new StoreError(
    `waited ${waitMs} ms for the lock file ${lockPath} (${purpose}): another holder${who} kept it and keeps it fresh; ` +
      'if that process is stuck, stop it (its lock is then broken), or raise lockWaitMs',
  );
}

function isoTime(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? 'an unknown time' : date.toISOString();
}

/** The open lock file (kept open to touch it), or undefined when someone else holds the lock. */
async function tryCreate(lockPath: string, holder: Holder): Promise<FileHandle | undefined> {
  // The pid in the name lets a later holder recognise a dead writer's draft even when it is empty.
  const draft = `${lockPath}.${holder.pid}.${holder.token}`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(draft, 'wx', 0o600);
    await handle.writeFile(JSON.stringify(holder));
    await link(draft, lockPath);
    return handle;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (errorCode(error) === 'EEXIST') return undefined;
    throw storeFault('create the lock file', lockPath, error);
  } finally {
    // The draft name only existed to create the lock file whole; the lock is the link.
    await unlink(draft).catch(() => undefined);
  }
}

function held(lockPath: string, token: string, handle: FileHandle, staleMs: number): { release(): Promise<void> } {
  // Touching through our own descriptor can only ever refresh our own file, even if it was broken.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      handle.utimes(now, now).catch(() => undefined);
    },
    Math.max(staleMs / 3, 10),
  );
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      // A descriptor that fails to close is no reason to keep the lock: the file is what counts.
      await handle.close().catch(() => undefined);
      // Remove it only if it is still ours: a lock broken as stale may already be someone else's.
      if ((await readHolder(lockPath))?.token === token) await unlink(lockPath).catch(() => undefined);
    },
  };
}

/** Lock paths whose leftover drafts this process has swept (once each is enough). */
const swept = new Set<string>();
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DRAFT = new RegExp(`^\\.(?:(\\d+)\\.${UUID}|${UUID}\\.stale)$`);

/**
 * A process killed between creating its draft and linking or unlinking it leaves the draft
 * behind; whoever holds the lock next removes drafts whose holder is dead or that are stale.
 */
async function removeDeadDrafts(lockPath: string, staleMs: number): Promise<void> {
  const prefix = basename(lockPath);
  const names = await readdir(dirname(lockPath)).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? DRAFT.exec(name.slice(prefix.length)) : null;
    if (!match) continue;
    const path = join(dirname(lockPath), name);
    const modified = (await stat(path).catch(() => undefined))?.mtimeMs ?? 0;
    const dead = match[1] !== undefined && !isAlive(Number(match[1]));
    if (dead || Date.now() - modified > staleMs) await unlink(path).catch(() => undefined);
  }
}

/** 'broken' when the lock is gone or it removed a stale one (try again at once); else who holds it. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<'broken' | { holder?: Holder }> {
  const judged = await inspect(lockPath, staleMs);
  if (judged === 'gone') return 'broken';
  if (!judged.stale) return judged;
  // Move it aside first, then check it was the lock we judged: another waiter may have broken it
  // and taken a fresh one in between, which must be put back.
  const aside = `${lockPath}.${randomUUID()}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    // Gone: someone else broke it. Anything else: nobody can ever remove it, so waiting is pointless.
    if (errorCode(error) === 'ENOENT') return 'broken';
    throw storeFault('break the stale lock file', lockPath, error);
  }
  const moved = await readHolder(aside);
  if (moved?.token !== judged.holder?.token) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return 'broken';
}

async function inspect(lockPath: string, staleMs: number): Promise<{ stale: boolean; holder?: Holder } | 'gone'> {
  let handle: FileHandle;
  try {
    handle = await open(lockPath, 'r');
  } catch (error) {
    // Unreadable for another reason: it cannot be judged, so it is left to its holder.
    return errorCode(error) === 'ENOENT' ? 'gone' : { stale: false };
  }
  try {
    const stat = await handle.stat();
    const holder = parseHolder(await handle.readFile('utf8'));
    const dead = holder !== undefined && holder.host === hostname() && !isAlive(holder.pid);
    return { stale: dead || Date.now() - stat.mtimeMs > staleMs, holder };
  } catch (error) {
    // Opened but unreadable (a directory in its place): it will never be released.
    throw storeFault('read the lock file', lockPath, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  return parseHolder(await readFile(path, 'utf8').catch(() => ''));
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.token === 'string' && typeof value.host === 'string'
      ? (value as Holder)
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}
