/**
 * Which redirects the client follows and what travels along (fetch's rules, made stricter):
 * 301/302 turn POST into GET and 303 turns anything but HEAD into GET, dropping the body; a
 * kept body is only re-sent if it can be (a string or bytes, never a consumed stream); leaving
 * the origin drops every credential header for the rest of the journey, and a body that would
 * follow it there is refused when it holds a secret (a password or a token in a POST re-sent by
 * 307/308); https never leads to http.
 */
import type { Exchange } from './exchange.js';
import type { HttpRequest } from './http-client.js';
import { withoutHeaders } from './headers.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Dropped on every cross-origin hop (undici's list, plus host, which names the old origin). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'host'];
/** Headers that describe a body, dropped with it (fetch's request-body-header names). */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location', 'transfer-encoding'];

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * The hop a redirect leads to, or undefined when it cannot be followed because the body cannot
 * be sent again (the 3xx is then the answer). Throws ResponseError for a Location that is not a
 * URL, and RequestRefusedError for an https → http downgrade or a secret body leaving the origin.
 */
export function redirectHop<R extends HttpRequest>(exchange: Exchange, status: number, location: string): R | undefined {
  const from = exchange.request as R;
  let url: URL;
  try {
    url = new URL(location, from.url);
  } catch {
    throw exchange.unusable(`it answered ${status} with a Location that is not a URL`);
  }
  if (from.url.protocol === 'https:' && url.protocol === 'http:') {
    throw exchange.refused(`it redirected from https to http (${exchange.describe(url)})`);
  }
  let { method, headers, body } = from;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    headers = withoutHeaders(headers, BODY_HEADERS);
  } else if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    return undefined;
  }
  if (url.origin !== from.url.origin) {
    if (holdsSecret(exchange.request, body)) {
      throw exchange.refused(
        `it redirected to another origin with ${status} (${exchange.describe(url)}); the request body holds a credential, ` +
          'so it is not sent there (if that origin is trusted, request it directly)',
      );
    }
    const { credentialHeaders = [], isSecretHeader } = exchange.request;
    headers = withoutHeaders(headers, [...CREDENTIAL_HEADERS, ...credentialHeaders], isSecretHeader);
  }
  return { ...from, method, url, headers, body };
}

const utf8 = new TextDecoder();

/** A kept body counts as secret unless the request can tell (`isSecretBody`) and says it is not. */
function holdsSecret(request: HttpRequest, body: HttpRequest['body']): boolean {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return false;
  if (body.length === 0) return false;
  const text = typeof body === 'string' ? body : utf8.decode(body);
  return request.isSecretBody?.(text) ?? true;
}
