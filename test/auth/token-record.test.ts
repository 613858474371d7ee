/**
 * recordFrom: what a token answer replaces of the record it renews, and what it keeps.
 */
import { describe, expect, it } from 'vitest';
import { parseSetCookies } from '../../sdk/extract/cookie.js';
import { storeCookies } from '../../sdk/store/cookie-jar.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';
import type { TokenResult } from '../../sdk/auth/token-request.js';
import { recordFrom } from '../../sdk/auth/token-record.js';

const T0 = Date.UTC(2030, 0, 1);
const url = new URL('https://api.vendor.com/token');

const base: TokenRecord = {
  version: 7,
  accessToken: 'old-access-token',
  refreshToken: 'old-refresh-token',
  tokenType: 'Bearer',
  expiresAt: T0,
  obtainedAt: T0 - 3_600_000,
  cookies: storeCookies([], parseSetCookies(['session=old; Path=/']), url, T0 - 3_600_000),
  extras: { instance_url: 'https://eu.vendor.com', tenant: 'a' },
  pendingRefresh: { startedAt: T0, refreshTokenFingerprint: 'abc' },
};

function answer(overrides: Partial<TokenResult> = {}): TokenResult {
  return { accessToken: 'new-access-token', obtainedAt: T0, expiresAt: T0 + 3_600_000, extras: {}, cookies: [], url, ...overrides };
}

describe('recordFrom', () => {
  it('a refresh keeps the refresh token the answer leaves out, the cookies and the extras; the marker goes', () => {
    const record = recordFrom(base, answer({ extras: { tenant: 'b' }, cookies: parseSetCookies(['lb=2; Path=/']) }), 'refresh', T0);
    expect(record).toMatchObject({ accessToken: 'new-access-token', refreshToken: 'old-refresh-token', expiresAt: T0 + 3_600_000 });
    expect(record.extras).toEqual({ instance_url: 'https://eu.vendor.com', tenant: 'b' });
    expect(record.cookies.map((c) => `${c.name}=${c.value}`)).toEqual(['session=old', 'lb=2']);
    expect(record.pendingRefresh).toBeUndefined();
    expect('version' in record).toBe(false);
  });

  it('a rotated refresh token replaces the old one', () => {
    expect(recordFrom(base, answer({ refreshToken: 'rotated' }), 'refresh', T0).refreshToken).toBe('rotated');
  });

  it('an authorization starts a new session: no old refresh token, cookie or extra survives', () => {
    const record = recordFrom(base, answer({ extras: { tenant: 'c' }, cookies: parseSetCookies(['session=new; Path=/']) }), 'authorization', T0);
    expect(record.refreshToken).toBeUndefined();
    expect(record.extras).toEqual({ tenant: 'c' });
    expect(record.cookies.map((c) => `${c.name}=${c.value}`)).toEqual(['session=new']);
    expect(record.pendingRefresh).toBeUndefined();
  });

  it('a flag for re-authorization never survives a new token', () => {
    const flagged: TokenRecord = { version: 3, cookies: [], extras: {}, reauthorizationRequired: true };
    expect(recordFrom(flagged, answer(), 'authorization', T0).reauthorizationRequired).toBeUndefined();
  });
});
