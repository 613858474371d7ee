/**
 * A connection's cookie jar as plain data (it is saved inside the token record): RFC 6265 §5.3
 * storage (public suffixes by the Public Suffix List, through tldts) and §5.4 retrieval, with the
 * rfc6265bis rules that matter to an API client (size cap, Secure only from https,
 * `__Host-`/`__Secure-` prefixes, 400-day cap). Pure functions: no I/O, the clock is passed in,
 * and the jar given is never mutated.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { publicSuffixOf } from '../public-suffix.js';
import type { ParsedCookie } from '../extract/cookie.js';

/**
 * A cookie a connection keeps in its token record (`TokenRecord.cookies`), as RFC 6265bis stores it.
 *
 * @example
 * const cookie: StoredCookie = { name: 'dwingressplatform', value: '…', domain: 'acme.docuware.cloud', hostOnly: true, path: '/', secure: true, httpOnly: true, createdAt: Date.UTC(2026, 0, 1) };
 */
export interface StoredCookie {
  name: string;
  value: string;
  /** Canonical (lower-case, ASCII) host or domain, without a leading dot. */
  domain: string;
  /** true: sent to `domain` exactly; false: to `domain` and its subdomains. */
  hostOnly: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  /** Epoch ms; undefined = session cookie. */
  expiresAt?: number;
  createdAt: number;
}

/** rfc6265bis §5.7: a longer name+value is ignored. */
const MAX_NAME_VALUE_BYTES = 4096;
/** rfc6265bis §5.6.1/§5.6.2: Expires and Max-Age are capped at 400 days. */
const MAX_LIFETIME_MS = 400 * 24 * 60 * 60 * 1000;
/** rfc6265bis §5.6 step 3: control characters (HTAB aside) make the whole cookie ignored. */
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;
/** A connection talks to a few hosts; the cap keeps a hostile server from bloating the token record (RFC 6265 §6.1). */
const MAX_COOKIES = 100;

/**
 * Stores the cookies one response set for `requestUrl`, returning the new jar (expired cookies
 * evicted). Cookies the rules refuse are skipped silently, as a user agent does.
 *
 * @example jar = storeCookies(jar, parseSetCookies(response.setCookies), response.url, Date.now())
 */
export function storeCookies(jar: readonly StoredCookie[], cookies: ParsedCookie[], requestUrl: URL, now: number): StoredCookie[] {
  let next = pruneExpired(jar, now);
  for (const cookie of cookies) {
    const stored = toStoredCookie(cookie, requestUrl, now);
    if (stored === undefined) continue;
    const old = next.find((c) => c.name === stored.name && c.domain === stored.domain && c.path === stored.path);
    // §5.3 step 11: the replacement keeps the old creation time (it orders the Cookie header).
    if (old) stored.createdAt = old.createdAt;
    next = next.filter((c) => c !== old);
    // Max-Age ≤ 0 or a past Expires: the cookie is deleted, not stored.
    if (stored.expiresAt === undefined || stored.expiresAt > now) next.push(stored);
  }
  // `next` is always a fresh array here (pruneExpired filters), so sorting it in place is safe.
  return next.length > MAX_COOKIES ? next.sort(byCreation).slice(-MAX_COOKIES) : next;
}

/**
 * The jar after an action response set `cookies` for `url`, or undefined when nothing in it
 * changed: servers that set the same cookie on every answer (load balancers) must not cost a
 * store write per call.
 *
 * @example const jar = mergeResponseCookies(record.cookies, parseSetCookies(response.setCookies), response.url, Date.now())
 */
export function mergeResponseCookies(jar: readonly StoredCookie[], cookies: ParsedCookie[], url: URL, now: number): StoredCookie[] | undefined {
  const next = storeCookies(jar, cookies, url, now);
  return sameJar(jar, next) ? undefined : next;
}

/**
 * The Cookie header value for a request to `url` (§5.4), or undefined when no cookie applies.
 *
 * @example headers.cookie = cookieHeaderFor(record.cookies, url, Date.now())
 */
export function cookieHeaderFor(jar: readonly StoredCookie[], url: URL, now: number): string | undefined {
  const host = url.hostname;
  const secure = url.protocol === 'https:';
  const matching = jar.filter(
    (c) =>
      (c.expiresAt === undefined || c.expiresAt > now) &&
      (!c.secure || secure) &&
      (c.hostOnly ? c.domain === host : domainMatches(host, c.domain)) &&
      pathMatches(url.pathname, c.path),
  );
  if (matching.length === 0) return undefined;
  // §5.4 step 2: longer paths first, then earlier creation.
  matching.sort((a, b) => b.path.length - a.path.length || a.createdAt - b.createdAt);
  return matching.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** The jar without the cookies expired at `now`. */
export function pruneExpired(jar: readonly StoredCookie[], now: number): StoredCookie[] {
  return jar.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
}

/**
 * The same cookies, by the fields a server changes. Order aside: a cookie set again moves to the
 * end of the jar, but what is sent is ordered by path and creation time, which it keeps.
 */
function sameJar(before: readonly StoredCookie[], after: readonly StoredCookie[]): boolean {
  // Name, domain and path are unique within a jar, so equal sizes and every cookie found means equal jars.
  return before.length === after.length && after.every((cookie) => before.some((old) => sameCookie(old, cookie)));
}

function sameCookie(a: StoredCookie, b: StoredCookie): boolean {
  return (
    a.name === b.name &&
    a.value === b.value &&
    a.domain === b.domain &&
    a.path === b.path &&
    a.expiresAt === b.expiresAt &&
    a.secure === b.secure &&
    a.httpOnly === b.httpOnly
  );
}

function toStoredCookie(cookie: ParsedCookie, requestUrl: URL, now: number): StoredCookie | undefined {
  if (Buffer.byteLength(cookie.name) + Buffer.byteLength(cookie.value) > MAX_NAME_VALUE_BYTES) return undefined;
  if (CONTROL_CHARACTER.test(cookie.name) || CONTROL_CHARACTER.test(cookie.value)) return undefined;
  const secureRequest = requestUrl.protocol === 'https:';
  // rfc6265bis §5.7 step 16: only a secure origin may set a Secure cookie.
  if (cookie.secure && !secureRequest) return undefined;

  const host = requestUrl.hostname;
  let domain = host;
  let hostOnly = true;
  if (cookie.domain !== undefined) {
    const attribute = canonicalDomain(cookie.domain);
    if (attribute === undefined) return undefined;
    // §5.3 step 5: a public suffix is only allowed as the request host itself (then host-only).
    if (isPublicSuffix(attribute)) {
      if (attribute !== host) return undefined;
    } else {
      // §5.3 step 6: the host must domain-match the attribute (an IP only matches itself).
      if (!domainMatches(host, attribute)) return undefined;
      domain = attribute;
      hostOnly = false;
    }
  }

  if (!prefixAllows(cookie)) return undefined;
  const path = cookie.path?.startsWith('/') ? cookie.path : defaultPath(requestUrl.pathname);

  return {
    name: cookie.name,
    value: cookie.value,
    domain,
    hostOnly,
    path,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    expiresAt: expiryOf(cookie, now),
    createdAt: now,
  };
}

/** §5.3 step 3: Max-Age beats Expires; Max-Age ≤ 0 means "already expired". */
function expiryOf(cookie: ParsedCookie, now: number): number | undefined {
  if (cookie.maxAge !== undefined) {
    return cookie.maxAge <= 0 ? Number.MIN_SAFE_INTEGER : now + Math.min(cookie.maxAge * 1000, MAX_LIFETIME_MS);
  }
  if (cookie.expires !== undefined) return Math.min(cookie.expires, now + MAX_LIFETIME_MS);
  return undefined;
}

/** rfc6265bis §5.7 steps 19–20 (prefix names compared case-insensitively, as the draft now says). */
function prefixAllows(cookie: ParsedCookie): boolean {
  const name = cookie.name.toLowerCase();
  if (name.startsWith('__secure-')) return cookie.secure;
  if (name.startsWith('__host-')) return cookie.secure && cookie.domain === undefined && cookie.path === '/';
  return true;
}

/** §5.2.3: drop one leading dot, lower-case; IDNA to ASCII so it compares with URL hostnames. */
function canonicalDomain(value: string): string | undefined {
  const ascii = domainToASCII(value.startsWith('.') ? value.slice(1) : value);
  return ascii === '' ? undefined : ascii;
}

/**
 * By the Public Suffix List, private section included (github.io, s3.amazonaws.com: their
 * customers are separate sites). An unlisted top-level label ("localhost", "internal") counts
 * as a suffix, as the list's default rule says; an IP address is never one.
 */
function isPublicSuffix(domain: string): boolean {
  if (isIpHost(domain)) return false;
  // The attribute is already a canonical host name: no URL to extract it from.
  return publicSuffixOf(domain) === domain;
}

/** §5.1.3 */
function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.endsWith(domain) && host.charAt(host.length - domain.length - 1) === '.' && !isIpHost(host);
}

function isIpHost(host: string): boolean {
  return host.startsWith('[') || isIP(host) !== 0;
}

/** §5.1.4 */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

/** §5.1.4: the directory of the request path. */
function defaultPath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function byCreation(a: StoredCookie, b: StoredCookie): number {
  return a.createdAt - b.createdAt;
}
