/**
 * How often a token endpoint is asked: a request that failed transiently is retried a few times
 * on the shared backoff, and once a renewal has failed that way (or got an answer that is no
 * token answer) the next renewal waits out a cooldown instead of asking again for every call.
 */
import { ConnectorError } from '../errors.js';
import { backoffDelay } from '../http/backoff.js';
import type { AuthContext } from './auth-context.js';
import { isInvalidAnswer, isTransient } from './token-failure.js';

export interface TokenRetryOptions {
  /** Attempts for a token request that failed transiently (5xx, 429, reset, timeout), the first included. */
  attempts: number;
  /** First backoff delay in ms (sdk/http/backoff.ts doubles it each attempt, with jitter). */
  baseDelayMs: number;
}

export const DEFAULT_TOKEN_RETRY: TokenRetryOptions = { attempts: 3, baseDelayMs: 200 };

/** After a renewal failed transiently (retries spent), the next attempt waits this long. */
export const RENEWAL_COOLDOWN_MS = 30_000;

/** Runs `operation`, again after a backoff while it fails with an error `retryable` accepts; each retry is a `token.request_retry` event. */
export async function retryTokenRequest<T>(
  operation: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  options: TokenRetryOptions,
  ctx: Pick<AuthContext, 'emit'>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= options.attempts || !retryable(error)) throw error;
      const delayMs = backoffDelay(attempt, options.baseDelayMs);
      const reason = ConnectorError.isConnectorError(error) ? error.code : 'error';
      ctx.emit({ type: 'token.request_retry', attempt, delayMs, reason });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The last renewal of one connection that failed in a way asking again at once would not mend. */
export class RenewalCooldown {
  readonly #now: () => number;
  #failure: { error: unknown; at: number } | undefined;

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Runs a renewal, unless a cooldown runs (then its failure is thrown again). A success ends the
   * cooldown; an endpoint that is down or answers garbage starts one.
   */
  async run<T>(renewal: () => Promise<T>): Promise<T> {
    const failure = this.#failure;
    if (failure && this.#now() - failure.at < RENEWAL_COOLDOWN_MS) throw failure.error;
    try {
      const result = await renewal();
      this.#failure = undefined;
      return result;
    } catch (error) {
      if (isTransient(error) || isInvalidAnswer(error)) this.#failure = { error, at: this.#now() };
      throw error;
    }
  }
}
