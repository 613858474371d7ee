/**
 * The shape of the request path: a request passes a list of stages, each a function of the next
 * one (undici's interceptor style), down to a terminal that sends one hop. A stage may change
 * the request it passes on, send it more than once (retry, redirects, a renewed token), or
 * change the response on its way back. Stages are generic over the request type so the
 * transport's own stages compose with a connection's, whose requests carry more.
 */
import type { HttpRequest, HttpResponse } from './http-client.js';

export type Send<R extends HttpRequest = HttpRequest> = (request: R) => Promise<HttpResponse>;
export type Stage<R extends HttpRequest = HttpRequest> = (next: Send<R>) => Send<R>;

/**
 * One Send from a list of stages, outermost first; `undefined` entries (a stage the connection
 * does not need, say no rate limit) are skipped, so they cost nothing per request.
 */
export function compose<R extends HttpRequest>(stages: readonly (Stage<R> | undefined)[], terminal: Send<R>): Send<R> {
  let send = terminal;
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i];
    if (stage !== undefined) send = stage(send);
  }
  return send;
}
