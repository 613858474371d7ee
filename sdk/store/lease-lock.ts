/**
 * A lock across processes built from a lease a shared server keeps: try to take it, poll with
 * capped exponential backoff (with jitter, never a busy spin) while someone else holds it, keep
 * it alive with a heartbeat while the holder works, release it by owner afterwards. A holder that
 * dies stops its heartbeat, so its lease runs out and the next waiter takes over. The server-side
 * operations (a row, a key) are the caller's; this module only sequences them.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';

/**
 * The three operations on one connection's lease; each acts only for the given owner.
 *
 * @example const lease: Lease = { tryAcquire: (owner) => insertIfFree(owner), extend: (owner) => touch(owner), release: (owner) => remove(owner) };
 */
export interface Lease {
  /** Takes the lease if nobody holds a live one; true when `owner` now holds it. */
  tryAcquire(owner: string): Promise<boolean>;
  /** Extends the lease if `owner` still holds it. */
  extend(owner: string): Promise<unknown>;
  /** Gives the lease up if `owner` still holds it. */
  release(owner: string): Promise<unknown>;
}

/**
 * How long a lease lasts and how a waiter waits for it (all in ms).
 *
 * @example const timing: LeaseTiming = { leaseMs: 30_000, waitMs: 120_000, pollMinMs: 5, pollMaxMs: 100 };
 */
export interface LeaseTiming {
  leaseMs: number;
  /** A waiter gives up after this long, with the error `waitedTooLong` makes. */
  waitMs: number;
  pollMinMs: number;
  pollMaxMs: number;
}

/**
 * Runs fn holding the lease. fn's error propagates; the lease is released either way (if the
 * server cannot be told, the lease simply runs out).
 *
 * @example
 * await withLease(lease, { leaseMs: 30_000, waitMs: 120_000, pollMinMs: 5, pollMaxMs: 100 }, () => refresh(),
 *   () => new StoreError('waited 120000 ms for the lock of connection "c1"'));
 */
export async function withLease<T>(lease: Lease, timing: LeaseTiming, fn: () => Promise<T>, waitedTooLong: () => StoreError): Promise<T> {
  // Names its holder, for whoever inspects the server; the random part makes it unforgeable.
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  await acquire(lease, owner, timing, waitedTooLong);
  const heartbeat = setInterval(() => {
    // A failed extension is retried at the next beat; a lost lease is caught by compare-and-set.
    lease.extend(owner).catch(() => undefined);
  }, Math.max(Math.floor(timing.leaseMs / 3), 10));
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await lease.release(owner).catch(() => undefined);
  }
}

async function acquire(lease: Lease, owner: string, timing: LeaseTiming, waitedTooLong: () => StoreError): Promise<void> {
  const deadline = Date.now() + timing.waitMs;
  let pollMs = timing.pollMinMs;
  for (;;) {
    let acquired: boolean;
    try {
      acquired = await lease.tryAcquire(owner);
    } catch (error) {
      // Unanswered is not undone: the attempt may still take effect. A release sent behind it
      // removes such an orphan lease at once instead of leaving everyone to wait it out.
      lease.release(owner).catch(() => undefined);
      throw error;
    }
    if (acquired) return;
    const left = deadline - Date.now();
    if (left <= 0) throw waitedTooLong();
    await sleep(Math.min(left, pollMs * (0.5 + Math.random())));
    pollMs = Math.min(pollMs * 2, timing.pollMaxMs);
  }
}
