/**
 * The event stages of an action request: `request` for every attempt (inside the retry stage,
 * after the rate budget let it go) and `response` once per call with its whole duration
 * (outside the retry stage). Absent when nobody listens, so they cost nothing then.
 */
import type { Stage } from '../http/pipeline.js';
import type { EventSink } from './event-sink.js';
import type { ActionRequest } from './action-request.js';

/** How a connection prints a URL in events: credential query values masked, secrets redacted. */
export type PrintUrl = (url: URL) => string;

export function announceAttempts(events: EventSink, print: PrintUrl): Stage<ActionRequest> | undefined {
  if (!events.enabled) return undefined;
  return (next) => (request) => {
    const { id } = request.call.action;
    events.emit({ type: 'request', action: id, method: request.method, url: print(request.url), attempt: request.attempt ?? 1 });
    return next(request);
  };
}

export function reportResponses(events: EventSink, print: PrintUrl, now: () => number): Stage<ActionRequest> | undefined {
  if (!events.enabled) return undefined;
  return (next) => async (request) => {
    const started = now();
    const response = await next(request);
    const { id } = request.call.action;
    events.emit({ type: 'response', action: id, method: request.method, url: print(request.url), status: response.status, durationMs: now() - started });
    return response;
  };
}
