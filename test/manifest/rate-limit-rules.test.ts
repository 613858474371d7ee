/**
 * The rate limit's scope and key (sdk/manifest/rate-limit-rules.ts, and the template check of
 * the key): `account` needs a key, other scopes refuse one, the key may use credentials and env
 * only, and an unknown scope is a schema error naming the choices.
 */
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../sdk/manifest/validate.js';

const base = {
  id: 'rate',
  name: 'Rate',
  version: '1.0.0',
  base_url: 'https://api.example.com',
  credentials: { type: 'object', required: ['client_id'], properties: { client_id: { type: 'string' } } },
  auth: { type: 'none' },
  actions: { get: { method: 'GET', path: '/x' } },
};
const errorsOf = (rateLimit: Record<string, unknown>) =>
  validateManifest({ ...base, rate_limit: { requests: 60, per_seconds: 60, ...rateLimit } })
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => [d.pointer, d.message]);

describe('rate_limit scope and key', () => {
  it('accepts account with a key over credentials, connector and connection without one', () => {
    expect(errorsOf({ scope: 'account', key: '{{ credentials.client_id }}' })).toEqual([]);
    expect(errorsOf({ scope: 'connector' })).toEqual([]);
    expect(errorsOf({})).toEqual([]);
  });

  it('refuses account without a key', () => {
    expect(errorsOf({ scope: 'account' })).toEqual([['/rate_limit', 'a rate limit with scope "account" needs key: the template naming the account']]);
  });

  it('refuses a key with another scope (explicit or the default)', () => {
    expect(errorsOf({ scope: 'connector', key: '{{ credentials.client_id }}' })).toEqual([
      ['/rate_limit/key', 'key names the account of scope "account"; with scope "connector" it would be ignored'],
    ]);
    expect(errorsOf({ key: '{{ credentials.client_id }}' })).toEqual([
      ['/rate_limit/key', 'key names the account of scope "account"; with scope "connection" it would be ignored'],
    ]);
  });

  it('a key using a variable out of its scope (input, an undeclared credential) is an error at /rate_limit/key', () => {
    const input = errorsOf({ scope: 'account', key: '{{ input.id }}' });
    expect(input).toHaveLength(1);
    expect(input[0]?.[0]).toBe('/rate_limit/key');
    const undeclared = errorsOf({ scope: 'account', key: '{{ credentials.user_id }}' });
    expect(undeclared.map(([pointer]) => pointer)).toEqual(['/rate_limit/key']);
  });

  it('an unknown scope is a schema error at /rate_limit/scope', () => {
    const errors = errorsOf({ scope: 'tenant' });
    expect(errors.map(([pointer]) => pointer)).toEqual(['/rate_limit/scope']);
    expect(errors[0]?.[1]).toMatch(/connection|account|connector/);
  });
});
