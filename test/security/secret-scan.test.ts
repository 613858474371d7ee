/**
 * The secret scanner checks itself (issue 15): a scanner that silently passes would make every
 * "no secret leaked" in the suite worthless. Each encoding a server or the SDK may produce is
 * caught on its own, and so is a secret hidden only in `cause.cause.message`, only in an own
 * enumerable field, only in an AggregateError's `errors`, only in the stack, only in what
 * util.inspect shows, or in a line of output. Reports name the secret by a short prefix and
 * never print it. These tests use their own scanner instances (and the pure `findSecrets`), so
 * the leaks they plant never reach this file's suite-wide report.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../sdk/redact.js';
import {
  ENCODINGS,
  SecretScanner,
  findSecrets,
  record,
  registerSecret,
  scanReport,
  secretForms,
  type Encoding,
} from '../helpers/secret-scan.js';

/** Space, ! ' ( ) ~ *, é, " \ / + ? and >: every encoding below differs from every other. */
const SECRET = `SECRET-canary x!'()~*é"\\/+?>>>`;
const OTHER = 'SECRET-canary-other-9f3e1a77';

/** Each form as real producers write it (not via the scanner's own list). */
const PRODUCED: Record<Encoding, string> = {
  raw: SECRET,
  uri: encodeURIComponent(SECRET),
  form: `SECRET-canary+x!'()~*%C3%A9%22%5C%2F%2B%3F%3E%3E%3E`,
  // fetch and undici keep a URL as its parser wrote it: encodeURIComponent's output with ' escaped.
  'url-query': `SECRET-canary%20x!%27()~*%C3%A9%22%5C%2F%2B%3F%3E%3E%3E`,
  urlsearchparams: new URLSearchParams({ t: SECRET }).toString().slice('t='.length),
  json: JSON.stringify({ t: SECRET }).slice('{"t":"'.length, -'"}'.length),
  // Python's json.dumps (ensure_ascii), Jackson with ESCAPE_NON_ASCII, PHP's json_encode.
  'json-ascii': `SECRET-canary x!'()~*\\u00e9\\"\\\\/+?>>>`,
  base64: Buffer.from(SECRET).toString('base64'),
  'base64-unpadded': 'U0VDUkVULWNhbmFyeSB4IScoKX4qw6kiXC8rPz4+Pg',
  base64url: Buffer.from(SECRET).toString('base64url'),
};

function encodingsFound(value: unknown, secrets: string[] = [SECRET]): Encoding[] {
  return [...new Set(findSecrets(value, secrets).map((hit) => hit.encoding))];
}

function placesFound(value: unknown, secrets: string[] = [SECRET]): string[] {
  return [...new Set(findSecrets(value, secrets).map((hit) => hit.where))];
}

describe('encodings', () => {
  it('the probe secret has ten distinct forms, and the list matches what real encoders produce', () => {
    const forms = secretForms(SECRET);
    expect(forms.map((form) => form.encoding)).toEqual([...ENCODINGS]);
    expect(new Set(forms.map((form) => form.text)).size).toBe(ENCODINGS.length);
    for (const form of forms) expect(form.text, form.encoding).toBe(PRODUCED[form.encoding]);
    expect(PRODUCED.base64).toBe(`${PRODUCED['base64-unpadded']}==`);
  });

  it.each(ENCODINGS.filter((encoding) => encoding !== 'raw'))('a secret present only as %s is caught', (encoding) => {
    const text = `upstream said: token=${PRODUCED[encoding]}; bye`;
    expect(text.includes(SECRET)).toBe(false);
    expect(encodingsFound(text)).toContain(encoding);
    expect(encodingsFound({ type: 'request.retry', reason: text })).toContain(encoding);
    expect(encodingsFound(new Error(text))).toContain(encoding);
  });

  it('what encoders write around a secret does not hide it (query strings, JSON documents, Basic-like blobs)', () => {
    expect(encodingsFound(`https://api.example/x?${new URLSearchParams({ a: '1', key: SECRET, b: '2' })}`)).toContain('urlsearchparams');
    expect(encodingsFound(`/x?key=${encodeURIComponent(SECRET)}&page=2`)).toContain('uri');
    expect(encodingsFound(JSON.stringify({ outer: JSON.stringify({ inner: 'x' }), token: SECRET }))).toContain('json');
    expect(encodingsFound(`Authorization: Basic ${Buffer.from(SECRET).toString('base64')}`)).toContain('base64');
    expect(encodingsFound(`jwt.${Buffer.from(SECRET).toString('base64url')}.sig`)).toContain('base64url');
  });

  it('fragments and unrelated text are not reported; forms shorter than 4 characters are not looked for', () => {
    expect(findSecrets(`${SECRET.slice(0, 12)} … ${SECRET.slice(13)}`, [SECRET])).toEqual([]);
    expect(findSecrets({ type: 'token.acquired', expiresAt: 1 }, [SECRET, OTHER])).toEqual([]);
    // A 3-character secret is not looked for at all, not even as its 4-character base64 'YWJj'.
    expect(secretForms('abc')).toEqual([]);
    expect(findSecrets('abc YWJj', ['abc'])).toEqual([]);
    // 'abcd' as is, and its 8- and 6-character base64 forms.
    expect(secretForms('abcd').map((form) => form.encoding)).toEqual(['raw', 'base64', 'base64-unpadded']);
  });

  it('the SDK redactor masks every form the scanner looks for (the two lists are kept apart on purpose)', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const unmasked = secretForms(SECRET).filter((form) => redactor.redact(`<${form.text}>`) !== '<[REDACTED]>');
    expect(unmasked.map((form) => form.encoding)).toEqual([]);
  });
});

describe('where a secret may hide in an error', () => {
  it('only in cause.cause.message', () => {
    const error = new Error('outer: GET /x answered 500', { cause: new Error('middle', { cause: new Error(`inner: ${SECRET}`) }) });
    expect(error.message + String(error.stack)).not.toContain(SECRET);
    expect(placesFound(error)).toContain('Error.cause.cause.message');
  });

  it('only in cause.cause.message, where util.inspect does not show it (a custom inspect)', () => {
    const deepest = new Error(`inner: ${PRODUCED.base64}`);
    const middle = new Error('middle', { cause: deepest });
    const outer = Object.assign(new Error('outer', { cause: middle }), { [inspect.custom]: () => 'Error: outer' });
    expect(inspect(outer)).not.toContain(PRODUCED.base64);
    expect(placesFound(outer)).toContain('Error.cause.cause.message');
    expect(encodingsFound(outer)).toEqual(expect.arrayContaining(['base64']));
  });

  it('a cause that is not an Error (a string, a plain object) is looked at too', () => {
    expect(placesFound(new Error('outer', { cause: `raw ${SECRET}` }))).toContain('Error.cause');
    expect(placesFound(new Error('outer', { cause: { response: { body: PRODUCED.uri } } })).some((where) => where.startsWith('Error.cause'))).toBe(true);
  });

  it('only in an own enumerable field (a response body), in any encoding', () => {
    class HttpLikeError extends Error {
      readonly status = 403;
      readonly body: unknown;
      constructor(body: unknown) {
        super('GET /x answered 403');
        this.name = 'HttpLikeError';
        this.body = body;
      }
    }
    const error = new HttpLikeError({ detail: { echoed: `Bearer ${PRODUCED['json-ascii']}` } });
    const found = findSecrets(error, [SECRET]);
    // JSON.stringify and util.inspect escape the field once more; the field itself still holds it.
    expect(found.map((hit) => hit.where)).toEqual(['HttpLikeError.body.detail.echoed']);
    expect(found.map((hit) => hit.encoding)).toEqual(['json-ascii']);
    const plain = new HttpLikeError({ detail: { echoed: `Bearer ${PRODUCED.base64url}` } });
    expect(placesFound(plain)).toEqual(['HttpLikeError (JSON.stringify)', 'HttpLikeError (util.inspect)', 'HttpLikeError.body.detail.echoed']);
  });

  it('only in one of an AggregateError\'s errors', () => {
    const error = new AggregateError([new Error('first attempt: reset'), new Error(`second attempt: ${PRODUCED.form}`)], 'all attempts failed');
    expect(error.message).not.toContain(PRODUCED.form);
    expect(placesFound(error)).toContain('AggregateError.errors[1].message');
  });

  it('only in the stack (a message scrubbed in place, the stack forgotten)', () => {
    const error = new Error(`failed: ${SECRET}`);
    void error.stack; // V8 writes the stack's first line on first access
    error.message = 'failed: [REDACTED]';
    expect(placesFound(error)).toEqual(['Error.stack', 'Error (util.inspect)']);
  });

  it('only in what util.inspect shows (an object with its own inspect, held in an event)', () => {
    const peer = { [inspect.custom]: () => `Peer(${OTHER})` };
    const event = { type: 'response', peer };
    expect(JSON.stringify(event)).not.toContain(OTHER);
    expect(placesFound(event, [OTHER])).toEqual(['event response (util.inspect)']);
    expect(placesFound(new AggregateError([Object.assign(new Error('x'), { peer })], 'y'), [OTHER])).toEqual([
      'AggregateError (util.inspect)',
      'AggregateError.errors[0] (util.inspect)',
    ]);
  });

  it('hidden from JSON.stringify (a Map of headers, an error held in an event field)', () => {
    const event = { type: 'response', headers: new Map([['x-echo', OTHER]]) };
    expect(JSON.stringify(event)).not.toContain(OTHER);
    expect(placesFound(event, [OTHER])).toEqual(['event response (util.inspect)', 'event response.headers<value 0>']);
    const withError = { type: 'token.refresh_failed', error: new Error(`refused ${SECRET}`) };
    expect(JSON.stringify(withError)).not.toContain(SECRET);
    expect(placesFound(withError)).toEqual(expect.arrayContaining(['event token.refresh_failed (util.inspect)', 'event token.refresh_failed.error.message']));
  });

  it('in an error held in a field of an error, and in circular structures (no crash)', () => {
    const error = Object.assign(new Error('outer'), { original: new Error(PRODUCED.uri) });
    expect(placesFound(error)).toContain('Error.original.message');
    const loop: Record<string, unknown> = { type: 'loop', token: PRODUCED.base64url };
    loop.self = loop;
    const circularError = Object.assign(new Error('circular'), { context: loop });
    expect(encodingsFound(loop)).toContain('base64url');
    expect(encodingsFound(circularError)).toContain('base64url');
  });

  it('a clean error with a deep cause chain and an AggregateError reports nothing', () => {
    const error = new AggregateError([new Error('a', { cause: new Error('b') })], 'c', { cause: new Error('d') });
    expect(findSecrets(error, [SECRET, OTHER])).toEqual([]);
  });
});

describe('the scanner (registry, record, report)', () => {
  it('cannot silently pass: nothing before the leak, one report after it, the secret never printed', () => {
    const scanner = new SecretScanner();
    scanner.registerSecret(SECRET, OTHER);
    scanner.record(new Error('GET /x answered 500'));
    scanner.record({ type: 'token.acquired', expiresAt: 1 });
    scanner.record('stdout: {"ok":true}');
    expect(scanner.scanReport()).toEqual({ recorded: 3, leaks: [] });

    scanner.record(new Error('outer', { cause: new Error('inner', { cause: new Error(`echo ${PRODUCED.urlsearchparams}`) }) }));
    const report = scanner.scanReport();
    expect(report.recorded).toBe(4);
    expect(report.leaks).toHaveLength(1);
    expect(report.leaks[0]).toContain('SECRET…');
    expect(report.leaks[0]).toContain('urlsearchparams');
    expect(report.leaks[0]).toContain('Error.cause.cause.message');
    expect(report.leaks[0]).toContain('[secret:urlsearchparams]');
    // The report itself holds no form of either secret.
    expect(findSecrets(report.leaks, [SECRET, OTHER])).toEqual([]);
    expect(scanner.scanReport()).toEqual(report);
  });

  it('reads what an error said when it was recorded: a later in-place scrub does not hide the leak', () => {
    const scanner = new SecretScanner();
    scanner.registerSecret(OTHER);
    const error = new Error(`oops ${OTHER}`);
    scanner.record(error);
    error.message = 'oops';
    error.stack = 'Error: oops';
    expect(scanner.scanReport().leaks).toHaveLength(1);
  });

  it('a secret registered after the value was recorded is still found', () => {
    const scanner = new SecretScanner();
    scanner.record({ type: 'request', url: `https://h/x?k=${encodeURIComponent(SECRET)}` });
    expect(scanner.scanReport().leaks).toEqual([]);
    scanner.registerSecret(SECRET);
    const leaks = scanner.scanReport().leaks;
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toContain('(uri)');
  });

  it('short secrets are named by at most half of them', () => {
    const scanner = new SecretScanner();
    scanner.registerSecret('pw12345');
    scanner.record('login with pw12345 failed');
    const [leak] = scanner.scanReport().leaks;
    expect(leak).toContain('pw1…');
    expect(leak).not.toContain('pw12345');
  });

  it('the file-wide functions record into the suite-wide report (clean values here)', () => {
    registerSecret(OTHER);
    const before = scanReport().recorded;
    record(new AggregateError([new Error('clean')], 'clean'));
    record('a clean line of output', 'stdout');
    expect(scanReport()).toEqual({ recorded: before + 2, leaks: [] });
  });
});
