/**
 * The in-process rate budget: per key, a sliding log of send times and a queue, so waiters are
 * served in the order they came. Time comes from an injected timer, so a virtual clock (the test
 * kit's, a host's tests) plays the budget without real waiting. Used with a MemoryTokenStore, a
 * FileTokenStore (within one process only) and when no store is given.
 */
import { sleep, untilAborted } from '../abort.js';
import type { BudgetLimit, RateBudget, RateSlot } from './rate-budget.js';

/**
 * The budget's sense of time: `now()` in milliseconds (any origin, but one clock) and a wait on
 * that same clock. A virtual clock's `sleep` moves its time forward instead of waiting.
 *
 * @example const virtual: BudgetTimer = { now: () => ms, sleep: async (wait) => void (ms += wait) };
 */
export interface BudgetTimer {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Real, monotonic time: a wall-clock step (NTP) neither frees nor blocks slots.
 *
 * @example const budget = new MemoryRateBudget(MONOTONIC_TIMER);
 */
export const MONOTONIC_TIMER: BudgetTimer = { now: () => performance.now(), sleep };

interface KeyState {
  /** Send times of the sends still in the window, oldest first (an answered send moves to the end). */
  sent: { at: number }[];
  /** The last waiter's turn: the next waiter goes after it. */
  queue: Promise<void>;
}

/**
 * A RateBudget within one process: every connection holding the same object shares its keys.
 *
 * @example
 * const budget = new MemoryRateBudget();
 * await budget.acquire('tenant-42', { requests: 10, windowMs: 2_050 });
 */
export class MemoryRateBudget implements RateBudget {
  readonly #timer: BudgetTimer;
  readonly #keys = new Map<string, KeyState>();

  constructor(timer: BudgetTimer = MONOTONIC_TIMER) {
    this.#timer = timer;
  }

  acquire(key: string, limit: BudgetLimit, signal?: AbortSignal): Promise<RateSlot> {
    const state = this.#state(key);
    // A waiter aborted before its turn gives the turn up without taking a slot.
    const turn = state.queue.then(() => (signal?.aborted ? undefined : this.#take(state, limit, signal)));
    state.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return untilAborted(turn, signal).then((entry) => this.#slot(state, entry));
  }

  nextSlotMs(key: string, limit: BudgetLimit): Promise<number> {
    const state = this.#keys.get(key);
    const now = this.#timer.now();
    const oldest = state?.sent.find((entry) => now - entry.at < limit.windowMs);
    return Promise.resolve(oldest === undefined ? 0 : Math.ceil(oldest.at + limit.windowMs - now));
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (!state) {
      state = { sent: [], queue: Promise.resolve() };
      this.#keys.set(key, state);
    }
    return state;
  }

  /** Moves an answered send to now: the end of the log, which stays in time order (now is the latest). */
  #slot(state: KeyState, entry: { at: number } | undefined): RateSlot {
    return {
      answered: () => {
        // From the end: a send is answered soon after it was taken, behind few others.
        const index = entry ? state.sent.lastIndexOf(entry) : -1;
        if (entry && index >= 0) {
          state.sent.splice(index, 1);
          entry.at = this.#timer.now();
          state.sent.push(entry);
        }
        return Promise.resolve();
      },
    };
  }

  async #take(state: KeyState, limit: BudgetLimit, signal: AbortSignal | undefined): Promise<{ at: number }> {
    for (;;) {
      const now = this.#timer.now();
      while (state.sent.length > 0 && now - (state.sent[0] as { at: number }).at >= limit.windowMs) state.sent.shift();
      if (state.sent.length < limit.requests) {
        const entry = { at: now };
        state.sent.push(entry);
        return entry;
      }
      await this.#timer.sleep(Math.max(1, Math.ceil((state.sent[0] as { at: number }).at + limit.windowMs - now)), signal);
    }
  }
}
