import { describe, expect, it } from 'vitest';
import { parseSetCookies, type ParsedCookie } from '../../sdk/extract/cookie.js';
import { cookieHeaderFor, pruneExpired, storeCookies, type StoredCookie } from '../../sdk/store/cookie-jar.js';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 24 * 60 * 60 * 1000;
const inFuture = new Date(T0 + DAY).toUTCString();
const inPast = new Date(T0 - DAY).toUTCString();

interface Vector {
  name: string;
  /** Responses in order: the URL that answered and its Set-Cookie lines. */
  set: [url: string, ...lines: string[]][];
  /** Requests after that: URL → expected Cookie header (time T0 unless given). */
  expect: [url: string, header: string | undefined, at?: number][];
}

// RFC 6265 §5.3/§5.4 (+ rfc6265bis) vectors.
const vectors: Vector[] = [
  {
    name: 'no Domain: host-only',
    set: [['https://api.vendor.com/', 'a=1']],
    expect: [
      ['https://api.vendor.com/x', 'a=1'],
      ['https://vendor.com/', undefined],
      ['https://sub.api.vendor.com/', undefined],
    ],
  },
  {
    name: 'Domain=vendor.com: the domain and its subdomains',
    set: [['https://api.vendor.com/', 'a=1; Domain=vendor.com']],
    expect: [
      ['https://vendor.com/', 'a=1'],
      ['https://api.vendor.com/', 'a=1'],
      ['https://x.y.vendor.com/', 'a=1'],
      ['https://evilvendor.com/', undefined],
      ['https://vendor.com.evil.com/', undefined],
    ],
  },
  {
    name: 'Domain with a leading dot and capitals is canonicalized',
    set: [['https://api.vendor.com/', 'a=1; Domain=.Vendor.COM']],
    expect: [['https://vendor.com/', 'a=1']],
  },
  {
    name: 'Domain that does not domain-match the host is ignored',
    set: [['https://api.vendor.com/', 'a=1; Domain=evil.com', 'b=2; Domain=sub.api.vendor.com', 'c=3; Domain=endor.com']],
    expect: [
      ['https://api.vendor.com/', undefined],
      ['https://evil.com/', undefined],
      ['https://sub.api.vendor.com/', undefined],
    ],
  },
  {
    name: 'Domain=com (a public suffix) is ignored',
    set: [['https://api.vendor.com/', 'a=1; Domain=com']],
    expect: [
      ['https://api.vendor.com/', undefined],
      ['https://other.com/', undefined],
    ],
  },
  {
    name: 'Domain=co.uk (a public suffix) from www.example.co.uk is ignored',
    set: [['https://www.example.co.uk/', 'a=1; Domain=co.uk', 'b=2; Domain=.CO.UK']],
    expect: [
      ['https://www.example.co.uk/', undefined],
      ['https://other.co.uk/', undefined],
      ['https://co.uk/', undefined],
    ],
  },
  {
    name: 'Domain=example.co.uk (below the suffix): the domain and its subdomains',
    set: [['https://www.example.co.uk/', 'a=1; Domain=example.co.uk']],
    expect: [
      ['https://api.example.co.uk/', 'a=1'],
      ['https://example.co.uk/', 'a=1'],
      ['https://www.example.co.uk/', 'a=1'],
      ['https://other.co.uk/', undefined],
    ],
  },
  {
    name: 'Domain=github.io (a private suffix: every user is a separate site) from foo.github.io is ignored',
    set: [['https://foo.github.io/', 'a=1; Domain=github.io']],
    expect: [
      ['https://foo.github.io/', undefined],
      ['https://bar.github.io/', undefined],
    ],
  },
  {
    name: 'Domain=foo.github.io from foo.github.io: the site and its subdomains, not its neighbours',
    set: [['https://foo.github.io/', 'a=1; Domain=foo.github.io']],
    expect: [
      ['https://foo.github.io/', 'a=1'],
      ['https://api.foo.github.io/', 'a=1'],
      ['https://bar.github.io/', undefined],
      ['https://github.io/', undefined],
    ],
  },
  {
    name: 'Domain=s3.amazonaws.com from a bucket host is ignored',
    set: [['https://bucket.s3.amazonaws.com/', 'a=1; Domain=s3.amazonaws.com']],
    expect: [
      ['https://bucket.s3.amazonaws.com/', undefined],
      ['https://other.s3.amazonaws.com/', undefined],
    ],
  },
  {
    name: 'Domain equal to a public suffix that is the request host: host-only (§5.3 step 5)',
    set: [['https://github.io/', 'a=1; Domain=github.io'], ['https://co.uk/', 'b=2; Domain=co.uk']],
    expect: [
      ['https://github.io/', 'a=1'],
      ['https://foo.github.io/', undefined],
      ['https://co.uk/', 'b=2'],
      ['https://example.co.uk/', undefined],
    ],
  },
  {
    name: 'Domain equal to a single-label host: host-only',
    set: [['http://localhost/', 'a=1; Domain=localhost']],
    expect: [['http://localhost/', 'a=1']],
  },
  {
    name: 'loopback IP: a plain host-only cookie, ports do not matter',
    set: [['http://127.0.0.1:8080/login', 'sid=s1; Path=/; HttpOnly']],
    expect: [
      ['http://127.0.0.1:9090/api', 'sid=s1'],
      ['http://localhost:8080/api', undefined],
      ['http://127.0.0.2:8080/api', undefined],
    ],
  },
  {
    name: 'IP hosts: Domain must be the IP itself',
    set: [['http://127.0.0.1/', 'a=1; Domain=0.0.1', 'b=2; Domain=127.0.0.1', 'c=3; Domain=127.0.0.2']],
    expect: [['http://127.0.0.1/', 'b=2']],
  },
  {
    name: 'default path: the directory of the request path',
    set: [['https://h.com/api/v1/login', 'a=1']],
    expect: [
      ['https://h.com/api/v1', 'a=1'],
      ['https://h.com/api/v1/users', 'a=1'],
      ['https://h.com/api', undefined],
      ['https://h.com/api/v10', undefined],
    ],
  },
  {
    name: 'default path of a top-level resource is /',
    set: [['https://h.com/login', 'a=1'], ['https://h.com/', 'b=2']],
    expect: [['https://h.com/anything/else', 'a=1; b=2']],
  },
  {
    name: 'Path attribute: prefix match on segment boundaries',
    set: [['https://h.com/', 'a=1; Path=/api/', 'b=2; Path=/docs']],
    expect: [
      ['https://h.com/api/x', 'a=1'],
      ['https://h.com/api', undefined],
      ['https://h.com/docs', 'b=2'],
      ['https://h.com/docs/intro', 'b=2'],
      ['https://h.com/docsearch', undefined],
    ],
  },
  {
    name: 'a Path not starting with / falls back to the default path',
    set: [['https://h.com/a/b', 'a=1; Path=relative']],
    expect: [
      ['https://h.com/a/x', 'a=1'],
      ['https://h.com/relative', undefined],
    ],
  },
  {
    name: 'longer paths first, then older cookies first',
    set: [['https://h.com/', 'root=1; Path=/'], ['https://h.com/', 'deep=2; Path=/api/v1', 'mid=3; Path=/api']],
    expect: [['https://h.com/api/v1/x', 'deep=2; mid=3; root=1']],
  },
  {
    name: 'Secure cookies only over https (loopback http is not secure)',
    set: [['https://h.com/', 'a=1; Secure', 'b=2'], ['https://127.0.0.1/', 'c=3; Secure']],
    expect: [
      ['https://h.com/', 'a=1; b=2'],
      ['http://h.com/', 'b=2'],
      ['http://127.0.0.1/', undefined],
      ['https://127.0.0.1/', 'c=3'],
    ],
  },
  {
    name: 'a Secure cookie from an http URL is ignored (rfc6265bis)',
    set: [['http://h.com/', 'a=1; Secure'], ['http://127.0.0.1/', 'b=2; Secure']],
    expect: [
      ['https://h.com/', undefined],
      ['https://127.0.0.1/', undefined],
    ],
  },
  {
    name: 'Max-Age=0 deletes, even with a future Expires',
    set: [['https://h.com/', 'a=1', 'b=2'], ['https://h.com/', `a=gone; Max-Age=0; Expires=${inFuture}`]],
    expect: [['https://h.com/', 'b=2']],
  },
  {
    name: 'negative Max-Age deletes',
    set: [['https://h.com/', 'a=1'], ['https://h.com/', 'a=1; Max-Age=-5']],
    expect: [['https://h.com/', undefined]],
  },
  {
    name: 'Max-Age beats a past Expires',
    set: [['https://h.com/', `a=1; Max-Age=60; Expires=${inPast}`]],
    expect: [
      ['https://h.com/', 'a=1', T0 + 59_000],
      ['https://h.com/', undefined, T0 + 60_000],
    ],
  },
  {
    name: 'a past Expires deletes the stored cookie',
    set: [['https://h.com/', 'a=1'], ['https://h.com/', `a=1; Expires=${inPast}`]],
    expect: [['https://h.com/', undefined]],
  },
  {
    name: 'a future Expires keeps the cookie until then',
    set: [['https://h.com/', `a=1; Expires=${inFuture}`]],
    expect: [
      ['https://h.com/', 'a=1', T0 + DAY - 1],
      ['https://h.com/', undefined, T0 + DAY],
    ],
  },
  {
    name: 'garbage Expires: a session cookie',
    set: [['https://h.com/', 'a=1; Expires=garbage']],
    expect: [['https://h.com/', 'a=1', T0 + 10_000 * DAY]],
  },
  {
    name: 'same name, domain and path replaces; another path is another cookie',
    set: [['https://h.com/', 'a=1; Path=/'], ['https://h.com/', 'a=2; Path=/', 'a=3; Path=/api']],
    expect: [
      ['https://h.com/', 'a=2'],
      ['https://h.com/api', 'a=3; a=2'],
    ],
  },
  {
    name: 'a Domain cookie replaces the host-only one of the same name, domain and path',
    set: [['https://h.com/', 'a=1; Path=/'], ['https://h.com/', 'a=2; Path=/; Domain=h.com']],
    expect: [
      ['https://h.com/', 'a=2'],
      ['https://x.h.com/', 'a=2'],
    ],
  },
  {
    name: 'name+value over 4096 bytes is ignored; exactly 4096 is kept',
    set: [['https://h.com/', `big=${'x'.repeat(4094)}`, `n=${'y'.repeat(4095)}`]],
    expect: [['https://h.com/', `n=${'y'.repeat(4095)}`]],
  },
  {
    name: '__Secure- needs Secure',
    set: [['https://h.com/', '__Secure-a=1', '__Secure-b=2; Secure', '__secure-c=3']],
    expect: [['https://h.com/', '__Secure-b=2']],
  },
  {
    name: '__Host- needs Secure, no Domain and Path=/',
    set: [
      [
        'https://h.com/app/login',
        '__Host-a=1; Secure; Path=/; Domain=h.com',
        '__Host-b=2; Secure',
        '__Host-c=3; Secure; Path=/app',
        '__Host-d=4; Path=/',
        '__HOST-e=5; Path=/',
        '__Host-ok=6; Secure; Path=/',
      ],
    ],
    expect: [
      ['https://h.com/', '__Host-ok=6'],
      ['https://x.h.com/', undefined],
    ],
  },
  {
    name: '__proto__ and constructor names neither store nor pollute',
    set: [['https://h.com/', '__proto__=x', 'constructor=y', 'toString=z', 'a=1']],
    expect: [['https://h.com/', 'a=1']],
  },
  {
    name: 'an absurd Max-Age is capped at 400 days',
    set: [['https://h.com/', `a=1; Max-Age=${'9'.repeat(400)}`]],
    expect: [
      ['https://h.com/', 'a=1', T0 + 400 * DAY - 1],
      ['https://h.com/', undefined, T0 + 400 * DAY],
    ],
  },
];

describe('cookie jar: RFC 6265 vectors', () => {
  it.each(vectors)('$name', ({ set, expect: requests }) => {
    let jar: StoredCookie[] = [];
    set.forEach(([url, ...lines], index) => {
      jar = storeCookies(jar, parseSetCookies(lines), new URL(url), T0 + index);
    });
    for (const [url, header, at] of requests) {
      expect(cookieHeaderFor(jar, new URL(url), at ?? T0 + 100), url).toBe(header);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('cookie jar: data', () => {
  const cookie = (overrides: Partial<ParsedCookie>): ParsedCookie => ({
    name: 'a',
    value: '1',
    secure: false,
    httpOnly: false,
    raw: '',
    ...overrides,
  });

  it('stores canonical, serializable records', () => {
    const jar = storeCookies([], parseSetCookies(['sid=v; Domain=.Vendor.com; Path=/api; Max-Age=60; Secure; HttpOnly']), new URL('https://api.vendor.com/x'), T0);
    expect(jar).toEqual([
      { name: 'sid', value: 'v', domain: 'vendor.com', hostOnly: false, path: '/api', secure: true, httpOnly: true, expiresAt: T0 + 60_000, createdAt: T0 },
    ]);
    expect(JSON.parse(JSON.stringify(jar))).toEqual(jar);
  });

  it('keeps the creation time of a replaced cookie and never mutates the jar it is given', () => {
    const first = storeCookies([], [cookie({ value: '1' })], new URL('https://h.com/'), T0);
    const frozen = Object.freeze(first.map((c) => Object.freeze({ ...c })));
    const second = storeCookies(frozen, [cookie({ value: '2' })], new URL('https://h.com/'), T0 + 5);
    expect(second).toEqual([expect.objectContaining({ value: '2', createdAt: T0 })]);
    expect(frozen[0]?.value).toBe('1');
  });

  it('ignores names or values with control characters', () => {
    const jar = storeCookies([], [cookie({ value: 'a\nb' }), cookie({ name: 'b\u0001', value: 'x' }), cookie({ name: 'tab', value: 'a\tb' })], new URL('https://h.com/'), T0);
    expect(jar.map((c) => c.name)).toEqual(['tab']);
  });

  it('a Domain on a public suffix: host-only when it is the request host, else nothing stored', () => {
    const at = (url: string, domain: string) => storeCookies([], [cookie({ domain })], new URL(url), T0);
    expect(at('https://github.io/', 'github.io')).toEqual([expect.objectContaining({ domain: 'github.io', hostOnly: true })]);
    expect(at('https://foo.github.io/', 'github.io')).toEqual([]);
    expect(at('https://foo.github.io/', 'foo.github.io')).toEqual([expect.objectContaining({ domain: 'foo.github.io', hostOnly: false })]);
    expect(at('https://www.example.co.uk/', 'example.co.uk')).toEqual([expect.objectContaining({ domain: 'example.co.uk', hostOnly: false })]);
    // Unlisted top-level labels count as suffixes (the list's default rule); loopback keeps working.
    expect(at('http://api.internal/', 'internal')).toEqual([]);
    expect(at('http://localhost/', 'localhost')).toEqual([expect.objectContaining({ domain: 'localhost', hostOnly: true })]);
    expect(at('http://127.0.0.1/', '127.0.0.1')).toEqual([expect.objectContaining({ domain: '127.0.0.1', hostOnly: false })]);
  });

  it('stores IDN domains in ASCII so they match URL hostnames', () => {
    const jar = storeCookies([], [cookie({ domain: 'Bücher.example' })], new URL('https://shop.bücher.example/'), T0);
    expect(jar[0]?.domain).toBe('xn--bcher-kva.example');
    expect(cookieHeaderFor(jar, new URL('https://bücher.example/'), T0)).toBe('a=1');
  });

  it('evicts expired cookies on store, and pruneExpired drops them', () => {
    const jar = storeCookies([], [cookie({ name: 'short', maxAge: 1 }), cookie({ name: 'long', maxAge: 100 })], new URL('https://h.com/'), T0);
    expect(pruneExpired(jar, T0 + 1_000).map((c) => c.name)).toEqual(['long']);
    expect(storeCookies(jar, [], new URL('https://h.com/'), T0 + 1_000).map((c) => c.name)).toEqual(['long']);
    expect(jar).toHaveLength(2);
  });

  it('caps the jar at 100 cookies, dropping the oldest', () => {
    let jar: StoredCookie[] = [];
    for (let i = 0; i < 150; i++) jar = storeCookies(jar, [cookie({ name: `c${i}` })], new URL('https://h.com/'), T0 + i);
    expect(jar).toHaveLength(100);
    expect(jar[0]?.name).toBe('c50');
    expect(jar.at(-1)?.name).toBe('c149');
  });

  it('sends nothing for an empty jar', () => {
    expect(cookieHeaderFor([], new URL('https://h.com/'), T0)).toBeUndefined();
  });
});
