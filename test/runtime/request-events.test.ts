/**
 * The event stages (sdk/runtime/request-events.ts) alone: left out without a listener; with one,
 * `request` for every attempt that reaches them (its attempt number and the printed URL) and one
 * `response` per call with the status and the duration on the connection's clock.
 */
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../sdk/http/http-client.js';
import { compose } from '../../sdk/http/pipeline.js';
import { Redactor } from '../../sdk/redact.js';
import type { ActionRequest } from '../../sdk/runtime/action-request.js';
import type { CompiledAction } from '../../sdk/runtime/action.js';
import { createEventSink } from '../../sdk/runtime/event-sink.js';
import { announceAttempts, reportResponses } from '../../sdk/runtime/request-events.js';

const url = new URL('http://127.0.0.1:1/v1/items?api_key=k-123&page=2');
const request = {
  call: { action: { id: 'list-items' } as CompiledAction, scope: {}, origin: url.origin },
  method: 'GET',
  url,
  headers: {},
  maxRedirects: 0,
  responseType: 'buffer',
} as ActionRequest;
const answer = (status: number): HttpResponse => ({ status, headers: {}, body: Buffer.from(''), url, setCookies: [], redirects: [], redirectSetCookies: [], request });
const print = (target: URL) => target.href.replace('k-123', '***');

function sink(events: unknown[], clock: { t: number }) {
  return createEventSink((event) => void events.push(event), 'conn-1', new Redactor(), () => clock.t);
}

describe('request events', () => {
  it('without a listener both stages are left out', () => {
    const off = createEventSink(undefined, 'conn-1', new Redactor(), () => 0);
    expect(announceAttempts(off, print)).toBeUndefined();
    expect(reportResponses(off, print, () => 0)).toBeUndefined();
  });

  it('announces every attempt with its number, and reports the call once with its status and duration', async () => {
    const events: Record<string, unknown>[] = [];
    const clock = { t: 1000 };
    const on = sink(events, clock);
    let calls = 0;
    // Outside: the response report; inside a stage that tries twice: the attempt announcements.
    const twice = (next: (r: ActionRequest) => Promise<HttpResponse>) => async (r: ActionRequest) => {
      await next(r);
      return next({ ...r, attempt: 2 });
    };
    const send = compose<ActionRequest>([reportResponses(on, print, () => clock.t), twice, announceAttempts(on, print)], async () => {
      calls++;
      clock.t += 250;
      return answer(calls === 1 ? 503 : 200);
    });
    expect((await send(request)).status).toBe(200);
    expect(calls).toBe(2);
    expect(events.map(({ at, ...event }) => event)).toEqual([
      { type: 'request', action: 'list-items', method: 'GET', url: 'http://127.0.0.1:1/v1/items?api_key=***&page=2', attempt: 1, connectionId: 'conn-1' },
      { type: 'request', action: 'list-items', method: 'GET', url: 'http://127.0.0.1:1/v1/items?api_key=***&page=2', attempt: 2, connectionId: 'conn-1' },
      { type: 'response', action: 'list-items', method: 'GET', url: 'http://127.0.0.1:1/v1/items?api_key=***&page=2', status: 200, durationMs: 500, connectionId: 'conn-1' },
    ]);
  });

  it('a failed call reports no response', async () => {
    const events: unknown[] = [];
    const on = sink(events, { t: 0 });
    const send = compose<ActionRequest>([reportResponses(on, print, () => 0)], async () => {
      throw new Error('refused');
    });
    await expect(send(request)).rejects.toThrow('refused');
    expect(events).toEqual([]);
  });
});
