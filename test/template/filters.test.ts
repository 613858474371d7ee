/**
 * Unit tests of sdk/template/filters.ts (through the one engine of liquid.ts): hashes and hmac
 * against RFC vectors, output and key encodings, base64url and hex round trips, one nonce and
 * uuid per request (per scope object or requestScope), the time filters on a fixed `now`, the
 * size caps, argument checks at parse time and at render time, prototype names as options, and
 * what the validator learns from them.
 */
import { createHmac } from 'node:crypto';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../sdk/errors.js';
import { validateManifest } from '../../sdk/index.js';
import {
  compileTemplate,
  ENGINE_OPTIONS,
  MAX_REQUEST_VALUES,
  REQUEST_VALUES,
  requestScope,
  SDK_FILTERS,
  templateVariables,
  type TemplateScope,
} from '../../sdk/template/liquid.js';

const NOW = 1_700_000_000; // 2023-11-14T22:13:20Z, a Tuesday

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('expected a TemplateError, nothing was thrown');
}

const render = (source: string, scope: TemplateScope = { now: NOW }) => compileTemplate(source, '/t').render(scope);
const renderValue = (source: string, scope: TemplateScope = { now: NOW }) => compileTemplate(source, '/t').renderValue(scope);
const withInput = (input: Record<string, unknown>): TemplateScope => ({ input, now: NOW });

describe('hashes', () => {
  it.each([
    ['md5', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['md5', 'abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha512', 'abc', 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'],
  ])('%s of %j is the known hex digest', (filter, text, digest) => {
    expect(render(`{{ input.x | ${filter} }}`, withInput({ x: text }))).toBe(digest);
    expect(render(`{{ input.x | ${filter}: "hex" }}`, withInput({ x: text }))).toBe(digest);
  });

  it('writes base64, base64url and hex, by position or as output:', () => {
    const scope = withInput({ x: 'abc' });
    expect(render('{{ input.x | sha256: "base64" }}', scope)).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    expect(render('{{ input.x | sha256: "base64url" }}', scope)).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(render('{{ input.x | sha256: output: "base64" }}', scope)).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    expect(render('{{ input.x | sha256: input.enc }}', withInput({ x: 'abc', enc: 'base64url' }))).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(render('{{ input.x | sha256: nil }}', scope)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes the UTF-8 bytes of the text; nil is the empty text, numbers as Liquid prints them', () => {
    expect(render('{{ input.x | sha256 }}', withInput({ x: 'é' }))).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
    expect(render('{{ input.x | md5 }}', withInput({ x: null }))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(render('{{ input.x | md5 }}', withInput({ x: 12 }))).toBe(render('{{ "12" | md5 }}'));
  });

  it('refuses lists and objects rather than hashing "[object Object]"', () => {
    expect(thrown(() => render('{{ input.x | sha256 }}', withInput({ x: { a: 1 } }))).message).toBe(
      'template at /t failed: sha256: the input must be text, not a object, line:1, col:1',
    );
    expect(thrown(() => render('{{ input.x | md5 }}', withInput({ x: [1] }))).message).toBe(
      'template at /t failed: md5: the input must be text, not a list, line:1, col:1',
    );
  });
});

describe('hmac', () => {
  const JEFE = withInput({ key: 'Jefe', message: 'what do ya want for nothing?' });

  it('RFC 4231 test case 2 (HMAC-SHA256 and -SHA512, key "Jefe"); sha256 is the default', () => {
    const sha256 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(render('{{ input.message | hmac: input.key }}', JEFE)).toBe(sha256);
    expect(render('{{ input.message | hmac: input.key, "sha256" }}', JEFE)).toBe(sha256);
    expect(render('{{ input.message | hmac: input.key, algorithm: "sha256" }}', JEFE)).toBe(sha256);
    expect(render('{{ input.message | hmac_sha256: input.key }}', JEFE)).toBe(sha256);
    expect(render('{{ input.message | hmac: input.key, "sha512" }}', JEFE)).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  it('RFC 2202 test cases 1 and 2 (HMAC-SHA1)', () => {
    expect(render('{{ input.message | hmac: input.key, "sha1" }}', JEFE)).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(render('{{ "Hi There" | hmac: input.key, "sha1", key_encoding: "hex" }}', withInput({ key: '0b'.repeat(20) }))).toBe(
      'b617318655057264e28bc0b6fb378c8ef146be00',
    );
  });

  it('RFC 4231 test case 1 with a hex key; the same key as base64 and base64url', () => {
    const expected = 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7';
    const key = Buffer.alloc(20, 0x0b);
    expect(render('{{ "Hi There" | hmac: input.k, key_encoding: "hex" }}', withInput({ k: key.toString('hex').toUpperCase() }))).toBe(expected);
    expect(render('{{ "Hi There" | hmac: input.k, key_encoding: "base64" }}', withInput({ k: key.toString('base64') }))).toBe(expected);
    expect(render('{{ "Hi There" | hmac: input.k, key_encoding: "base64url" }}', withInput({ k: key.toString('base64url') }))).toBe(expected);
    expect(render('{{ input.message | hmac: "SmVmZQ==", key_encoding: "base64" }}', JEFE)).toBe(render('{{ input.message | hmac: "Jefe" }}', JEFE));
    expect(render('{{ input.message | hmac: "Jefe", key_encoding: "text" }}', JEFE)).toBe(render('{{ input.message | hmac: "Jefe" }}', JEFE));
  });

  it('writes base64 and base64url with output:, all options together', () => {
    expect(render('{{ input.message | hmac: input.key, output: "base64" }}', JEFE)).toBe('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=');
    expect(render('{{ input.message | hmac: input.key, "sha256", output: "base64url" }}', JEFE)).toBe('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM');
    expect(render('{{ input.message | hmac: "4a656665", algorithm: "sha256", key_encoding: "hex", output: "base64" }}', JEFE)).toBe(
      'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=',
    );
  });

  it('chains: a hex HMAC is the key of the next (AWS Signature V4 style)', () => {
    const source = '{% assign k1 = "20231114" | hmac: "AWS4secret" %}{{ "eu-west-1" | hmac: k1, key_encoding: "hex" }}';
    const k1 = createHmac('sha256', 'AWS4secret').update('20231114').digest();
    expect(render(source)).toBe(createHmac('sha256', k1).update('eu-west-1').digest('hex'));
  });

  it('refuses a key that is not in its key_encoding, never printing the key', () => {
    for (const [encoding, key] of [['hex', 'abc'], ['hex', 'zz'], ['base64', 'a-b_'], ['base64url', 'a+b/'], ['base64', 'abcde']]) {
      const error = thrown(() => render(`{{ "m" | hmac: input.k, key_encoding: "${encoding}" }}`, withInput({ k: key })));
      expect(error.message).toBe(`template at /t failed: hmac: the key is not ${encoding} (key_encoding: "${encoding}"), line:1, col:1`);
    }
  });

  it('refuses a nil key when rendering and a missing key when parsing', () => {
    expect(thrown(() => render('{{ "m" | hmac: input.k }}', withInput({ k: null }))).message).toBe(
      'template at /t failed: hmac needs a key: the key is nil, line:1, col:1',
    );
    expect(thrown(() => compileTemplate('{{ "m" | hmac }}', '/t')).message).toBe(
      'template at /t does not parse: hmac needs a key: {{ message | hmac: credentials.secret }}, line:1, col:10',
    );
  });
});

describe('arguments', () => {
  const parseError = (source: string) => thrown(() => compileTemplate(source, '/t')).message;

  it('refuses literal values out of range when the template is parsed', () => {
    expect(parseError('{{ "m" | hmac: "k", "md5" }}')).toBe('template at /t does not parse: hmac: algorithm must be "sha1", "sha256" or "sha512", line:1, col:10');
    expect(parseError('{{ "m" | hmac: "k", algorithm: "SHA256" }}')).toBe(
      'template at /t does not parse: hmac: algorithm must be "sha1", "sha256" or "sha512", line:1, col:10',
    );
    expect(parseError('{{ "m" | hmac: "k", key_encoding: "utf16" }}')).toBe(
      'template at /t does not parse: hmac: key_encoding must be "text", "hex", "base64" or "base64url", line:1, col:10',
    );
    expect(parseError('{{ "m" | sha256: "b64" }}')).toBe('template at /t does not parse: sha256: output must be "hex", "base64" or "base64url", line:1, col:10');
    expect(parseError('{{ "n" | nonce: 0 }}')).toBe('template at /t does not parse: nonce: bytes must be a whole number from 1 to 1024, line:1, col:10');
    expect(parseError('{{ "n" | nonce: 1.5 }}')).toBe('template at /t does not parse: nonce: bytes must be a whole number from 1 to 1024, line:1, col:10');
    expect(parseError('{{ now | time_add: "soon" }}')).toBe('template at /t does not parse: time_add: seconds must be a number of seconds (negative allowed), line:1, col:10');
    expect(parseError('{{ now | iso8601: "minutes" }}')).toBe('template at /t does not parse: iso8601: precision must be "seconds" or "milliseconds", line:1, col:10');
  });

  it('refuses unknown options, surplus and misplaced arguments, options given twice', () => {
    expect(parseError('{{ "m" | hmac: "k", algo: "sha1" }}')).toBe(
      'template at /t does not parse: hmac has no option "algo": it takes key, algorithm, key_encoding: …, output: …, line:1, col:10',
    );
    expect(parseError('{{ "m" | hmac: "k", "sha1", "hex" }}')).toBe(
      'template at /t does not parse: hmac takes at most 2 arguments (the others by name): it takes key, algorithm, key_encoding: …, output: …, line:1, col:10',
    );
    expect(parseError('{{ "m" | hmac: "k", output: "hex", "sha1" }}')).toBe('template at /t does not parse: hmac: give arguments by position first, then by name, line:1, col:10');
    expect(parseError('{{ "m" | hmac: "k", "sha1", algorithm: "sha1" }}')).toBe('template at /t does not parse: hmac: algorithm is given twice, line:1, col:10');
    expect(parseError('{{ "m" | uuid: 4 }}')).toBe('template at /t does not parse: uuid takes no arguments: write {{ … | uuid }}, line:1, col:10');
    expect(parseError('{{ now | http_date: "x" }}')).toBe('template at /t does not parse: http_date takes no arguments: write {{ … | http_date }}, line:1, col:10');
    expect(parseError('{{ now | strftime }}')).toBe('template at /t does not parse: strftime needs a format: {{ now | strftime: "%Y-%m-%d" }}, line:1, col:10');
    expect(parseError('{{ now | time_add }}')).toBe('template at /t does not parse: time_add needs a number of seconds: {{ now | time_add: 300 }}, line:1, col:10');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'])('"%s:" is an unknown option, not a prototype member', (name) => {
    expect(parseError(`{{ "m" | hmac: "k", ${name}: "x" }}`)).toMatch(new RegExp(`^template at /t does not parse: hmac has no option "${name}"`));
    expect(parseError(`{{ "m" | sha256: ${name}: "hex" }}`)).toMatch(new RegExp(`^template at /t does not parse: sha256 has no option "${name}"`));
  });

  it('checks arguments in every place a filter can be: assign, echo, if, for, capture, liquid', () => {
    for (const source of [
      '{% assign x = "m" | sha1: "b64" %}',
      '{% echo "m" | sha1: "b64" %}',
      '{% if true %}{% else %}{{ "m" | sha1: "b64" }}{% endif %}',
      '{% for i in (1..2) %}{{ "m" | sha1: "b64" }}{% endfor %}',
      '{% capture c %}{{ "m" | sha1: "b64" }}{% endcapture %}',
      '{% liquid\n echo "m" | sha1: "b64"\n%}',
      '{% case 1 %}{% when 1 %}{{ "m" | sha1: "b64" }}{% endcase %}',
    ]) {
      expect(parseError(source), source).toMatch(/^template at \/t does not parse: sha1: output must be "hex", "base64" or "base64url"/);
    }
  });

  it('checks values from variables when rendering, without printing them', () => {
    const error = thrown(() => render('{{ "m" | hmac: "k", input.alg }}', withInput({ alg: 'SECRET-not-an-algorithm' })));
    expect(error.message).toBe('template at /t failed: hmac: algorithm must be "sha1", "sha256" or "sha512", line:1, col:1');
    expect(thrown(() => render('{{ "n" | nonce: input.n }}', withInput({ n: 4096 }))).message).toBe(
      'template at /t failed: nonce: bytes must be a whole number from 1 to 1024, line:1, col:1',
    );
  });

  it('registers every SDK filter on the engine (strictFilters knows them)', () => {
    for (const filter of SDK_FILTERS) expect(() => compileTemplate(`{{ now | ${filter}${filter === 'strftime' ? ': "%Y"' : filter === 'time_add' ? ': 1' : filter === 'hmac' || filter === 'hmac_sha256' ? ': "k"' : ''} }}`, '/t'), filter).not.toThrow();
  });
});

describe('encodings', () => {
  const TEXTS = ['', 'hi there', 'é?>', '\u0000\u00ff', '😀 ü', 'a'.repeat(1000)];

  it.each(TEXTS)('base64url, base64 and hex round-trip %j', (text) => {
    const scope = withInput({ x: text });
    expect(render('{{ input.x | base64url_encode | base64url_decode }}', scope)).toBe(text);
    expect(render('{{ input.x | base64_encode | base64_decode }}', scope)).toBe(text);
    expect(render('{{ input.x | hex_encode | hex_decode }}', scope)).toBe(text);
  });

  it('encodes to the known strings', () => {
    expect(render('{{ "é?>" | hex_encode }}')).toBe('c3a93f3e');
    expect(render('{{ "C3A93F3E" | hex_decode }}')).toBe('é?>');
    expect(render('{{ "??>" | base64url_encode }}')).toBe('Pz8-');
    expect(render('{{ "Pz8-" | base64url_decode }}')).toBe('??>');
    expect(render('{{ "aGk" | base64url_decode }}')).toBe('hi');
    expect(render('{{ "aGk=" | base64url_decode }}')).toBe('hi');
  });

  it('refuses what is not hex or base64url, never printing it', () => {
    for (const bad of ['abc', 'zz', '0x12']) {
      expect(thrown(() => render('{{ input.x | hex_decode }}', withInput({ x: bad }))).message).toBe(
        'template at /t failed: hex_decode: the input is not hex (pairs of 0-9 a-f A-F), line:1, col:1',
      );
    }
    for (const bad of ['a+b/', 'abcde', 'ab=c', 'ab===']) {
      expect(thrown(() => render('{{ input.x | base64url_decode }}', withInput({ x: bad }))).message).toBe(
        'template at /t failed: base64url_decode: the input is not base64url (A-Z a-z 0-9 - _, padding optional), line:1, col:1',
      );
    }
  });
});

describe('nonce and uuid: one value per request', () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const header = compileTemplate('{{ "request" | nonce }}', '/headers/X-Nonce');
  const body = compileTemplate('{"nonce": {{ "request" | nonce | json }}, "id": "{{ "request" | uuid }}"}', '/body_template');
  const idHeader = compileTemplate('{{ "request" | uuid }}', '/headers/X-Request-Id');

  it('two templates rendered with one scope object share the nonce and the uuid; another scope gets others', () => {
    const first: TemplateScope = { now: NOW };
    const nonce = header.render(first);
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    const parsed = JSON.parse(body.render(first)) as { nonce: string; id: string };
    expect(parsed.nonce).toBe(nonce);
    expect(parsed.id).toMatch(UUID_V4);
    expect(idHeader.render(first)).toBe(parsed.id);
    expect(header.render(first)).toBe(nonce);

    const second: TemplateScope = { now: NOW };
    expect(header.render(second)).not.toBe(nonce);
    expect(idHeader.render(second)).not.toBe(parsed.id);
    expect(JSON.parse(body.render(second)).nonce).toBe(header.render(second));
  });

  it('renderValue (JSON body fields) shares the value with render (headers)', () => {
    const scope: TemplateScope = { now: NOW };
    expect(compileTemplate('{{ "request" | nonce }}', '/body/nonce').renderValue(scope)).toBe(header.render(scope));
  });

  it('requestScope: spreads of it (as auth strategies make) are the same request; requestScope again is a new one', () => {
    const base: TemplateScope = Object.freeze({ credentials: { k: 'v' }, env: 'live' });
    const request = requestScope({ ...base, now: NOW });
    const nonce = header.render(request);
    expect(header.render({ ...request, auth: { access_token: 't' } })).toBe(nonce);
    expect(header.render(requestScope(request))).not.toBe(nonce);
    expect(header.render(requestScope({ ...base, now: NOW }))).not.toBe(nonce);
    // The values live under a symbol: templates cannot read or print them.
    expect(Object.keys(request)).toEqual(['credentials', 'env', 'now']);
    expect(Object.getOwnPropertySymbols(request)).toEqual([REQUEST_VALUES]);
  });

  it('a spread copy of a plain scope is another request; a frozen scope works and is not written to', () => {
    const plain: TemplateScope = Object.freeze({ now: NOW });
    const nonce = header.render(plain);
    expect(header.render(plain)).toBe(nonce);
    expect(header.render({ ...plain })).not.toBe(nonce);
    expect(Reflect.ownKeys(plain)).toEqual(['now']);
  });

  it('the input names the value: other names, other values; one name in two encodings is the same bytes', () => {
    const scope: TemplateScope = { now: NOW };
    expect(render('{{ "a" | nonce }}', scope)).not.toBe(render('{{ "b" | nonce }}', scope));
    expect(render('{{ "a" | uuid }}', scope)).not.toBe(render('{{ "b" | uuid }}', scope));
    const hex = render('{{ "a" | nonce }}', scope);
    expect(Buffer.from(render('{{ "a" | nonce: 16, "base64url" }}', scope), 'base64url').toString('hex')).toBe(hex);
    expect(Buffer.from(render('{{ "a" | nonce: output: "base64" }}', scope), 'base64').toString('hex')).toBe(hex);
    expect(render('{{ nil | nonce }}', scope)).toBe(render('{{ "" | nonce }}', scope));
  });

  it('sizes and encodings: default 16 bytes hex, 1 to 1024 bytes, base64 and base64url', () => {
    const scope: TemplateScope = { now: NOW };
    expect(render('{{ "x" | nonce: 32 }}', scope)).toMatch(/^[0-9a-f]{64}$/);
    expect(render('{{ "x" | nonce: 1 }}', scope)).toMatch(/^[0-9a-f]{2}$/);
    expect(render('{{ "x" | nonce: 1024 }}', scope)).toMatch(/^[0-9a-f]{2048}$/);
    expect(render('{{ "x" | nonce: 16, "base64url" }}', scope)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(render('{{ "x" | nonce: bytes: 12, output: "base64" }}', scope)).toMatch(/^[A-Za-z0-9+/]{16}$/);
    expect(thrown(() => compileTemplate('{{ "x" | nonce: 1025 }}', '/t')).message).toBe(
      'template at /t does not parse: nonce: bytes must be a whole number from 1 to 1024, line:1, col:10',
    );
  });

  it(`at most ${MAX_REQUEST_VALUES} nonces and uuids per request; names of at most 256 characters`, () => {
    const scope: TemplateScope = { now: NOW };
    const loop = (n: number) => `{% for i in (1..${n}) %}{{ i | nonce: 1024 }}{% endfor %}`;
    expect(render(loop(MAX_REQUEST_VALUES), scope)).toHaveLength(MAX_REQUEST_VALUES * 2048);
    expect(thrown(() => render(loop(MAX_REQUEST_VALUES + 1), { now: NOW })).message).toBe(
      `template at /t failed: at most ${MAX_REQUEST_VALUES} different nonces and uuids may be made for one request, line:1, col:23`,
    );
    expect(thrown(() => render('{{ input.n | uuid }}', withInput({ n: 'x'.repeat(257) }))).message).toBe(
      'template at /t failed: uuid: the name in front of it is longer than 256 characters, line:1, col:1',
    );
    expect(thrown(() => render('{{ input.n | uuid }}', withInput({ n: [1] }))).message).toBe(
      'template at /t failed: uuid: the input names the value and must be text: {{ "request" | uuid }}, line:1, col:1',
    );
  });
});

describe('time filters: from the scope\'s now, never the host clock', () => {
  it.each([
    ['{{ now | unix_time }}', '1700000000'],
    ['{{ "now" | unix_time }}', '1700000000'],
    ['{{ now | unix_time_ms }}', '1700000000000'],
    ['{{ now | iso8601 }}', '2023-11-14T22:13:20Z'],
    ['{{ now | iso8601: "seconds" }}', '2023-11-14T22:13:20Z'],
    ['{{ now | iso8601: "milliseconds" }}', '2023-11-14T22:13:20.000Z'],
    ['{{ now | http_date }}', 'Tue, 14 Nov 2023 22:13:20 GMT'],
    ['{{ now | strftime: "%Y%m%dT%H%M%SZ" }}', '20231114T221320Z'],
    ['{{ now | strftime: "%a, %d %b %Y %H:%M:%S %z | %A %B %j %%c" }}', 'Tue, 14 Nov 2023 22:13:20 +0000 | Tuesday November 318 %c'],
    ['{{ now | time_add: 300 }}', '1700000300'],
    ['{{ now | time_add: -300 | iso8601 }}', '2023-11-14T22:08:20Z'],
    ['{{ "now" | time_add: 86400 | http_date }}', 'Wed, 15 Nov 2023 22:13:20 GMT'],
    ['{{ now | time_add: 0.25 | unix_time_ms }}', '1700000000250'],
    ['{{ now | time_add: 0.75 | unix_time }}', '1700000000'],
    ['{{ "now" | date: "%Y-%m-%d %H:%M:%S" }}', '2023-11-14 22:13:20'],
    ['{{ "today" | date_to_xmlschema }}', '2023-11-14T22:13:20+00:00'],
    ['{{ now | date_to_rfc822 }}', 'Tue, 14 Nov 2023 22:13:20 +0000'],
  ])('%s → %s', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it('reads other times: epoch seconds as text, ISO 8601 with a zone or a date alone, IMF-fixdate', () => {
    expect(render('{{ "1700000000" | iso8601 }}')).toBe('2023-11-14T22:13:20Z');
    expect(render('{{ "2023-11-14T23:13:20+01:00" | unix_time }}')).toBe('1700000000');
    expect(render('{{ "2023-11-14T22:13:20.5Z" | unix_time_ms }}')).toBe('1700000000500');
    expect(render('{{ "2023-11-14" | unix_time }}')).toBe('1699920000');
    expect(render('{{ "Tue, 14 Nov 2023 22:13:20 GMT" | unix_time }}')).toBe('1700000000');
    expect(render('{{ 0 | http_date }}')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(render('{{ -62167219200 | iso8601 }}')).toBe('0000-01-01T00:00:00Z');
  });

  it('refuses times that depend on the host (no zone), do not exist, or are outside 0000–9999', () => {
    const message = (filter: string) =>
      `template at /t failed: ${filter} takes a time: epoch seconds, "now", or an ISO 8601 time with a zone (2023-11-14T22:13:20Z), line:1, col:1`;
    for (const bad of ['2023-11-14T22:13:20', '2023-02-30', '2023-11-14T24:00:00Z', 'yesterday', 'Wed, 14 Nov 2023 22:13:20 GMT', '']) {
      expect(thrown(() => render('{{ input.t | unix_time }}', withInput({ t: bad }))).message, bad).toBe(message('unix_time'));
    }
    expect(thrown(() => render('{{ input.t | iso8601 }}', withInput({ t: null }))).message).toBe(message('iso8601'));
    expect(thrown(() => render('{{ 253402300800 | http_date }}')).message).toBe('template at /t failed: http_date: the time is outside the years 0000 to 9999, line:1, col:1');
    expect(thrown(() => render('{{ now | time_add: input.s }}', withInput({ s: 1e300 }))).message).toBe('template at /t failed: time_add: the result is outside the years 0000 to 9999, line:1, col:1');
  });

  it('keeps the number type of unix_time in JSON values', () => {
    expect(renderValue('{{ now | time_add: 300 | unix_time }}')).toBe(1_700_000_300);
    expect(renderValue('{{ now | unix_time_ms }}')).toBe(1_700_000_000_000);
  });

  it('"now" where the scope has no now is a TemplateError, not the host clock', () => {
    for (const source of ['{{ "now" | unix_time }}', '{{ "now" | date: "%Y" }}', '{{ "today" | date_to_rfc822 }}']) {
      expect(thrown(() => render(source, {})).message, source).toMatch(/failed: (unix_time|date|date_to_rfc822): "now" is the scope's now, and this field is rendered without one/);
    }
  });

  it('follows a virtual clock: the same template renders the scope\'s time, whatever the host\'s', () => {
    const template = compileTemplate('{{ now | iso8601 }}', '/t');
    expect(template.render({ now: 0 })).toBe('1970-01-01T00:00:00Z');
    expect(template.render({ now: NOW + 3600 })).toBe('2023-11-14T23:13:20Z');
  });

  it('strftime keeps liquidjs\'s width cap (memory limit) and refuses the host-locale formats', () => {
    expect(thrown(() => render('{{ now | strftime: "%100000000Y" }}')).message).toBe('template at /t failed: memory alloc limit exceeded, line:1, col:1');
    for (const directive of ['%c', '%x', '%X', '%-c']) {
      expect(thrown(() => compileTemplate(`{{ now | strftime: "${directive}" }}`, '/t')).message).toMatch(
        new RegExp(`^template at /t does not parse: strftime: format must not use %${directive.at(-1)}: it depends on the host's locale`),
      );
    }
    expect(thrown(() => render('{{ now | strftime: input.f }}', withInput({ f: 'x %c' }))).message).toMatch(/^template at \/t failed: strftime: format must not use %c/);
  });
});

describe('size caps', () => {
  const big = 'a'.repeat(10_000_001);
  const wide = 'é'.repeat(5_000_001); // 5 000 001 characters, 10 000 002 bytes of UTF-8

  it.each(['md5', 'sha1', 'sha256', 'sha512', 'hex_encode', 'base64_encode', 'base64url_encode', 'hex_decode', 'base64_decode', 'base64url_decode', 'uri_encode'])(
    '%s refuses more than 10 MB of input with a TemplateError',
    (filter) => {
      expect(thrown(() => render(`{{ input.x | ${filter} }}`, withInput({ x: big }))).message).toBe(
        `template at /t failed: ${filter}: the input is larger than 10 MB (10000000 bytes of UTF-8), line:1, col:1`,
      );
    },
  );

  it('counts bytes, not characters; hashes exactly 10 MB', () => {
    expect(thrown(() => render('{{ input.x | sha256 }}', withInput({ x: wide }))).message).toBe(
      'template at /t failed: sha256: the input is larger than 10 MB (10000000 bytes of UTF-8), line:1, col:1',
    );
    expect(render('{{ input.x | sha256 }}', withInput({ x: big.slice(1) }))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hmac caps the message and the key', () => {
    expect(thrown(() => render('{{ input.x | hmac: "k" }}', withInput({ x: big }))).message).toBe(
      'template at /t failed: hmac: the input is larger than 10 MB (10000000 bytes of UTF-8), line:1, col:1',
    );
    expect(thrown(() => render('{{ "m" | hmac: input.x }}', withInput({ x: big }))).message).toBe(
      'template at /t failed: hmac: the key is larger than 10 MB (10000000 bytes of UTF-8), line:1, col:1',
    );
  });

  it('charges what encoders make to the memory limit: no hoarding through many assigns', () => {
    expect(thrown(() => render('{{ input.x | hex_encode }}', withInput({ x: 'a'.repeat(6_000_000) }))).message).toBe(
      'template at /t failed: memory alloc limit exceeded, line:1, col:1',
    );
    const assigns = Array.from({ length: 5 }, (_, i) => `{% assign v${i} = input.x | base64_encode %}`).join('');
    expect(thrown(() => render(assigns, withInput({ x: 'a'.repeat(2_000_000) }))).message).toMatch(/memory alloc limit exceeded/);
  });
});

describe('the validator knows them', () => {
  const manifest = (headers: Record<string, string>, actionHeaders: Record<string, string> = {}) => ({
    id: 'filters',
    name: 'Filters',
    version: '1.0.0',
    base_url: 'https://api.example.com',
    credentials: { type: 'object', properties: { secret: { type: 'string', 'x-secret': true } } },
    auth: { type: 'none' },
    headers,
    actions: { get: { method: 'GET', path: '/x', headers: actionHeaders } },
  });

  it('accepts the filters where the scope has what they read', () => {
    const result = validateManifest(
      manifest(
        { 'X-Sig': '{{ "x" | hmac: credentials.secret, "sha1", output: "base64" }}' },
        {
          'X-Nonce': '{{ "request" | nonce: 16, "base64url" }}',
          'X-Id': '{{ "request" | uuid }}',
          'X-Date': '{{ "now" | http_date }}',
          'X-Expires': '{{ now | time_add: 300 | iso8601 }}',
          'X-Sig': '{{ "request" | nonce | append: now | hmac: credentials.secret }}',
        },
      ),
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('reports bad literal arguments at their field', () => {
    const result = validateManifest(manifest({ 'X-Sig': '{{ "x" | hmac: credentials.secret, algorithm: "md5" }}' }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.find((d) => d.pointer === '/headers/X-Sig')?.message).toMatch(/hmac: algorithm must be "sha1", "sha256" or "sha512"/);
  });

  it('treats "now" piped into a time filter as the variable now: refused where the field has no now', () => {
    expect(templateVariables('{{ "now" | unix_time }}')).toEqual([['now']]);
    expect(templateVariables('{{ "today" | date: "%Y" }}{{ now }}')).toEqual([['now']]);
    expect(templateVariables('{{ "now" | upcase }}')).toEqual([]);
    const result = validateManifest(manifest({ 'X-Date': '{{ "now" | http_date }}' }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.find((d) => d.pointer === '/headers/X-Date')?.message).toMatch(/variable now is not available here/);
  });
});

describe('fast path and plain liquidjs', () => {
  /** liquidjs with the SDK's options and none of its filters. */
  const plain = new Liquid(ENGINE_OPTIONS);

  it.each([
    ['{{ input.a }}-{{ now }}', { input: { a: 'x' }, now: NOW }],
    ['{{ input.a | upcase }}', { input: { a: 'x' }, now: NOW }],
    ['{{ now | date: "%a %d %b %Y %H:%M:%S %z" }}', { now: NOW }],
    ['{{ 1700000000 | date_to_xmlschema }}', {}],
  ] as [string, TemplateScope][])('%j renders as liquidjs with the same options (UTC, English)', (source, scope) => {
    expect(render(source, scope)).toBe(plain.parseAndRenderSync(source, scope));
  });

  it('templates that use the SDK filters never take the fast path: they render through the engine', () => {
    const template = compileTemplate('{{ input.a | sha1 }}/{{ input.a }}', '/t');
    expect(template.isStatic).toBe(false);
    expect(template.render(withInput({ a: 'abc' }))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d/abc');
  });
});
