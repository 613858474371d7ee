/**
 * When a token expires and when to refresh it. Expiry is computed from the moment the token
 * request was sent (not when the answer arrived), so a slow token endpoint never makes us
 * use a token past its end. A lifetime is a number in the manifest's unit (seconds unless
 * expires_in_unit says milliseconds or minutes) or a duration string (duration.ts).
 */
import type { TokenExpiry } from '../manifest/types.gen.js';
import { compileJsonPath, type CompiledJsonPath } from '../extract/json-path.js';
import { parseDuration } from './duration.js';

const DEFAULT_MARGIN_SECONDS = 60;
/** Lifetimes beyond ten years are nonsense (or milliseconds sent as seconds): treated as unknown. */
const MAX_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;

export interface ExpirySources {
  body: unknown;
  accessToken: string;
  /** Expiry of the cookie the token came from, if it did. */
  cookieExpiresAt?: number;
  sentAt: number;
}

export interface ExpiryResult {
  expiresAt?: number;
  /** Set when the server sent a value we could not use (the default applied instead). */
  warning?: string;
}

export interface ExpiryPolicy {
  expiresAt(sources: ExpirySources): ExpiryResult;
  needsRefresh(record: { expiresAt?: number; obtainedAt?: number }, now: number): boolean;
}

export function compileExpiryPolicy(spec: TokenExpiry | undefined): ExpiryPolicy {
  const expiresIn: CompiledJsonPath = compileJsonPath(spec?.expires_in_path ?? '$.expires_in');
  const lifetimeOf = compileLifetime(spec?.expires_in_unit ?? 'seconds');
  const expiresAtPath = spec?.expires_at_path ? compileJsonPath(spec.expires_at_path) : undefined;
  const format = spec?.expires_at_format ?? 'iso8601';
  const fromJwt = spec?.from_jwt ?? true;
  const fromCookie = spec?.from_cookie ?? true;
  const defaultLifetimeMs = spec?.default_lifetime_seconds === undefined ? undefined : spec.default_lifetime_seconds * 1000;
  const marginMs = (spec?.refresh_margin_seconds ?? DEFAULT_MARGIN_SECONDS) * 1000;

  const fallback = (sentAt: number, warning?: string): ExpiryResult => ({
    expiresAt: defaultLifetimeMs === undefined ? undefined : sentAt + defaultLifetimeMs,
    warning,
  });

  return {
    expiresAt({ body, accessToken, cookieExpiresAt, sentAt }) {
      const lifetime = expiresIn.first(body);
      if (lifetime !== undefined && lifetime !== null) {
        const ms = lifetimeOf.ms(lifetime);
        if (ms === undefined || ms > MAX_LIFETIME_MS) return fallback(sentAt, lifetimeOf.unusable);
        // Zero or negative: expired on arrival; it is used once, then renewed before the next use.
        return { expiresAt: sentAt + Math.max(0, ms) };
      }
      if (expiresAtPath) {
        const at = parseDate(expiresAtPath.first(body), format);
        if (at === undefined) return fallback(sentAt, `expires_at is not a ${format} date`);
        return { expiresAt: at };
      }
      if (fromCookie && cookieExpiresAt !== undefined) return { expiresAt: cookieExpiresAt };
      if (fromJwt) {
        const exp = jwtExpiry(accessToken);
        if (exp !== undefined) return { expiresAt: exp };
      }
      return fallback(sentAt);
    },
    needsRefresh({ expiresAt, obtainedAt }, now) {
      if (expiresAt === undefined) return false;
      const lifetime = obtainedAt === undefined ? Infinity : expiresAt - obtainedAt;
      const margin = Math.min(marginMs, Math.max(0, lifetime / 2));
      return now >= expiresAt - margin;
    },
  };
}

type LifetimeUnit = NonNullable<TokenExpiry['expires_in_unit']>;

const UNIT_MS: Record<LifetimeUnit, number> = { milliseconds: 1, seconds: 1000, minutes: 60_000 };

/**
 * Reads the value at expires_in_path as milliseconds: a number or numeric string in the
 * manifest's unit, else a duration string (ISO 8601 or clock), which carries its own units.
 */
function compileLifetime(unit: LifetimeUnit): { ms(value: unknown): number | undefined; unusable: string } {
  const factor = UNIT_MS[unit];
  return {
    // Worded as before duration strings were read: listeners of token.expiry_warning match on it.
    unusable: `expires_in is not a usable number of ${unit}`,
    ms(value) {
      if (typeof value === 'number') return Number.isFinite(value) ? value * factor : undefined;
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      const number = Number(value);
      if (Number.isFinite(number)) return number * factor;
      return parseDuration(value);
    },
  };
}

function parseDate(value: unknown, format: NonNullable<TokenExpiry['expires_at_format']>): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let ms: number;
  switch (format) {
    case 'unix_seconds':
      ms = Number(value) * 1000;
      break;
    case 'unix_milliseconds':
      ms = Number(value);
      break;
    case 'iso8601':
    case 'http_date':
      ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      break;
    default: {
      const unknownFormat: never = format;
      throw new TypeError(`unknown expiry format ${String(unknownFormat)}`);
    }
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** The `exp` claim of a JWT, read without verifying: only to schedule a refresh. */
function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (claims === null || typeof claims !== 'object' || !Object.hasOwn(claims, 'exp')) return undefined;
    const exp = (claims as { exp: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
