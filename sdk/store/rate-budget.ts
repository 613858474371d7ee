/**
 * A request budget shared by everyone using one store: the contract every implementation keeps
 * (in-process, Redis, PostgreSQL), and the two things they must agree on — how a budget is named
 * (a SHA-256 of its scope, since an account key may be a credential) and how much wider than the
 * API's window a budget keeps its sends. The semantics are a strict sliding window: at most
 * `requests` sends in any `windowMs`, never a token bucket, which would let a burst's next
 * request through early. A send is counted when its slot is taken and counted again, later,
 * when its answer came (`RateSlot.answered`): by then the API has certainly counted it, so a
 * request slowed on its way (a first connection's handshake, a loaded host) cannot make the
 * next window's requests arrive inside the API's window of it.
 */
import { createHash } from 'node:crypto';

/**
 * How many sends a budget allows in any window of `windowMs` milliseconds.
 *
 * @example const limit: BudgetLimit = { requests: 60, windowMs: 60_000 };
 */
export interface BudgetLimit {
  requests: number;
  windowMs: number;
}

/**
 * A slot taken in a budget. `answered()` moves its send time to now (the budget's clock), once
 * the API's answer arrived; it never rejects (a slot it could not move keeps its send time).
 *
 * @example const slot = await budget.acquire(key, limit); try { await send(); } finally { await slot.answered(); }
 */
export interface RateSlot {
  answered(): Promise<void>;
}

/**
 * One budget per key, shared by everyone holding the same budget object (in-process) or the same
 * store (Redis, PostgreSQL). Keys are opaque (see `rateBudgetKey`); the limit travels with each call.
 *
 * @example
 * const budget = store.rateBudget?.() ?? new MemoryRateBudget();
 * const slot = await budget.acquire(rateBudgetKey(['connection', 'snov-io', 'tenant-42']), { requests: 60, windowMs: 60_250 }, signal);
 */
export interface RateBudget {
  /**
   * Resolves with the slot once a send is counted in the budget; waits while the window is full (never fails
   * for that). An aborted caller rejects with the AbortError at once and takes no slot. Store
   * failures reject with a StoreError.
   */
  acquire(key: string, limit: BudgetLimit, signal?: AbortSignal): Promise<RateSlot>;
  /**
   * Milliseconds until the oldest send the budget knows of leaves the window (0 when the budget
   * holds none): the earliest the API, which counted that send too, frees a slot. At most one window.
   */
  nextSlotMs(key: string, limit: BudgetLimit): Promise<number>;
}

/**
 * The name of a budget: the SHA-256 (hex) of its scope's parts, so a credential used as an
 * account key never names anything in a store or a log.
 *
 * @example rateBudgetKey(['account', 'snov-io', credentials.client_id]) // '3f2a…' (64 hex digits)
 */
export function rateBudgetKey(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The window a budget keeps for an API window of `perSeconds`: a little wider, because requests
 * sent just inside the window can arrive just outside it (50 ms to 250 ms, 2 % in between).
 *
 * @example budgetWindowMs(60) // 60_250
 */
export function budgetWindowMs(perSeconds: number): number {
  const windowMs = perSeconds * 1000;
  return windowMs + Math.min(250, Math.max(50, windowMs * 0.02));
}
