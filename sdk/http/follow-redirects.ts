/**
 * The redirect stage: follows up to `maxRedirects` hops by the rules of redirect-policy.ts
 * (credentials stay behind on another origin, no https → http, secret bodies never follow),
 * sending each hop through the rest of the pipeline, so every stage below it (the SSRF guard
 * in the terminal among them) sees every hop. Bodies of the responses that redirected are
 * drained unread.
 */
import type { Readable } from 'node:stream';
import { Exchange } from './exchange.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import type { Stage } from './pipeline.js';
import { isRedirect, redirectHop } from './redirect-policy.js';

export function followRedirects<R extends HttpRequest>(redact: ((text: string) => string) | undefined): Stage<R> {
  // Most requests are not redirected: a continuation that hands the answer on is all they pay.
  return (next) => (request) =>
    request.maxRedirects === 0
      ? next(request)
      : next(request).then((response) => (isRedirect(response.status) ? follow(request, response, next, redact) : response));
}

async function follow<R extends HttpRequest>(
  first: R,
  firstResponse: HttpResponse,
  next: (request: R) => Promise<HttpResponse>,
  redact: ((text: string) => string) | undefined,
): Promise<HttpResponse> {
  const redirects: URL[] = [];
  const redirectSetCookies: string[][] = [];
  let hop = first;
  let response = firstResponse;
  for (;;) {
    const location = response.headers.location;
    if (!isRedirect(response.status) || typeof location !== 'string') break;
    const exchange = new Exchange(hop, redact);
    let nextHop: R | undefined;
    try {
      if (redirects.length === first.maxRedirects) throw exchange.unusable(`it redirected more than ${first.maxRedirects} times`);
      nextHop = redirectHop<R>(exchange, response.status, location);
    } catch (error) {
      discard(response.body);
      throw error;
    }
    if (nextHop === undefined) break;
    discard(response.body);
    redirects.push(hop.url);
    redirectSetCookies.push(response.setCookies);
    hop = nextHop;
    response = await next(hop);
  }
  return { ...response, redirects, redirectSetCookies };
}

/** Frees a body nobody will read; small ones are drained so their socket goes back to the pool. */
function discard(body: Buffer | Readable): void {
  if (Buffer.isBuffer(body)) return;
  const dump = (body as Readable & { dump?: () => Promise<void> }).dump;
  // Failing to drain only costs the socket: the answer is already decided.
  if (typeof dump === 'function') dump.call(body).catch(() => undefined);
  else body.destroy();
}
