/**
 * connectors/duo-admin.json against a loopback Duo Admin API that verifies every request the way
 * Duo documents it, with its own implementation: it rebuilds the five canonical lines from the
 * request it received (its Date header, method, the host the request was meant for, the raw path,
 * the query or form parameters sorted and RFC 3986-encoded), recomputes the HMAC-SHA1 with the
 * secret key and compares it with the Basic password. Proves: every action signed, GET query and
 * POST form parameters covered, a retried request (429) signed again with its own Date, a
 * same-origin redirect hop signed for its new path, a bad secret reported as an HTTP error once
 * (no token to renew), and the secret key in no error or event.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpError, runManifestTests, type Connection } from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider, type EventLog } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/duo-admin.json';
const HOST = 'api-1a2b3c4d.duosecurity.com';
const IKEY = 'DIWJ8X6AEYOR5OMC6TQ1';
const SKEY = 'Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep';
registerSecret(SKEY);

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

/** Python's urllib.quote(s, '~'), which Duo's reference client uses: only A-Z a-z 0-9 - _ . ~ stay. */
function quote(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Duo's canonical parameters: decoded from what arrived, sorted by name, re-encoded. */
function canonicalParams(raw: string): string {
  const pairs = raw === '' ? [] : raw.split('&').map((pair) => pair.split('=').map((part) => decodeURIComponent(part.replace(/\+/g, ' '))) as [string, string]);
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${quote(k)}=${quote(v ?? '')}`).join('&');
}

/** The loopback Duo: verifies each request's signature before answering. */
class FakeDuo {
  readonly verdicts: string[] = [];
  readonly dates: string[] = [];
  /** Answers 429 to this many requests first. */
  throttle = 0;
  /** Paths that answer 307 to another path. */
  readonly moved = new Map<string, string>();
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const verdict = this.#verify(req, url, body);
    this.verdicts.push(`${req.method} ${url.pathname} ${verdict}`);
    if (verdict !== 'valid') return sendJson(res, 401, { stat: 'FAIL', code: 40103, message: 'Invalid signature in request credentials' });
    if (this.throttle-- > 0) return sendJson(res, 429, { stat: 'FAIL', code: 42901, message: 'Too Many Requests' }, { 'retry-after': '0' });
    const target = this.moved.get(url.pathname);
    if (target) {
      res.writeHead(307, { location: target, 'content-length': '0' });
      return void res.end();
    }
    if (req.method === 'POST') return sendJson(res, 200, { stat: 'OK', response: Object.fromEntries(new URLSearchParams(body)) });
    sendJson(res, 200, { stat: 'OK', response: [{ user_id: 'DU3RP9I2WOC59VZX672N', username: 'jsmith' }], metadata: { total_objects: 1 } });
  }

  #verify(req: IncomingMessage, url: URL, body: string): string {
    if (req.headers[ORIGIN_HEADER] !== `https://${HOST}`) return `meant for ${String(req.headers[ORIGIN_HEADER])}`;
    const date = String(req.headers.date ?? '');
    if (Number.isNaN(Date.parse(date))) return 'no date';
    this.dates.push(date);
    const params = req.method === 'POST' || req.method === 'PUT' ? body : url.search.slice(1);
    const canon = [date, String(req.method).toUpperCase(), HOST, url.pathname, canonicalParams(params)].join('\n');
    const expected = Buffer.from(`${IKEY}:${createHmac('sha1', SKEY).update(canon).digest('hex')}`);
    const got = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected) ? 'valid' : 'bad signature';
  }
}

const sample = useSampleProvider(() => new FakeDuo().start(), MANIFEST, {
  connectionId: 'duo-1',
  credentials: { api_hostname: HOST, integration_key: IKEY },
  clock,
  lazy: true,
  allowInsecureHttp: false,
});

async function connect(secretKey = SKEY): Promise<{ connection: Connection; log: EventLog }> {
  await sample.load();
  return sample.connectWithLog({ credentials: { secret_key: secretKey } });
}

describe('Cisco Duo Admin API (HMAC-signed requests)', () => {
  it('signs every action: query parameters, a path parameter, a form body, a DELETE', async () => {
    const { connection } = await connect();
    await connection.execute('list-users', { username: 'j smith+~*' });
    await connection.execute('get-user', { user_id: 'DU3RP9I2WOC59VZX672N' });
    const created = await connection.execute('create-user', { username: 'jsmith', realname: 'Joe (Jo) Smith', email: 'jsmith@example.com' });
    expect(created.data).toEqual({ username: 'jsmith', realname: 'Joe (Jo) Smith', email: 'jsmith@example.com' });
    await connection.execute('delete-user', { user_id: 'DU3RP9I2WOC59VZX672N' });
    await connection.execute('get-summary');
    expect(sample.server.verdicts).toEqual([
      'GET /admin/v1/users valid',
      'GET /admin/v1/users/DU3RP9I2WOC59VZX672N valid',
      'POST /admin/v1/users valid',
      'DELETE /admin/v1/users/DU3RP9I2WOC59VZX672N valid',
      'GET /admin/v1/info/summary valid',
    ]);
  });

  it('paginate(): each page is its own signed request with offset and limit', async () => {
    const { connection } = await connect();
    const pages = [];
    for await (const page of connection.paginate('list-users')) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(sample.server.verdicts).toEqual(['GET /admin/v1/users valid']);
  });

  it('a 429 is retried, and the retry carries its own Date and signature', async () => {
    sample.server.throttle = 1;
    const { connection } = await connect();
    const pending = connection.execute('get-summary');
    clock.ms += 2000; // the retry goes out later on the connection's clock
    await pending;
    expect(sample.server.verdicts).toEqual(['GET /admin/v1/info/summary valid', 'GET /admin/v1/info/summary valid']);
    expect(sample.server.dates).toHaveLength(2);
  });

  it('a same-origin redirect hop is signed again for its new path', async () => {
    sample.server.moved.set('/admin/v1/info/summary', '/admin/v2/info/summary');
    const { connection } = await connect();
    await connection.execute('get-summary');
    expect(sample.server.verdicts).toEqual(['GET /admin/v1/info/summary valid', 'GET /admin/v2/info/summary valid']);
  });

  it('a wrong secret key: one 401, an HttpError naming 40103, no retry and no secret anywhere', async () => {
    registerSecret('wrong-secret-canary-4471');
    const { connection, log } = await connect('wrong-secret-canary-4471');
    const error = await rejection(connection.execute('get-summary'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(401);
    expect(JSON.stringify(error.body)).toContain('40103');
    expect(sample.server.verdicts).toEqual(['GET /admin/v1/info/summary bad signature']);
    expect(log.events.filter((event) => event.type.startsWith('token'))).toEqual([]);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});
