/**
 * The connector's request budget (e.g. snov.io's 60 per minute) as a connection sees it: one
 * budget (sdk/store/rate-budget.ts: in-process, or the store's, across processes) and the key of
 * the connection's scope, with the manifest's limit. A request over budget waits for its place;
 * it never fails for that. The rate-budget stage puts every attempt (retries too) through it,
 * and the retry stage asks it when a 429 comes without Retry-After.
 */
import type { RateLimit } from '../manifest/types.gen.js';
import type { HttpRequest } from '../http/http-client.js';
import type { Stage } from '../http/pipeline.js';
import { untilAborted } from '../abort.js';
import { MemoryRateBudget } from '../store/memory-rate-budget.js';
import { budgetWindowMs, type BudgetLimit, type RateBudget, type RateSlot } from '../store/rate-budget.js';

/**
 * The rate-budget stage: every attempt (retries too) waits for its place in the budget, and
 * tells the budget when its answer came (or it failed), as the API has counted it by then.
 *
 * @example const stage = rateBudget<ActionRequest>(new RateLimiter({ requests: 60, per_seconds: 60 }));
 */
export function rateBudget<R extends HttpRequest>(limiter: RateLimiter | undefined): Stage<R> | undefined {
  return limiter && ((next) => async (request) => {
    const slot = await limiter.acquire(request.signal);
    try {
      return await next(request);
    } finally {
      await slot.answered();
    }
  });
}

/**
 * One budget key with the manifest's limit (its window widened a little: see `budgetWindowMs`).
 *
 * @example
 * const limiter = new RateLimiter({ requests: 10, per_seconds: 2 }, { budget: store.rateBudget(), key });
 * const slot = await limiter.acquire(signal);
 */
export class RateLimiter {
  readonly #budget: RateBudget;
  readonly #key: string;
  readonly #limit: BudgetLimit;

  /** Without a budget, a budget of its own (in-process, real time); without a key, one key of its own. */
  constructor(limit: RateLimit, options: { budget?: RateBudget; key?: string } = {}) {
    this.#budget = options.budget ?? new MemoryRateBudget();
    this.#key = options.key ?? 'default';
    this.#limit = { requests: limit.requests, windowMs: budgetWindowMs(limit.per_seconds) };
  }

  /**
   * Resolves when one more request fits in the budget, and counts it; call the slot's
   * `answered()` when the answer came. An aborted caller stops waiting at once; its turn, when
   * it comes, is given up without being counted.
   */
  acquire(signal?: AbortSignal): Promise<RateSlot> {
    return untilAborted(this.#budget.acquire(this.#key, this.#limit, signal), signal);
  }

  /**
   * The ms until the budget's oldest send leaves the window: when an API that answered 429 has a
   * slot again (at most one window); 0 (the retry's own backoff) when the store cannot say.
   */
  nextSlotMs(): Promise<number> {
    return this.#budget.nextSlotMs(this.#key, this.#limit).catch(() => 0);
  }
}
