/**
 * Whether an action response says the token has expired: the manifest's statuses (default
 * 401), its body predicate, or an RFC 6750 `invalid_token` challenge. Other challenges
 * (insufficient_scope, invalid_request) are not expiry and never trigger a refresh.
 */
import type { ExpiredTokenSignal } from '../manifest/types.gen.js';
import { compileJsonPath } from '../extract/json-path.js';

export interface ResponseSummary {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, when the response had one. */
  json?: unknown;
}

export type ExpiredSignal = (response: ResponseSummary) => boolean;

export function compileExpiredSignal(spec: ExpiredTokenSignal | undefined): ExpiredSignal {
  const statuses = new Set(spec?.statuses ?? [401]);
  const bodyPath = spec?.body_path ? compileJsonPath(spec.body_path) : undefined;
  const bodyValues = new Set<unknown>(spec?.body_values ?? []);
  return (response) => {
    const challenge = bearerError(response.headers['www-authenticate']);
    if (challenge === 'invalid_token') return true;
    if (challenge !== undefined) return false;
    if (statuses.has(response.status)) return true;
    if (bodyPath && response.json !== undefined) return bodyValues.has(bodyPath.first(response.json));
    return false;
  };
}

/** The `error` parameter of a Bearer challenge (RFC 6750 §3), scheme and names case-insensitive. */
function bearerError(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const value of Array.isArray(header) ? header : [header]) {
    const match = /(?:^|,)\s*bearer\b([^]*)/i.exec(value);
    if (!match) continue;
    const error = /\berror\s*=\s*"?([A-Za-z_]+)"?/i.exec(match[1] ?? '');
    if (error?.[1]) return error[1].toLowerCase();
  }
  return undefined;
}
