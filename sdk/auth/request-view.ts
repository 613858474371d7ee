/**
 * The `request` variable of signing templates (auth type request_signature): the hop about to
 * go out, as a signature scheme canonicalises it. Built once per hop by the signing stage, after
 * every other stage built the request, so what a template signs is exactly what is sent.
 *
 * A view holds only the fields the manifest's templates read (known when they are compiled), as
 * plain own properties: a scheme reads a few of the sixteen, and a hash or a nonce nobody reads
 * is not computed. (Lazy getters, defined per hop, cost more than every field they saved: about
 * 30 µs per request in the bench.)
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SignableRequest } from './request-signer.js';
import { isRequestViewField, REQUEST_VIEW_FIELDS, type RequestViewField } from '../template/request-fields.js';

export type RequestView = Readonly<Partial<Record<RequestViewField, string | number>>>;

const bodyText = ({ body }: SignableRequest): string => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');

/** How each field is computed from the hop. */
const FIELDS: Readonly<Record<RequestViewField, (request: SignableRequest) => string | number>> = {
  method: (request) => request.method.toUpperCase(),
  scheme: ({ url }) => url.protocol.slice(0, -1),
  host: ({ url }) => url.host.toLowerCase(),
  hostname: ({ url }) => url.hostname.toLowerCase(),
  path: ({ url }) => url.pathname,
  query: ({ url }) => url.search.slice(1),
  canonical_query: ({ url }) => canonicalParams(url.searchParams),
  canonical_form: (request) => (isForm(request.headers) ? canonicalParams(new URLSearchParams(bodyText(request))) : ''),
  body: bodyText,
  body_sha256: ({ body }) => createHash('sha256').update(body).digest('hex'),
  body_sha512: ({ body }) => createHash('sha512').update(body).digest('hex'),
  timestamp: ({ now }) => Math.floor(now / 1000),
  timestamp_ms: ({ now }) => now,
  date: ({ now }) => utcDate(now),
  iso8601: ({ now }) => iso8601(now),
  nonce: () => randomBytes(16).toString('hex'),
};

/**
 * A date text of second resolution, made once per second: `toUTCString` cost 0.47 µs a call
 * (bench), and every signed hop of a Duo-style scheme reads one.
 */
function perSecond(format: (seconds: number) => string): (nowMs: number) => string {
  let second = NaN;
  let text = '';
  return (nowMs) => {
    const current = Math.floor(nowMs / 1000);
    if (current !== second) {
      text = format(current);
      second = current;
    }
    return text;
  };
}

const utcDate = perSecond((seconds) => new Date(seconds * 1000).toUTCString());
const iso8601 = perSecond((seconds) => `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`);

/**
 * The view builder for templates that read `fields` (all of them by default): each field is
 * computed once per hop, when the view is built.
 *
 * @example
 * const view = requestViewOf(['canonical_query', 'date'])({ method: 'GET', url: new URL('https://api.example.com/v1/users?b=2&a=1'), headers: {}, body: new Uint8Array(), now: 0 });
 * view.canonical_query; // 'a=1&b=2'
 * view.date;            // 'Thu, 01 Jan 1970 00:00:00 GMT'
 */
export function requestViewOf(fields: readonly RequestViewField[] = REQUEST_VIEW_FIELDS): (request: SignableRequest) => RequestView {
  const computed = [...new Set(fields)].map((name) => [name, FIELDS[name]] as const);
  return (request) => {
    const view: Partial<Record<RequestViewField, string | number>> = {};
    for (const [name, compute] of computed) view[name] = compute(request);
    return view;
  };
}

/**
 * The fields of `request` that templates with these variables read (templateVariables' segments):
 * every field when one reads `request` whole or by a computed name.
 *
 * @example
 * requestFieldsRead([['request', 'date'], ['credentials', 'secret']]); // ['date']
 */
export function requestFieldsRead(variables: readonly (readonly string[])[]): RequestViewField[] {
  const read = new Set<RequestViewField>();
  for (const [root, field] of variables) {
    if (root !== 'request') continue;
    if (field === undefined || !isRequestViewField(field)) return [...REQUEST_VIEW_FIELDS];
    read.add(field);
  }
  return [...read];
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
