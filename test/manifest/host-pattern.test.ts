/**
 * Unit tests of sdk/manifest/host-pattern.ts: the hosts each pattern matches and the lookalikes it
 * does not (suffix tricks, trailing dots, case, ports, IDNs, IP literals in their many spellings,
 * URL-parser delimiters), patterns refused with their messages (wildcards that would cover a
 * public suffix or everything, partial wildcards, malformed braces and ports), the typed error
 * of requireAllowedHost, and matching time on hostile input.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, RequestRefusedError } from '../../sdk/errors.js';
import { checkHostPattern, compileHostPattern, HostNotAllowedError, requireAllowedHost } from '../../sdk/manifest/host-pattern.js';

/** pattern → hosts it matches, hosts it does not. */
const TABLE: [string, string[], string[]][] = [
  [
    '*.my.salesforce.com',
    ['acme.my.salesforce.com', 'ACME.My.SalesForce.COM', 'acme.my.salesforce.com.', 'acme-1.my.salesforce.com', 'xn--bcher-kva.my.salesforce.com', 'bücher.my.salesforce.com'],
    [
      'my.salesforce.com',
      'evil-my.salesforce.com',
      'xmy.salesforce.com',
      'my.salesforce.com.evil.com',
      'acme.my.salesforce.com.evil.com',
      'acme.my.salesforce.co',
      'acme--dev.sandbox.my.salesforce.com',
      'a.b.my.salesforce.com',
      '.my.salesforce.com',
      'acme.my.salesforce.com..',
      'acme..my.salesforce.com',
      'acme.my.salesforce.com:443',
      'acme.my.salesforce.com:8443',
      'evil.com/.my.salesforce.com',
      'evil.com?.my.salesforce.com',
      'evil.com#.my.salesforce.com',
      'evil.com\\.my.salesforce.com',
      'evil.com@acme.my.salesforce.com',
      'acme.my.salesforce.com%2fevil.com',
      'ac%6de.my.salesforce.com',
      'acme .my.salesforce.com',
      'acme.my.salesforce.com\n',
      'acme.my.ѕalesforce.com', // Cyrillic ѕ
      'acme.my.salesforce.com\u3002evil.com', // ideographic full stop
      '',
      '*.my.salesforce.com',
      '127.0.0.1',
    ],
  ],
  [
    '*.sandbox.my.salesforce.com',
    ['acme--dev.sandbox.my.salesforce.com'],
    ['sandbox.my.salesforce.com', 'acme.my.salesforce.com', 'x.y.sandbox.my.salesforce.com'],
  ],
  [
    '**.my.salesforce.com',
    ['acme.my.salesforce.com', 'acme--dev.sandbox.my.salesforce.com', 'a.b.c.d.my.salesforce.com'],
    ['my.salesforce.com', 'evil-my.salesforce.com', 'my.salesforce.com.evil.com', 'salesforce.com'],
  ],
  ['*.*.example.com', ['a.b.example.com'], ['a.example.com', 'a.b.c.example.com', 'example.com']],
  [
    'accounts.zoho.{com,eu,in,com.au,jp}',
    ['accounts.zoho.com', 'accounts.zoho.eu', 'accounts.zoho.in', 'accounts.zoho.com.au', 'accounts.zoho.jp', 'Accounts.Zoho.EU.'],
    ['accounts.zoho.au', 'accounts.zoho.co', 'accounts.zoho.com.evil.com', 'x.accounts.zoho.com', 'zoho.com', 'accounts.zoho.comau', 'accounts.zoho.{com,eu}'],
  ],
  [
    '*.zoho.{com,eu,in,com.au,jp}',
    ['www.zoho.com', 'api.zoho.com.au', 'accounts.zoho.jp'],
    ['zoho.com', 'zoho.com.au', 'a.b.zoho.eu', 'evilzoho.com', 'zoho.com.au.evil.com', 'x.zoho.au'],
  ],
  ['{api,auth}.example.{com,eu}', ['api.example.com', 'auth.example.eu'], ['www.example.com', 'api.example.org']],
  ['api.example.com', ['api.example.com', 'API.EXAMPLE.COM', 'api.example.com.'], ['example.com', 'x.api.example.com', 'api.example.com:443', 'api.example.co']],
  ['api.example.com:8443', ['api.example.com:8443', 'API.example.com.:8443'], ['api.example.com', 'api.example.com:443', 'api.example.com:08443', 'api.example.com:84430']],
  ['api.example.com.', ['api.example.com', 'api.example.com.'], ['api.example.com..']],
  ['*.bücher.example', ['shop.bücher.example', 'shop.xn--bcher-kva.example', 'shop.BÜCHER.example'], ['shop.bucher.example', 'bücher.example']],
  ['*.xn--bcher-kva.example', ['shop.bücher.example'], ['xn--bcher-kva.example']],
  ['*.api.internal', ['x.api.internal'], ['api.internal', 'x.internal']],
  ['a_b.example.com', ['a_b.example.com'], ['ab.example.com']],
  // IP literals: only the very address, however it is spelled; never through a name pattern.
  ['203.0.113.5', ['203.0.113.5', '203.0.113.5.', '0xcb.0.113.5', '3405803781'], ['203.0.113.50', '203.0.113.5:443', 'x.203.0.113.5', '[::ffff:203.0.113.5]']],
  ['203.0.113.5:8080', ['203.0.113.5:8080'], ['203.0.113.5']],
  ['[2001:db8::1]', ['[2001:db8::1]', '[2001:DB8:0:0:0:0:0:1]', '2001:db8::1'], ['[2001:db8::2]', '[2001:db8::1]:443', '2001:db8::1:443']],
  ['[2001:db8::1]:8443', ['[2001:db8::1]:8443'], ['[2001:db8::1]', '[2001:db8::1]:443']],
];

describe('compileHostPattern: matching', () => {
  describe.each(TABLE)('%s', (pattern, matches, mismatches) => {
    const compiled = compileHostPattern(pattern);
    it.each(matches)('matches %j', (host) => {
      expect(compiled.matches(host)).toBe(true);
    });
    it.each(mismatches)('does not match %j', (host) => {
      expect(compiled.matches(host)).toBe(false);
    });
  });

  it('keeps the source and accepts the pattern for checkHostPattern', () => {
    for (const [pattern] of TABLE) {
      expect(checkHostPattern(pattern)).toBeUndefined();
      expect(compileHostPattern(pattern).source).toBe(pattern);
    }
  });

  it('never lets a name pattern match an IP literal, in any spelling the URL parser reads as one', () => {
    const pattern = compileHostPattern('*.example.com');
    for (const host of ['127.0.0.1', '127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '[::1]', '::1', '[::ffff:127.0.0.1]', '169.254.169.254']) {
      expect(pattern.matches(host)).toBe(false);
    }
    // A numeric last label is an IPv4 address to the URL parser (or no host at all), never a name.
    expect(compileHostPattern('*.example.com').matches('1.example.com')).toBe(true);
    expect(compileHostPattern('*.example.com').matches('x.example.1')).toBe(false);
  });

  it('compares hosts as the URL parser maps them (UTS #46): what matches is where the request goes', () => {
    const pattern = compileHostPattern('*.my.salesforce.com');
    // "ſ" (long s) maps to "s": the URL parser sends this to acme.my.salesforce.com.
    expect(new URL('https://acme.my.saleſforce.com/').host).toBe('acme.my.salesforce.com');
    expect(pattern.matches('acme.my.saleſforce.com')).toBe(true);
    // Fullwidth letters map to ASCII; Cyrillic lookalikes are other names.
    expect(pattern.matches('ａｃｍｅ.my.salesforce.com')).toBe(true);
    expect(new URL('https://acme.my.ѕalesforce.com/').host).toBe('acme.my.xn--alesforce-k9h.com');
    expect(pattern.matches(new URL('https://acme.my.ѕalesforce.com/').host)).toBe(false);
  });

  it('returns false, never throws, for input that is not a host', () => {
    const pattern = compileHostPattern('*.example.com');
    for (const host of [undefined, null, 42, {}, 'a'.repeat(2000), '[', '[::1', 'x.example.com:', 'x.example.com:0', 'x.example.com:65536', 'x.example.com:-1', `${'a'.repeat(64)}.example.com`, 'xn--zz.example.com']) {
      expect(pattern.matches(host as string)).toBe(false);
    }
  });

  it('matches in linear time on long hostile hosts', () => {
    const pattern = compileHostPattern('**.zoho.{com,eu,in,com.au,jp}');
    const hosts = [`${'a.'.repeat(120)}zoho.com`, `${'a.'.repeat(490)}x`, `${'a'.repeat(999)}`, `${'.'.repeat(999)}`, `${'a-'.repeat(499)}a`];
    const started = performance.now();
    for (let round = 0; round < 1000; round++) for (const host of hosts) pattern.matches(host);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(pattern.matches(`${'a.'.repeat(120)}zoho.com`)).toBe(true);
  });
});

describe('checkHostPattern: refusals', () => {
  it.each([
    ['', 'the host pattern is empty'],
    ['*', '"*" would match every host: name the domain the wildcard stands under ("*.example.com")'],
    ['**', '"**" would match every host: name the domain the wildcard stands under ("*.example.com")'],
    ['*.', '"*." would match every host: name the domain the wildcard stands under ("*.example.com")'],
    ['*.*', '"*.*" would match every host: name the domain the wildcard stands under ("*.example.com")'],
    ['*.com', `"*.com" would match every host under the public suffix "com": keep the organisation's domain fixed ("*.example.com")`],
    ['**.com', `"**.com" would match every host under the public suffix "com": keep the organisation's domain fixed ("*.example.com")`],
    ['*.*.com', `"*.*.com" would match every host under the public suffix "com": keep the organisation's domain fixed ("*.example.com")`],
    ['*.co.uk', `"*.co.uk" would match every host under the public suffix "co.uk": keep the organisation's domain fixed ("*.example.co.uk")`],
    ['*.COM.AU', `"*.COM.AU" would match every host under the public suffix "com.au": keep the organisation's domain fixed ("*.example.com.au")`],
    ['*.github.io', `"*.github.io" would match every host under the public suffix "github.io": keep the organisation's domain fixed ("*.example.github.io")`],
    ['*.s3.amazonaws.com', `"*.s3.amazonaws.com" would match every host under the public suffix "s3.amazonaws.com": keep the organisation's domain fixed ("*.example.s3.amazonaws.com")`],
    ['*.{example.com,co.uk}', `"*.{example.com,co.uk}" would match every host under the public suffix "co.uk": keep the organisation's domain fixed ("*.example.co.uk")`],
    ['*.internal', `"*.internal" would match every host under the public suffix "internal": keep the organisation's domain fixed ("*.example.internal")`],
    ['a*.example.com', '"a*.example.com": "*" must be a whole label ("*.example.com"), not part of "a*"'],
    ['*a.example.com', '"*a.example.com": "*" must be a whole label ("*.example.com"), not part of "*a"'],
    ['***.example.com', '"***.example.com": "*" must be a whole label ("*.example.com"), not part of "***"'],
    ['api.*.example.com', '"api.*.example.com": wildcards may only be the leftmost labels ("*.example.com")'],
    ['example.*', '"example.*": wildcards may only be the leftmost labels ("*.example.com")'],
    ['*.**.example.com', '"*.**.example.com": "**" (one or more labels) cannot be combined with other wildcards'],
    ['**.*.example.com', '"**.*.example.com": "**" (one or more labels) cannot be combined with other wildcards'],
    ['{*,a}.example.com', '"{*,a}.example.com": "*" must be a whole label ("*.example.com"), not part of "{*,a}"'],
    ['https://api.example.com', '"https://api.example.com" is a URL or a path: write the host alone (for example "*.example.com")'],
    ['api.example.com/v1', '"api.example.com/v1" is a URL or a path: write the host alone (for example "*.example.com")'],
    [' api.example.com', '" api.example.com" contains " ", which a host pattern cannot hold'],
    ['api.example.com%2f', '"api.example.com%2f" contains "%", which a host pattern cannot hold'],
    ['user@api.example.com', '"user@api.example.com" contains "@", which a host pattern cannot hold'],
    ['api.example.com:', '"api.example.com:": "" is not a port (1 to 65535)'],
    ['api.example.com:0', '"api.example.com:0": "0" is not a port (1 to 65535)'],
    ['api.example.com:65536', '"api.example.com:65536": "65536" is not a port (1 to 65535)'],
    ['api.example.com:08443', '"api.example.com:08443": "08443" is not a port (1 to 65535)'],
    ['api.example.com:*', '"api.example.com:*": "*" is not a port (1 to 65535)'],
    [':443', '":443" has no host'],
    ['a..example.com', '"a..example.com" has an empty label ("..")'],
    ['api.example.com..', '"api.example.com.." has an empty label ("..")'],
    ['.example.com', '".example.com" has an empty label ("..")'],
    ['-api.example.com', '"-api.example.com": "-api" is not a valid host label (letters, digits and inner hyphens, at most 63)'],
    ['api-.example.com', '"api-.example.com": "api-" is not a valid host label (letters, digits and inner hyphens, at most 63)'],
    [`${'a'.repeat(64)}.example.com`, `"${'a'.repeat(57)}...": "${'a'.repeat(57)}..." is not a valid host label (letters, digits and inner hyphens, at most 63)`],
    ['xn--zz.example.com', '"xn--zz.example.com": "xn--zz.example.com" is not a valid host name'],
    ['example.1', '"example.1": "example.1" ends in a number, so it is neither a host name nor an IPv4 address'],
    ['*.example.0x1f', '"*.example.0x1f": "example.0x1f" ends in a number, so it is neither a host name nor an IPv4 address'],
    ['*.203.0.113.5', '"*.203.0.113.5": an IP address cannot take wildcards or alternatives: write each address alone'],
    ['{203.0.113.5,203.0.113.6}', '"{203.0.113.5,203.0.113.6}": an IP address cannot take wildcards or alternatives: write each address alone'],
    ['127.1', '"127.1": write the IPv4 address as 127.0.0.1'],
    ['2130706433', '"2130706433": write the IPv4 address as 127.0.0.1'],
    ['2001:db8::1', '"2001:db8::1": write an IPv6 address in brackets ("[2001:db8::1]")'],
    ['[2001:db8::1', '"[2001:db8::1" opens "[" without closing it'],
    ['[2001:db8::g]', '"[2001:db8::g]" is not a valid IPv6 address'],
    ['[203.0.113.5]', '"[203.0.113.5]" is not a valid IPv6 address'],
    ['[2001:db8::1]:0', '"[2001:db8::1]:0": "0" is not a port (1 to 65535)'],
    ['api{1,2}.example.com', '"api{1,2}.example.com": braces must hold whole labels ("api.example.{com,eu}"), not part of one'],
    ['api.example.{com,eu}x', '"api.example.{com,eu}x": braces must hold whole labels ("api.example.{com,eu}"), not part of one'],
    ['api.example.{com,,eu}', '"api.example.{com,,eu}" has an empty alternative in "{com,,eu}"'],
    ['api.example.{com,}', '"api.example.{com,}" has an empty alternative in "{com,}"'],
    ['api.example.{}', '"api.example.{}" has an empty alternative in "{}"'],
    ['api.example.{.com,eu}', '"api.example.{.com,eu}": an alternative in "{.com,eu}" starts or ends with "."'],
    ['api.example.{com,{eu}}', '"api.example.{com,{eu}}": braces cannot be nested'],
    ['api.example.{com,eu', '"api.example.{com,eu" opens "{" without closing it'],
    ['api.example.com,eu', '"api.example.com,eu": "," may only separate alternatives inside "{…}"'],
    ['api.example.}com', '"api.example.}com" closes "}" without opening it'],
    ['{a,b,c,d,e,f,g,h}.{a,b,c,d,e,f,g,h,i}.example.com', '"{a,b,c,d,e,f,g,h}.{a,b,c,d,e,f,g,h,i}.example.com" expands to more than 64 hosts'],
    ['api.example\u3002com', '"api.example\u3002com" contains "\u3002", which a host pattern cannot hold'],
    [`*.${'a'.repeat(1000)}`, 'the host pattern is longer than 1000 characters'],
  ])('refuses %j: %s', (pattern, message) => {
    expect(checkHostPattern(pattern)).toBe(message);
    expect(() => compileHostPattern(pattern)).toThrow(new TypeError(message));
  });

  it('accepts a wildcard under a registrable domain, uppercase, Unicode and a port', () => {
    for (const pattern of ['*.my.salesforce.com', '*.Example.COM', '*.example.co.uk', '*.x.github.io', '*.bücher.de', '*.example.com:8443', '**.example.com.', '*.a.b.example.com']) {
      expect(checkHostPattern(pattern)).toBeUndefined();
    }
  });
});

describe('requireAllowedHost', () => {
  const patterns = ['*.my.salesforce.com', '*.sandbox.my.salesforce.com'].map(compileHostPattern);

  it('returns the URL when its host matches a pattern', () => {
    const url = requireAllowedHost('https://acme.my.salesforce.com/services/data', patterns);
    expect(url.href).toBe('https://acme.my.salesforce.com/services/data');
    expect(requireAllowedHost(new URL('https://acme--dev.sandbox.my.salesforce.com:443/x'), patterns).host).toBe('acme--dev.sandbox.my.salesforce.com');
  });

  it('throws a HostNotAllowedError naming the host and every pattern, never the rest of the URL', () => {
    let caught: unknown;
    try {
      requireAllowedHost('https://user:s3cr3t@evil.example.com/steal?token=t0k3n', patterns);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HostNotAllowedError);
    expect(caught).toBeInstanceOf(RequestRefusedError);
    const error = caught as HostNotAllowedError;
    expect(ConnectorError.isConnectorError(error)).toBe(true);
    expect(error.code).toBe('CONNECTOR_REQUEST_REFUSED');
    expect(error.message).toBe(
      'refusing to send credentials to "evil.example.com": it matches none of the allowed host patterns "*.my.salesforce.com", "*.sandbox.my.salesforce.com"',
    );
    expect(error.host).toBe('evil.example.com');
    expect(error.patterns).toEqual(['*.my.salesforce.com', '*.sandbox.my.salesforce.com']);
    expect(error.message).not.toMatch(/s3cr3t|t0k3n|steal/);
  });

  it('refuses a port the pattern does not name, a lookalike, an IP and text that is not a URL', () => {
    for (const url of [
      'https://acme.my.salesforce.com:8443/',
      'https://acme.my.salesforce.com.evil.com/',
      'https://evil-my.salesforce.com/',
      'https://127.0.0.1/',
      'https://[::1]/',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      expect(() => requireAllowedHost(url, patterns)).toThrow(HostNotAllowedError);
    }
    expect(() => requireAllowedHost('not a url s3cr3t', patterns)).toThrow(
      'refusing to send credentials to "(not a URL)": it matches none of the allowed host patterns "*.my.salesforce.com", "*.sandbox.my.salesforce.com"',
    );
    expect(() => requireAllowedHost('https://acme.my.salesforce.com/', [])).toThrow(
      'refusing to send credentials to "acme.my.salesforce.com": no host pattern is declared',
    );
  });
});
