/**
 * connectors/mandrill.json against a loopback Mailchimp Transactional (Mandrill) API 1.0 that
 * behaves as its docs say: every call is a POST of a JSON object to
 * https://mandrillapp.com/api/1.0/<group>/<method> whose field `key` is the API key. The server
 * checks the intended origin, method, content type, that the body is exactly the documented
 * object (key included, optional fields as null) and that no key travels in a header or the
 * query; a wrong key is answered 401 (500 before 2023) {status: error, code: -1, name: Invalid_Key}.
 * Proves: every action, exactly one request per call (no login, no renewal, no retry on a
 * refused key), the typed HttpError naming the status without the key anywhere (secret scan).
 */
import { isDeepStrictEqual } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpError, InputError, runManifestTests, type Connection } from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/mandrill.json';
const ORIGIN = 'https://mandrillapp.com';
const API_KEY = 'md-live-key-canary-Zq81Xw';
const WRONG_KEY = 'md-wrong-key-canary-Hh40Lp';
registerSecret(API_KEY, WRONG_KEY);

const INVALID_KEY = { status: 'error', code: -1, name: 'Invalid_Key', message: 'Invalid API key' };
const MESSAGE_ID = 'abc123abc123abc123abc123abc123';
const SENT = [{ email: 'recipient@example.com', status: 'sent', reject_reason: null, queued_reason: null, _id: MESSAGE_ID }];
const FOUND = [
  {
    ts: 1767225600, _id: MESSAGE_ID, sender: 'sender@example.com', template: null, subject: 'Your order', email: 'recipient@example.com',
    tags: ['orders'], opens: 1, clicks: 0, state: 'sent', metadata: { order_id: '1001' },
  },
];
const STATS = { sent: 42, hard_bounces: 0, soft_bounces: 1, rejects: 0, complaints: 0, unsubs: 0, opens: 30, unique_opens: 25, clicks: 12, unique_clicks: 10 };
const INFO = {
  username: 'acme-mailer', created_at: '2013-01-01 15:30:27', public_id: 'aaabbbccc112233', reputation: 77, hourly_quota: 500, backlog: 0,
  stats: { today: STATS, last_7_days: STATS, all_time: STATS },
};

const MESSAGE = {
  subject: 'Your order', text: 'Thanks!', from_email: 'sender@example.com', to: [{ email: 'recipient@example.com', type: 'to' }],
  tags: ['orders'], metadata: { order_id: '1001' },
};

/** Route → the exact body (besides `key`) the docs describe, and the answer. */
const ROUTES: Record<string, { body: Record<string, unknown>; answer: unknown }> = {
  '/api/1.0/users/ping': { body: {}, answer: 'PONG!' },
  '/api/1.0/users/info': { body: {}, answer: INFO },
  '/api/1.0/messages/send': { body: { message: MESSAGE, async: false, ip_pool: null, send_at: null }, answer: SENT },
  '/api/1.0/messages/search': {
    body: { query: 'email:recipient@example.com', date_from: '2026-11-01', date_to: null, tags: ['orders'], senders: null, api_keys: null, limit: 100 },
    answer: FOUND,
  },
};

class FakeMandrill {
  readonly problems: string[] = [];
  readonly hits: string[] = [];
  /** Before February 2023 a wrong key was answered 500, now 401. */
  invalidKeyStatus = 401;
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  count(path: string): number {
    return this.hits.filter((hit) => hit === `POST ${ORIGIN}${path}`).length;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const origin = String(req.headers[ORIGIN_HEADER]);
    const url = new URL(req.url ?? '/', origin);
    this.hits.push(`${req.method} ${origin}${url.pathname}`);
    const route = ROUTES[url.pathname];
    if (req.method !== 'POST' || origin !== ORIGIN || !route) {
      this.problems.push(`unexpected ${req.method} ${origin}${url.pathname}`);
      return sendJson(res, 404, { status: 'error', code: -1, name: 'Unknown_Method', message: 'Unknown method' });
    }
    this.#checkTransport(req, url);
    const { key, ...rest } = JSON.parse(body) as Record<string, unknown>;
    // Only the key field authenticates: the problem text never echoes it.
    if (key !== API_KEY) return sendJson(res, this.invalidKeyStatus, INVALID_KEY);
    if (!isDeepStrictEqual(rest, route.body)) this.problems.push(`${url.pathname} body: got ${JSON.stringify(rest)}, want ${JSON.stringify(route.body)}`);
    // Serialized here: sendJson sends a string as it is, and ping's answer is the JSON string "PONG!".
    sendJson(res, 200, JSON.stringify(route.answer));
  }

  /** JSON in, JSON wanted, and no key outside the body: not in the query, not in any header. */
  #checkTransport(req: IncomingMessage, url: URL): void {
    if (req.headers['content-type'] !== 'application/json') this.problems.push(`content-type ${req.headers['content-type']}`);
    if (req.headers.accept !== 'application/json') this.problems.push(`accept ${req.headers.accept}`);
    if (url.search !== '') this.problems.push(`${url.pathname} has a query string`);
    if (req.headers.authorization !== undefined) this.problems.push(`${url.pathname} sent an Authorization header`);
    const headerText = Object.values(req.headers).flat().join('\n');
    if (headerText.includes(API_KEY) || headerText.includes(WRONG_KEY)) this.problems.push(`${url.pathname}: a key travels in a header`);
  }
}

// No clock: nothing in Mandrill's API depends on the time.
const sample = useSampleProvider(() => new FakeMandrill().start(), MANIFEST, { connectionId: 'mandrill-1', lazy: true });

async function connect(apiKey = API_KEY): Promise<Connection> {
  await sample.load();
  return sample.connect({ credentials: { api_key: apiKey } });
}

/** A wrong key, answered with `status`: the typed error, after exactly one request. */
async function expectInvalidKey(status: number): Promise<void> {
  sample.server.invalidKeyStatus = status;
  const connection = await connect(WRONG_KEY);
  const error = await rejection(connection.execute('user-info'));
  expect(error).toBeInstanceOf(HttpError);
  expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status, method: 'POST' });
  expect(error.message).toContain(`answered ${status}`);
  expect(JSON.stringify(error.body)).toContain('Invalid_Key');
  expect(sample.server.count('/api/1.0/users/info')).toBe(1);
  expect(sample.server.hits).toHaveLength(1);
  expect(sample.log.events.map((event) => event.type).filter((type) => type.startsWith('auth.') || type.startsWith('token.'))).toEqual([]);
}

describe('Mailchimp Transactional (key in the body)', () => {
  it('ping answers "PONG!" and user-info the account; one request per call, nothing else', async () => {
    const connection = await connect();
    expect((await connection.execute('ping')).data).toBe('PONG!');
    expect((await connection.execute('user-info')).data).toEqual(INFO);
    expect((await connection.execute('ping')).data).toBe('PONG!');
    expect(sample.server.hits).toEqual([`POST ${ORIGIN}/api/1.0/users/ping`, `POST ${ORIGIN}/api/1.0/users/info`, `POST ${ORIGIN}/api/1.0/users/ping`]);
  });

  it('send-message posts {key, message, async, ip_pool, send_at}; search-messages the documented search fields', async () => {
    const connection = await connect();
    expect((await connection.execute('send-message', { message: MESSAGE })).data).toEqual(SENT);
    const found = await connection.execute('search-messages', { query: 'email:recipient@example.com', date_from: '2026-11-01', tags: ['orders'] });
    expect(found.data).toEqual(FOUND);
    expect([sample.server.count('/api/1.0/messages/send'), sample.server.count('/api/1.0/messages/search')]).toEqual([1, 1]);
  });

  it('a message without recipients is refused before any request', async () => {
    const connection = await connect();
    const error = await rejection(connection.execute('send-message', { message: { subject: 'no one' } }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe('CONNECTOR_INPUT_INVALID');
    expect(sample.server.hits).toEqual([]);
  });

  it('a wrong key (401 Invalid_Key): HttpError naming 401, one request, no renewal, the key nowhere', async () => {
    await expectInvalidKey(401);
  });

  it('the legacy answer (500 Invalid_Key): HttpError naming 500, the POST not retried', async () => {
    await expectInvalidKey(500);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});
