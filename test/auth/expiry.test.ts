/** Where a token's expiry comes from, and when it is renewed (sdk/auth/expiry.ts). */
import { describe, expect, it } from 'vitest';
import { compileExpiryPolicy } from '../../sdk/auth/expiry.js';

const sentAt = Date.UTC(2026, 10, 23, 12, 0, 0);
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('expiry sources', () => {
  const policy = compileExpiryPolicy(undefined);

  it.each([
    [3600, sentAt + 3_600_000],
    ['3600', sentAt + 3_600_000],
    [0, sentAt],
    [-5, sentAt],
  ])('expires_in %j', (value, expected) => {
    expect(policy.expiresAt({ body: { expires_in: value }, accessToken: 'x', sentAt })).toEqual({ expiresAt: expected });
  });

  it.each(['abc', 1e12, true, ''])('an unusable expires_in %j falls back to the default with a warning', (value) => {
    const result = compileExpiryPolicy({ default_lifetime_seconds: 600 }).expiresAt({ body: { expires_in: value }, accessToken: 'x', sentAt });
    expect(result).toEqual({ expiresAt: sentAt + 600_000, warning: 'expires_in is not a usable number of seconds' });
  });

  it('an absolute date in each format', () => {
    const at = Date.UTC(2026, 10, 23, 13, 0, 0);
    const cases = [
      ['iso8601', new Date(at).toISOString()],
      ['http_date', new Date(at).toUTCString()],
      ['unix_seconds', at / 1000],
      ['unix_milliseconds', at],
    ] as const;
    for (const [format, value] of cases) {
      const result = compileExpiryPolicy({ expires_at_path: '$.valid_until', expires_at_format: format }).expiresAt({
        body: { valid_until: value },
        accessToken: 'x',
        sentAt,
      });
      expect(result, format).toEqual({ expiresAt: at });
    }
  });

  it('the JWT exp claim, and never a JWT claim that is not a number', () => {
    expect(policy.expiresAt({ body: {}, accessToken: jwt({ exp: 1_900_000_000 }), sentAt })).toEqual({ expiresAt: 1_900_000_000_000 });
    expect(policy.expiresAt({ body: {}, accessToken: jwt({ exp: 'soon' }), sentAt })).toEqual({ expiresAt: undefined });
    expect(compileExpiryPolicy({ from_jwt: false }).expiresAt({ body: {}, accessToken: jwt({ exp: 1_900_000_000 }), sentAt })).toEqual({
      expiresAt: undefined,
    });
  });

  it("the cookie's expiry when the token is a cookie, before the JWT claim", () => {
    expect(policy.expiresAt({ body: undefined, accessToken: jwt({ exp: 1 }), cookieExpiresAt: sentAt + 5000, sentAt })).toEqual({
      expiresAt: sentAt + 5000,
    });
  });

  it('nothing known: no expiry (renewed when a response says so), or the default lifetime', () => {
    expect(policy.expiresAt({ body: {}, accessToken: 'opaque', sentAt })).toEqual({ expiresAt: undefined });
    expect(compileExpiryPolicy({ default_lifetime_seconds: 60 }).expiresAt({ body: {}, accessToken: 'opaque', sentAt })).toEqual({
      expiresAt: sentAt + 60_000,
    });
  });
});

describe('refresh margin', () => {
  it('refreshes 60 s before expiry by default', () => {
    const policy = compileExpiryPolicy(undefined);
    const record = { obtainedAt: sentAt, expiresAt: sentAt + 3_600_000 };
    expect(policy.needsRefresh(record, sentAt + 3_539_999)).toBe(false);
    expect(policy.needsRefresh(record, sentAt + 3_540_000)).toBe(true);
  });

  it('never more than half the lifetime ahead', () => {
    const policy = compileExpiryPolicy({ refresh_margin_seconds: 600 });
    const record = { obtainedAt: sentAt, expiresAt: sentAt + 60_000 };
    expect(policy.needsRefresh(record, sentAt + 29_999)).toBe(false);
    expect(policy.needsRefresh(record, sentAt + 30_000)).toBe(true);
  });

  it('a token without expiry is never refreshed ahead', () => {
    expect(compileExpiryPolicy(undefined).needsRefresh({ obtainedAt: sentAt }, sentAt + 1e12)).toBe(false);
  });
});
