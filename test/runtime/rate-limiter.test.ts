/**
 * The rate budget (sdk/runtime/rate-limiter.ts) alone: requests within the budget go at once,
 * the next waits until the oldest send leaves the window, waiters go in order, every attempt
 * through the stage takes a place, and an aborted waiter stops waiting at once. Windows are a
 * few tens of milliseconds; only lower bounds and orders are asserted, never how soon.
 */
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../sdk/http/http-client.js';
import { RateLimiter, rateBudget } from '../../sdk/runtime/rate-limiter.js';

const request: HttpRequest = { method: 'GET', url: new URL('http://127.0.0.1:1/x'), headers: {}, maxRedirects: 0, responseType: 'buffer' };
const answer: HttpResponse = { status: 200, headers: {}, body: Buffer.from(''), url: request.url, setCookies: [], redirects: [], redirectSetCookies: [], request };

/** 0.03 s windows: the limiter widens each by 50 ms, so a place frees 80 ms after a send. */
const WINDOW = { requests: 2, per_seconds: 0.03 };
const WIDENED_MS = 80;

describe('RateLimiter', () => {
  it('lets the budget go at once, then each next request when the oldest send leaves the window', async () => {
    const limiter = new RateLimiter(WINDOW);
    const started = performance.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 3 }, () => limiter.acquire().then(() => at.push(performance.now() - started))));
    expect(at).toHaveLength(3);
    expect(at[2]!).toBeGreaterThanOrEqual(WIDENED_MS - 1);
  });

  it('serves waiters in the order they came', async () => {
    const limiter = new RateLimiter({ requests: 1, per_seconds: 0.01 });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => limiter.acquire().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('an aborted waiter rejects with the AbortError at once; the waiter after it still gets its place', async () => {
    const limiter = new RateLimiter({ requests: 1, per_seconds: 0.01 });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort('gone');
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', cause: 'gone' });
    await expect(next).resolves.toMatchObject({ answered: expect.any(Function) });
  });
});

describe('rateBudget', () => {
  it('is left out without a limit', () => {
    expect(rateBudget(undefined)).toBeUndefined();
  });

  it('every request through the stage takes a place before it is sent', async () => {
    const limiter = new RateLimiter({ requests: 1, per_seconds: 0.03 });
    const sentAt: number[] = [];
    const send = rateBudget<HttpRequest>(limiter)!(async () => {
      sentAt.push(performance.now());
      return answer;
    });
    await send(request);
    await send(request);
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(WIDENED_MS - 1);
  });
});
