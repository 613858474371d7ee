/**
 * A loopback API that enforces a rate limit the way the tests' manifests declare it: a strict
 * sliding window on arrival time (at most `requests` accepted in any `windowMs`), answering 429
 * without Retry-After when over, as snov.io-like APIs do. It checks the API key every request
 * carries (401 otherwise) and records each arrival, so a test can count 429s and requests exactly.
 */
import { startLoopback, type Loopback } from '../http/loopback.js';

export interface Arrival {
  /** performance.now() at arrival. */
  at: number;
  status: number;
}

export interface RateLimitedApi extends Loopback {
  arrivals: Arrival[];
  /** Requests answered 429. */
  throttled(): number;
  /** Most requests accepted within any window (≤ requests unless the server is broken). */
  busiestWindow(): number;
}

/** Starts the API on 127.0.0.1: `GET /v1/items` with header `X-Key: <apiKey>` answers `{ data: { ok: true } }`. */
export async function startRateLimitedApi(limit: { requests: number; windowMs: number }, apiKey: string): Promise<RateLimitedApi> {
  const arrivals: Arrival[] = [];
  const accepted: number[] = [];
  const loopback = await startLoopback((req, res) => {
    const at = performance.now();
    const inWindow = accepted.filter((sent) => at - sent < limit.windowMs).length;
    let status = 200;
    if (req.url !== '/v1/items' || req.headers['x-key'] !== apiKey) status = 401;
    else if (inWindow >= limit.requests) status = 429;
    else accepted.push(at);
    arrivals.push({ at, status });
    const body = JSON.stringify(status === 200 ? { data: { ok: true } } : { error: status === 429 ? 'rate_limited' : 'unauthorized' });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  return {
    ...loopback,
    arrivals,
    throttled: () => arrivals.filter((arrival) => arrival.status === 429).length,
    busiestWindow: () => Math.max(0, ...accepted.map((start) => accepted.filter((at) => at >= start && at - start < limit.windowMs).length)),
  };
}
