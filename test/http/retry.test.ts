/**
 * The retry stage (sdk/http/retry.ts) alone, over a scripted terminal: which answers and
 * failures it retries (429 and 503 always, other 5xx and sent-request failures only when
 * idempotent), Retry-After, the attempt and time bounds, the retried request's `attempt`, the
 * onRetry reports, and the exact number of terminal calls. Delays are 0–1 ms (base 0, small
 * Retry-After dates in the past): nothing here waits on a timer a loaded machine could miss.
 */
import { describe, expect, it } from 'vitest';
import { NetworkError, TimeoutError } from '../../sdk/errors.js';
import type { HttpRequest, HttpResponse } from '../../sdk/http/http-client.js';
import { retry, retryAfterMs, type RetryOptions } from '../../sdk/http/retry.js';

const request: HttpRequest = { method: 'POST', url: new URL('http://127.0.0.1:1/x'), headers: {}, maxRedirects: 0, responseType: 'buffer' };

function answer(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: Buffer.from(''), url: request.url, setCookies: [], redirects: [], redirectSetCookies: [], request };
}

type Step = HttpResponse | Error;

/** Sends through the retry stage to a terminal that plays `script` in order, the last step repeating. */
async function play(script: Step[], options: Partial<RetryOptions> = {}) {
  const received: HttpRequest[] = [];
  const reports: { attempt: number; delayMs: number; reason: string }[] = [];
  const send = retry<HttpRequest>({ maxAttempts: 3, maxElapsedMs: 10_000, baseDelayMs: 0, idempotent: false, onRetry: (info) => reports.push(info), ...options })(async (sent) => {
    received.push(sent);
    const step = script[Math.min(received.length - 1, script.length - 1)]!;
    if (step instanceof Error) throw step;
    return step;
  });
  const outcome = await send(request).then(
    (response) => ({ status: response.status }),
    (error: unknown) => ({ error }),
  );
  return { outcome, received, reports };
}

const reset = (sent: boolean) => new NetworkError('POST', 'http://127.0.0.1:1/x', 'connection reset (ECONNRESET)', sent);

describe('retry', () => {
  it('a 2xx or 4xx answer is returned at once: 1 call, no report', async () => {
    for (const status of [200, 404, 401]) {
      const { outcome, received, reports } = await play([answer(status)]);
      expect(outcome).toEqual({ status });
      expect(received).toHaveLength(1);
      expect(reports).toEqual([]);
    }
  });

  it('429 and 503 are retried even when not idempotent (the server says it did not act)', async () => {
    for (const status of [429, 503]) {
      const { outcome, received, reports } = await play([answer(status), answer(200)]);
      expect(outcome).toEqual({ status: 200 });
      expect(received).toHaveLength(2);
      expect(reports).toEqual([{ attempt: 1, delayMs: 0, reason: `status ${status}` }]);
    }
  });

  it('other 5xx are retried only when idempotent', async () => {
    expect((await play([answer(500), answer(200)])).received).toHaveLength(1);
    const idempotent = await play([answer(502), answer(200)], { idempotent: true });
    expect(idempotent.outcome).toEqual({ status: 200 });
    expect(idempotent.received).toHaveLength(2);
  });

  it('the first attempt goes as it is; a retry is a copy carrying its attempt number', async () => {
    const { received } = await play([answer(503), answer(503), answer(200)]);
    expect(received[0]).toBe(request);
    expect(received.slice(1).map((sent) => [sent === request, sent.attempt, sent.url])).toEqual([
      [false, 2, request.url],
      [false, 3, request.url],
    ]);
  });

  it('stops at maxAttempts and returns the last answer as it is', async () => {
    const { outcome, received, reports } = await play([answer(503)], { maxAttempts: 3 });
    expect(outcome).toEqual({ status: 503 });
    expect(received).toHaveLength(3);
    expect(reports.map((report) => report.attempt)).toEqual([1, 2]);
  });

  it('a Retry-After beyond the time left returns the answer without waiting', async () => {
    const { outcome, received, reports } = await play([answer(429, { 'retry-after': '3600' }), answer(200)], { maxElapsedMs: 60_000 });
    expect(outcome).toEqual({ status: 429 });
    expect(received).toHaveLength(1);
    expect(reports).toEqual([]);
  });

  it('Retry-After is the delay reported (an HTTP date already past waits 0 ms)', async () => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    const { reports } = await play([answer(503, { 'retry-after': past }), answer(200)]);
    expect(reports).toEqual([{ attempt: 1, delayMs: 0, reason: 'status 503' }]);
  });

  it('a reset before the request was sent is retried; after it was sent, only when idempotent', async () => {
    const before = await play([reset(false), answer(200)]);
    expect(before.outcome).toEqual({ status: 200 });
    expect(before.reports).toEqual([{ attempt: 1, delayMs: 0, reason: 'CONNECTOR_NETWORK_FAILED' }]);
    const after = await play([reset(true), answer(200)]);
    expect(after.outcome).toEqual({ error: expect.any(NetworkError) });
    expect(after.received).toHaveLength(1);
    expect((await play([reset(true), answer(200)], { idempotent: true })).received).toHaveLength(2);
  });

  it('a failure trying again cannot help (TLS refused) is thrown at once', async () => {
    const tls = new NetworkError('POST', 'http://127.0.0.1:1/x', 'TLS handshake failed (ERR_TLS_CERT_ALTNAME_INVALID)', false, false);
    const { outcome, received } = await play([tls, answer(200)], { idempotent: true });
    expect(outcome).toEqual({ error: tls });
    expect(received).toHaveLength(1);
  });

  it('a connect timeout is retried; a headers timeout only when idempotent', async () => {
    const connect = new TimeoutError('POST', 'http://127.0.0.1:1/x', 'connect', 10);
    const headers = new TimeoutError('POST', 'http://127.0.0.1:1/x', 'headers', 10);
    expect((await play([connect, answer(200)])).received).toHaveLength(2);
    expect((await play([headers, answer(200)])).received).toHaveLength(1);
    expect((await play([headers, answer(200)], { idempotent: true })).received).toHaveLength(2);
  });

  it('any other error is thrown at once, as it is', async () => {
    const odd = new Error('not a transport failure');
    const { outcome, received } = await play([odd, answer(200)], { idempotent: true });
    expect(outcome).toEqual({ error: odd });
    expect(received).toHaveLength(1);
  });

  it('a retry waiting on a signal that fires rejects with the AbortError, with no further attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const send = retry<HttpRequest>({ maxAttempts: 3, maxElapsedMs: 120_000, baseDelayMs: 0, idempotent: true, onRetry: () => controller.abort('stop') })(async () => {
      calls++;
      return answer(503, { 'retry-after': '60' });
    });
    await expect(send({ ...request, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError', cause: 'stop' });
    expect(calls).toBe(1);
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates; anything else is absent', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(['5', '9'], now)).toBe(5000);
    expect(retryAfterMs('Thu, 03 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 11:00:00 GMT', now)).toBe(0);
    for (const value of [undefined, '', '  ', 'soon', '-5', '1.5']) expect(retryAfterMs(value, now)).toBeUndefined();
  });
});
