/**
 * The request budget both vendors announce as "N calls per minute". Counted in a fixed window that
 * opens with the first request of a key and lasts `perSeconds` (how common PHP and ASP.NET
 * throttles count), so a refused client learns exactly when the window reopens.
 */

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Returns a function that counts one request for `key` and says whether it is within budget.
 * Refused requests do not count.
 *
 * @example
 * const take = createRateLimiter({ requests: 60, perSeconds: 60 }, Date.now);
 * if (!take('client-1').allowed) // answer 429
 */
export function createRateLimiter(limit: RateLimit, now: () => number): (key: string) => RateDecision {
  const windowMs = limit.perSeconds * 1000;
  const windows = new Map<string, { opened: number; used: number }>();
  return (key) => {
    const at = now();
    let window = windows.get(key);
    if (!window || at - window.opened >= windowMs) {
      window = { opened: at, used: 0 };
      windows.set(key, window);
    }
    if (window.used < limit.requests) {
      window.used += 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.opened + windowMs - at) / 1000)) };
  };
}
