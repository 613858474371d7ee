/**
 * connectors/netsuite.json (auth oauth1: token-based authentication, HMAC-SHA256) against a
 * loopback NetSuite whose verifier implements RFC 5849 §3.4 itself, independently of the
 * oauth-1.0a package the SDK signs with: it parses the Authorization header, rebuilds the
 * signature base string from the request as received (method, base URL of the host the request
 * was meant for, oauth_* and query parameters decoded, re-encoded, sorted), recomputes the HMAC
 * with consumer secret & token secret and compares. Also: realm, timestamp from the connection's
 * clock, nonces never reused, a retried request signed again, a form body's parameters signed
 * (RFC 5849 §3.4.1.3.1, on a generic manifest), and no secret in any error or event.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpError, runManifestTests, type Connection, type ConnectorManifest } from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { SampleClock, useSampleProvider, type EventLog } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/netsuite.json';
const CREDENTIALS = {
  account_id: '1234567_SB1',
  consumer_key: 'ck-9f3a1c',
  consumer_secret: 'consumer-secret-canary-1187',
  token_id: 'token-id-canary-5529',
  token_secret: 'token-secret-canary-3374',
};
registerSecret(CREDENTIALS.consumer_secret, CREDENTIALS.token_id, CREDENTIALS.token_secret);
const ORIGIN = 'https://1234567-sb1.suitetalk.api.netsuite.com';

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

/** RFC 5849 §3.6: percent-encode everything but the unreserved characters, hex in upper case. */
const pct = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** RFC 5849 §3.4: the verdict on one request, from what arrived. */
function verify(req: IncomingMessage, body: string, secrets: { consumer: string; token: string }, seen: Set<string>, algorithm: 'sha1' | 'sha256'): string {
  const header = String(req.headers.authorization ?? '');
  if (!header.startsWith('OAuth ')) return 'no OAuth header';
  const params = new Map(
    [...header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, name, value]) => [name as string, decodeURIComponent(value as string)] as const),
  );
  if (params.get('oauth_signature_method') !== `HMAC-${algorithm.toUpperCase()}` || params.get('oauth_version') !== '1.0') return 'wrong method or version';
  if (params.get('oauth_timestamp') !== String(Math.floor(clock.ms / 1000))) return 'timestamp is not the clock';
  const nonce = params.get('oauth_nonce') ?? '';
  if (nonce.length < 8 || seen.has(nonce)) return 'nonce missing or reused';
  seen.add(nonce);
  const url = new URL(req.url ?? '/', String(req.headers[ORIGIN_HEADER]));
  const pairs: [string, string][] = [...params].filter(([name]) => name !== 'oauth_signature' && name !== 'realm');
  pairs.push(...url.searchParams);
  if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) pairs.push(...new URLSearchParams(body));
  const normalized = pairs.map(([k, v]) => [pct(k), pct(v)] as const).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const base = [req.method, pct(`${url.origin}${url.pathname}`), pct(normalized)].join('&');
  const expected = createHmac(algorithm, `${pct(secrets.consumer)}&${pct(secrets.token)}`).update(base).digest('base64');
  return params.get('oauth_signature') === expected ? `valid realm=${params.get('realm') ?? ''}` : 'signature mismatch';
}

class FakeNetSuite {
  readonly verdicts: string[] = [];
  readonly nonces = new Set<string>();
  busy = 0;
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
    const verdict = verify(req, body, { consumer: CREDENTIALS.consumer_secret, token: CREDENTIALS.token_secret }, this.nonces, 'sha256');
    this.verdicts.push(`${req.method} ${(req.url ?? '').split('?')[0]} ${verdict}`);
    if (!verdict.startsWith('valid')) return sendJson(res, 401, { title: 'Unauthorized', status: 401, 'o:errorDetails': [{ detail: 'Invalid login attempt.', 'o:errorCode': 'INVALID_LOGIN' }] });
    if (this.busy-- > 0) return sendJson(res, 429, { title: 'Too Many Requests', status: 429 }, { 'retry-after': '0' });
    if (req.method === 'POST' && req.url?.startsWith('/services/rest/record/')) {
      res.writeHead(204, { location: `${ORIGIN}/services/rest/record/v1/customer/108` });
      return void res.end();
    }
    sendJson(res, 200, { count: 1, hasMore: false, items: [{ id: '107' }], offset: 0, totalResults: 1, id: '107', companyName: 'ACME Corp' });
  }
}

const sample = useSampleProvider(() => new FakeNetSuite().start(), MANIFEST, { connectionId: 'ns-1', clock, lazy: true, allowInsecureHttp: false });

async function connect(credentials: Record<string, string> = CREDENTIALS): Promise<{ connection: Connection; log: EventLog }> {
  await sample.load();
  return sample.connectWithLog({ credentials });
}

describe('NetSuite (OAuth 1.0a token-based authentication, HMAC-SHA256)', () => {
  it('every action verifies, with the account id as realm; no nonce twice', async () => {
    const { connection } = await connect();
    await connection.execute('list-records', { record_type: 'customer', filter: 'email START_WITH "ap@"' });
    await connection.execute('get-record', { record_type: 'customer', id: '107', expand: true });
    await connection.execute('create-record', { record_type: 'customer', fields: { companyName: 'ACME Corp', subsidiary: { id: '1' } } });
    clock.ms += 1000;
    await connection.execute('suiteql', { query: "SELECT id FROM customer WHERE email LIKE 'ap@%'", limit: 10 });
    expect(sample.server.verdicts).toEqual([
      'GET /services/rest/record/v1/customer valid realm=1234567_SB1',
      'GET /services/rest/record/v1/customer/107 valid realm=1234567_SB1',
      'POST /services/rest/record/v1/customer valid realm=1234567_SB1',
      'POST /services/rest/query/v1/suiteql valid realm=1234567_SB1',
    ]);
    expect(sample.server.nonces.size).toBe(4);
  });

  it('a 429 is retried, signed again with a new nonce', async () => {
    sample.server.busy = 1;
    const { connection } = await connect();
    await connection.execute('get-record', { record_type: 'customer', id: '107' });
    expect(sample.server.verdicts).toHaveLength(2);
    expect(sample.server.verdicts.every((verdict) => verdict.includes('valid realm='))).toBe(true);
    expect(sample.server.nonces.size).toBe(2);
  });

  it('a wrong token secret: one 401 INVALID_LOGIN as an HttpError, no secret anywhere', async () => {
    registerSecret('wrong-token-secret-canary-6690');
    const { connection, log } = await connect({ ...CREDENTIALS, token_secret: 'wrong-token-secret-canary-6690' });
    const error = await rejection(connection.execute('list-records', { record_type: 'customer' }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(401);
    expect(sample.server.verdicts).toEqual(['GET /services/rest/record/v1/customer signature mismatch']);
    expect(log.events.filter((event) => event.type.startsWith('token'))).toEqual([]);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});

describe('OAuth 1.0a on a form body (HMAC-SHA1, two-legged)', () => {
  it('the form parameters are part of the signature', async () => {
    const seen = new Set<string>();
    const verdicts: string[] = [];
    const server = await startLoopback((req, res, body) => {
      req.headers[ORIGIN_HEADER] = `http://${req.headers.host}`;
      verdicts.push(verify(req, body, { consumer: 'cs-canary-4401', token: '' }, seen, 'sha1'));
      sendJson(res, 200, { data: 'ok' });
    });
    registerSecret('cs-canary-4401');
    try {
      const manifest: ConnectorManifest = authManifest(
        server.origin,
        { type: 'oauth1', consumer_key: '{{ credentials.key }}', consumer_secret: '{{ credentials.secret }}' },
        credentialFields(['key', 'secret'], ['secret']),
        { actions: { post: { method: 'POST', path: '/api/status', body_format: 'form', body: { status: '{{ input.text }}', lang: 'en' }, input: { type: 'object', properties: { text: { type: 'string' } } } } } },
      );
      const connector = await sample.load(manifest);
      await connector.connect({ connectionId: 'o1', credentials: { key: 'ck', secret: 'cs-canary-4401' }, clock, allowPrivateNetwork: true }).execute('post', { text: 'Hello, Ladies + Gentlemen! ☺' });
      expect(verdicts).toEqual(['valid realm=']);
    } finally {
      await server.close();
    }
  });
});
