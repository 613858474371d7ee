import { describe, expect, it } from 'vitest';
import { parseSetCookies } from '../../sdk/extract/cookie.js';

describe('parseSetCookies', () => {
  it('reads every attribute and keeps the value verbatim', () => {
    const raw = 'sid=a%20b%3D; Domain=.Example.com; Path=/api; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=60; Secure; HttpOnly; SameSite=Lax';
    expect(parseSetCookies([raw])).toEqual([
      {
        name: 'sid',
        value: 'a%20b%3D',
        domain: '.Example.com',
        path: '/api',
        expires: Date.UTC(2037, 9, 21, 7, 28, 0),
        maxAge: 60,
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
        raw,
      },
    ]);
  });

  it('keeps "=" inside values and defaults the flags to false', () => {
    expect(parseSetCookies('token=abc==; Path=/')).toMatchObject([{ name: 'token', value: 'abc==', secure: false, httpOnly: false }]);
  });

  it('splits a comma-joined string without breaking Expires dates', () => {
    const cookies = parseSetCookies('a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT, b=2; Path=/');
    expect(cookies.map((c) => [c.name, c.value, c.raw])).toEqual([
      ['a', '1', 'a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
      ['b', '2', 'b=2; Path=/'],
    ]);
  });

  it('treats each array entry as one line', () => {
    expect(parseSetCookies(['a=1, b=2']).map((c) => c.value)).toEqual(['1, b=2']);
  });

  it('omits an unparseable Expires and a non-numeric Max-Age', () => {
    const [cookie] = parseSetCookies(['a=1; Expires=garbage; Max-Age=12abc']);
    expect(cookie).toBeDefined();
    expect(cookie?.expires).toBeUndefined();
    expect(cookie?.maxAge).toBeUndefined();
  });

  it('parses a negative Max-Age', () => {
    expect(parseSetCookies(['a=1; Max-Age=-1'])[0]?.maxAge).toBe(-1);
  });

  it('skips malformed lines without throwing', () => {
    expect(parseSetCookies(['', '   ', 'novalue', '=orphan', ';;;', 'ok=1'])).toEqual([expect.objectContaining({ name: 'ok', value: '1' })]);
    expect(parseSetCookies(undefined)).toEqual([]);
    expect(parseSetCookies('')).toEqual([]);
  });

  it('drops names that live on Object.prototype and pollutes nothing', () => {
    const cookies = parseSetCookies(['__proto__=x; Path=/', 'constructor=y', 'a=1; __proto__=z; polluted=yes']);
    expect(cookies.map((c) => c.name)).toEqual(['a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(cookies[0])).toBe(Object.prototype);
  });

  it('treats empty Domain and Path attributes as absent', () => {
    expect(parseSetCookies(['a=1; Domain=; Path='])[0]).toMatchObject({ domain: undefined, path: undefined });
  });
});
