/**
 * mergeResponseCookies: the jar after an action response's Set-Cookie lines, or undefined when
 * nothing changed (so a server that sets the same cookie on every answer costs no store write).
 */
import { describe, expect, it } from 'vitest';
import { parseSetCookies } from '../../sdk/extract/cookie.js';
import { mergeResponseCookies, storeCookies, type StoredCookie } from '../../sdk/store/cookie-jar.js';

const T0 = Date.UTC(2030, 0, 1);
const url = new URL('https://api.vendor.com/v1/items');

function jarOf(...lines: string[]): StoredCookie[] {
  return storeCookies([], parseSetCookies(lines), url, T0);
}

describe('mergeResponseCookies', () => {
  it('the same cookie set again, unchanged, is no change (undefined), whatever its place in the jar and later on', () => {
    const jar = jarOf('lb=node-7; Path=/', 'session=abc; Path=/; Secure; HttpOnly');
    expect(mergeResponseCookies(jar, parseSetCookies(['lb=node-7; Path=/']), url, T0)).toBeUndefined();
    expect(mergeResponseCookies(jar, parseSetCookies(['lb=node-7; Path=/']), url, T0 + 60_000)).toBeUndefined();
    expect(mergeResponseCookies(jar, [], url, T0)).toBeUndefined();
  });

  it('a new cookie, a new value or a new attribute is a change: the new jar, the one given untouched', () => {
    const jar = jarOf('lb=node-7; Path=/');
    const frozen = structuredClone(jar);
    expect(mergeResponseCookies(jar, parseSetCookies(['other=1; Path=/']), url, T0)?.map((c) => c.name)).toEqual(['lb', 'other']);
    expect(mergeResponseCookies(jar, parseSetCookies(['lb=node-8; Path=/']), url, T0)?.map((c) => c.value)).toEqual(['node-8']);
    expect(mergeResponseCookies(jar, parseSetCookies(['lb=node-7; Path=/; HttpOnly']), url, T0)?.[0]?.httpOnly).toBe(true);
    expect(jar).toEqual(frozen);
  });

  it('a cookie the server deletes (Max-Age=0) is a change: the jar without it', () => {
    const jar = jarOf('lb=node-7; Path=/', 'session=abc; Path=/');
    expect(mergeResponseCookies(jar, parseSetCookies(['session=; Path=/; Max-Age=0']), url, T0)?.map((c) => c.name)).toEqual(['lb']);
  });

  it('a cookie set again with Max-Age moves its expiry: a change', () => {
    const jar = jarOf('sid=abc; Path=/; Max-Age=60');
    const merged = mergeResponseCookies(jar, parseSetCookies(['sid=abc; Path=/; Max-Age=60']), url, T0 + 1_000);
    expect(merged?.[0]?.expiresAt).toBe(T0 + 61_000);
  });

  it('a cookie that expired since is evicted, and that is a change', () => {
    const jar = jarOf('short=1; Path=/; Max-Age=10', 'lb=node-7; Path=/');
    expect(mergeResponseCookies(jar, [], url, T0 + 11_000)?.map((c) => c.name)).toEqual(['lb']);
  });

  it('a cookie the jar refuses (Secure from plain http) changes nothing', () => {
    const jar = jarOf('lb=node-7; Path=/');
    const plain = new URL('http://api.vendor.com/v1/items');
    expect(mergeResponseCookies(jar, parseSetCookies(['sneaky=1; Path=/; Secure']), plain, T0)).toBeUndefined();
  });
});
