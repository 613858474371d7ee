/**
 * The connector's request budget (e.g. snov.io's 60 per minute), per connection: a sliding
 * window of send times. A request over budget waits for the oldest send to leave the window;
 * it never fails. Waiters are served in order.
 */
import type { RateLimit } from '../manifest/types.gen.js';
import type { HttpRequest } from '../http/http-client.js';
import type { Stage } from '../http/pipeline.js';
import { sleep, untilAborted } from '../http/abort.js';

/** The rate-budget stage: every attempt (retries too) waits for its place in the budget. */
export function rateBudget<R extends HttpRequest>(limiter: RateLimiter | undefined): Stage<R> | undefined {
  return limiter && ((next) => (request) => limiter.acquire(request.signal).then(() => next(request)));
}

export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  /** Send times (monotonic ms) of the last `limit` requests, oldest first. */
  readonly #sent: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit, private readonly now: () => number = () => performance.now()) {
    this.#limit = limit.requests;
    // A little wider than the API's window: requests sent just inside it can arrive just outside.
    const windowMs = limit.per_seconds * 1000;
    this.#windowMs = windowMs + Math.min(250, Math.max(50, windowMs * 0.02));
  }

  /**
   * Resolves when one more request fits in the budget, and counts it. An aborted caller stops
   * waiting at once; its turn, when it comes, is given up without being counted.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => (signal?.aborted ? undefined : this.#take()));
    this.#queue = turn;
    return untilAborted(turn, signal);
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.#sent.length > 0 && now - (this.#sent[0] as number) >= this.#windowMs) this.#sent.shift();
      if (this.#sent.length < this.#limit) {
        this.#sent.push(now);
        return;
      }
      const wait = (this.#sent[0] as number) + this.#windowMs - now;
      await sleep(Math.max(1, Math.ceil(wait)));
    }
  }
}
