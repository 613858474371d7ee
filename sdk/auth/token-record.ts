/**
 * A token endpoint's answer as the token record to store: what it replaces of the record it
 * renews and what it keeps.
 */
import { storeCookies } from '../store/cookie-jar.js';
import type { TokenRecord } from '../store/token-store.js';
import type { TokenResult } from './token-request.js';

/** A refresh continues the session it renews; an authorization starts a new one. */
export type Renewal = 'authorization' | 'refresh';

/** The record `result` makes of `base` (its version is the writer's business). */
export function recordFrom(base: TokenRecord | undefined, result: TokenResult, renewal: Renewal, now: number): Omit<TokenRecord, 'version'> {
  const refreshed = renewal === 'refresh';
  return {
    accessToken: result.accessToken,
    // RFC 6749 §6: a new refresh token replaces the old one; none means keep the old one.
    refreshToken: result.refreshToken ?? (refreshed ? base?.refreshToken : undefined),
    tokenType: result.tokenType,
    expiresAt: result.expiresAt,
    obtainedAt: result.obtainedAt,
    // A new login starts a new session: old session cookies would only confuse the server.
    cookies: (result.cookieSets ?? [result]).reduce(
      (jar, set) => storeCookies(jar, set.cookies, set.url, now),
      refreshed ? (base?.cookies ?? []) : [],
    ),
    extras: refreshed ? { ...base?.extras, ...result.extras } : result.extras,
  };
}
