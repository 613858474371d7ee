/**
 * The rate limit's scope and key go together, which the schema does not say: an `account` budget
 * is named by its key (without one, every account would share one budget), and a key under any
 * other scope would be ignored silently.
 */
import type { Schema } from './connector-schema.js';
import { error, type Finding } from './finding.js';
import { isRecord } from './json-value.js';

/**
 * Appends to `out` a finding when `rate_limit.key` is missing with scope `account`, or given with another scope.
 *
 * @example checkRateLimit({ rate_limit: { requests: 60, per_seconds: 60, scope: 'account' } }, out); // out: "/rate_limit: … needs key"
 */
export function checkRateLimit(manifest: Schema, out: Finding[]): void {
  const limit = manifest.rate_limit;
  if (!isRecord(limit)) return;
  const scope = limit.scope ?? 'connection';
  if (scope === 'account' && limit.key === undefined) {
    out.push(error('/rate_limit', 'a rate limit with scope "account" needs key: the template naming the account', 'e.g. "key": "{{ credentials.client_id }}"', 'key'));
  } else if (scope !== 'account' && limit.key !== undefined) {
    out.push(error('/rate_limit/key', `key names the account of scope "account"; with scope "${String(scope)}" it would be ignored`, 'set "scope": "account", or remove key', 'key'));
  }
}
