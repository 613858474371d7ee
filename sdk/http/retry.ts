/**
 * The retry stage of action requests. 429 and 503 honour Retry-After (seconds or an HTTP date): the
 * server says it did not act. Other 5xx, resets and timeouts after the request was sent may
 * have been acted on, so only idempotent requests retry them. Attempts and total time are
 * bounded; a Retry-After beyond the time left returns the response as it is. A 429 without
 * Retry-After from an API with a declared rate limit waits for the budget's next slot (the hook
 * `throttledDelayMs`): a fixed backoff cannot help against a window of a minute.
 */
import { NetworkError, TimeoutError } from '../errors.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import { sleep } from '../abort.js';
import { backoffDelay } from './backoff.js';
import type { Send, Stage } from './pipeline.js';

export interface RetryOptions {
  maxAttempts: number;
  maxElapsedMs: number;
  baseDelayMs: number;
  idempotent: boolean;
  /**
   * A 429 without Retry-After: the ms until the rate budget frees a slot the API has freed too
   * (at most one window); 0 or absent falls back to the backoff.
   */
  throttledDelayMs?(): Promise<number>;
  onRetry?(info: { attempt: number; delayMs: number; reason: string }): void;
}


export function retry<R extends HttpRequest>(options: RetryOptions): Stage<R> {
  // The first attempt is a continuation, not an async function: most answers are final, and
  // then handing them on is all there is to pay. The loop takes over from the first that is not.
  return (next) => (request) => {
    const started = performance.now();
    return send(next, request).then(
      (response) => (isFinal(response) ? response : sendWithRetry(next, request, options, started, { response })),
      (failure: unknown) => sendWithRetry(next, request, options, started, { failure }),
    );
  };
}

/** What one attempt came to. */
interface Outcome {
  response?: HttpResponse;
  failure?: unknown;
}

/** A response that is neither 429 nor 5xx is the answer. */
function isFinal(response: HttpResponse): boolean {
  return response.status < 500 && response.status !== 429;
}

/** A stage below that throws instead of rejecting fails the attempt all the same. */
function send<R extends HttpRequest>(next: Send<R>, request: R): Promise<HttpResponse> {
  try {
    return next(request);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** From the first attempt's outcome on: wait as planned and send again, until an answer is final or a bound is reached. */
async function sendWithRetry<R extends HttpRequest>(next: Send<R>, request: R, options: RetryOptions, started: number, first: Outcome): Promise<HttpResponse> {
  let outcome = first;
  for (let attempt = 1; ; attempt++) {
    const { response, failure } = outcome;
    if (response !== undefined && isFinal(response)) return response;
    let plan = retryPlan(response, failure, attempt, options);
    if (plan?.throttled && options.throttledDelayMs) {
      const slotMs = await options.throttledDelayMs();
      if (slotMs > 0) plan = { ...plan, delayMs: slotMs };
    }
    const elapsed = performance.now() - started;
    if (!plan || attempt >= options.maxAttempts || elapsed + plan.delayMs > options.maxElapsedMs) {
      if (response) return response;
      throw failure;
    }
    if (response && !Buffer.isBuffer(response.body)) response.body.destroy();
    options.onRetry?.({ attempt, delayMs: plan.delayMs, reason: plan.reason });
    await sleep(plan.delayMs, request.signal);
    // Only a retried request is copied (assigned: `attempt` is a key the first lacks); the first attempt sent the request as it is.
    outcome = await send(next, Object.assign({}, request, { attempt: attempt + 1 })).then(
      (answer): Outcome => ({ response: answer }),
      (error: unknown): Outcome => ({ failure: error }),
    );
  }
}

function retryPlan(
  response: HttpResponse | undefined,
  failure: unknown,
  attempt: number,
  options: RetryOptions,
): { delayMs: number; reason: string; throttled?: boolean } | undefined {
  const backoff = () => backoffDelay(attempt, options.baseDelayMs);
  if (response) {
    const { status } = response;
    if (status === 429 || status === 503) {
      const after = retryAfterMs(response.headers['retry-after']);
      return { delayMs: Math.round(after ?? backoff()), reason: `status ${status}`, throttled: status === 429 && after === undefined };
    }
    if (status >= 500 && status <= 599 && options.idempotent) return { delayMs: backoff(), reason: `status ${status}` };
    return undefined;
  }
  if (failure instanceof NetworkError && failure.retryable && (!failure.sent || options.idempotent)) {
    return { delayMs: backoff(), reason: failure.code };
  }
  if (failure instanceof TimeoutError && (failure.phase === 'connect' || options.idempotent)) {
    return { delayMs: backoff(), reason: failure.code };
  }
  return undefined;
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date names its month; Date.parse would also take "1.5" or "-5" for a date.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
