/**
 * The `request` variable of signing templates (auth type request_signature): the hop about to
 * go out, as a signature scheme canonicalises it. Built once per hop by the signing stage, after
 * every other stage built the request, so what a template signs is exactly what is sent. All but
 * the plain URL parts are computed only when a template reads them (a getter is an own property,
 * which is all the template engine may read).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SignableRequest } from './request-signer.js';
import type { REQUEST_VIEW_FIELDS } from '../template/request-fields.js';

export type RequestView = Readonly<Record<(typeof REQUEST_VIEW_FIELDS)[number], string | number>>;

/**
 * @example
 * const view = requestView({ method: 'GET', url: new URL('https://api.example.com/v1/users?b=2&a=1'), headers: {}, body: new Uint8Array(), now: 0 });
 * view.canonical_query; // 'a=1&b=2'
 * view.date;            // 'Thu, 01 Jan 1970 00:00:00 GMT'
 */
export function requestView(request: SignableRequest): RequestView {
  const { url, body } = request;
  const view: Record<string, string | number> = {
    method: request.method.toUpperCase(),
    scheme: url.protocol.slice(0, -1),
    host: url.host.toLowerCase(),
    hostname: url.hostname.toLowerCase(),
    path: url.pathname,
    query: url.search.slice(1),
    timestamp: Math.floor(request.now / 1000),
    timestamp_ms: request.now,
  };
  // A scheme reads a few of these: each is computed on first read, once per hop.
  const text = lazy(view, 'body', () => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  lazy(view, 'canonical_query', () => canonicalParams(url.searchParams));
  lazy(view, 'canonical_form', () => (isForm(request.headers) ? canonicalParams(new URLSearchParams(text())) : ''));
  lazy(view, 'date', () => new Date(request.now).toUTCString());
  lazy(view, 'iso8601', () => `${new Date(request.now).toISOString().slice(0, 19)}Z`);
  lazy(view, 'nonce', () => randomBytes(16).toString('hex'));
  for (const algorithm of ['sha256', 'sha512'] as const) lazy(view, `body_${algorithm}`, () => createHash(algorithm).update(body).digest('hex'));
  return Object.freeze(view) as RequestView;
}

/** Defines `name` as an own, enumerable getter computing its value once; returns that getter. */
function lazy(view: Record<string, string | number>, name: string, compute: () => string): () => string {
  let value: string | undefined;
  const get = () => (value ??= compute());
  Object.defineProperty(view, name, { enumerable: true, get });
  return get;
}

/** RFC 3986 percent-encoding: everything but the unreserved characters (stricter than encodeURIComponent). */
export function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parameters sorted by name, then value (code unit order), each strictly encoded, joined with `&`. */
function canonicalParams(params: URLSearchParams): string {
  return [...params]
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${strictEncode(name)}=${strictEncode(value)}`)
    .join('&');
}

function isForm(headers: Readonly<Record<string, string>>): boolean {
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  return type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}
