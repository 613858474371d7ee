/**
 * connectors/bullhorn.json against a loopback Bullhorn that behaves as its REST API docs say:
 * loginInfo names the data center, the OAuth server answers a refresh-token grant with a
 * 10-minute access token and a rotated refresh token (the old one stops working), /login trades
 * the access token for a BhRestToken and the session's restUrl, and every action wants a live
 * BhRestToken header (401 errors.authentication.invalidRestToken otherwise). The server checks
 * the origin each request was meant for, every query and form parameter exactly, and counts
 * requests per route. Proves: every action, one chain for many calls, one renewal (rotated
 * refresh token + new login) and one replay after a 401, refused refresh tokens, and servers
 * named outside *.bullhornstaffing.com getting no request at all.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpError, ReauthorizationRequired, runManifestTests, type Connection } from '../../sdk/index.js';
import { FieldHostNotAllowedError } from '../../sdk/auth/step-values.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/bullhorn.json';
const USERNAME = 'acme.api';
const CLIENT_ID = '8a3c1f52-0d6e-4b1c-9f3e-2a7d5c4b1e90';
const CLIENT_SECRET = 'bh-client-secret-canary-4471';
const FIRST_REFRESH = 'bh-first-refresh-canary-0815';
registerSecret(CLIENT_SECRET, FIRST_REFRESH);

const DISCOVERY_ORIGIN = 'https://rest.bullhornstaffing.com';
const OAUTH_ORIGIN = 'https://auth-west.bullhornstaffing.com';
const LOGIN_ORIGIN = 'https://rest-west.bullhornstaffing.com';
const REST_ORIGIN = 'https://rest42.bullhornstaffing.com';
const EVIL_ORIGIN = 'https://rest42.bullhorn-rest.example';
const CORP = '/rest-services/e999';
const PATHS = { info: '/rest-services/loginInfo', token: '/oauth/token', login: '/rest-services/login' };
const JSON_TYPE = { 'content-type': 'application/json;charset=UTF-8' };
const FORM_TYPE = 'application/x-www-form-urlencoded';
const INVALID_SESSION = { errorMessage: "Bad 'BhRestToken' or timed-out.", errorMessageKey: 'errors.authentication.invalidRestToken', errorCode: 401 };

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

/** A fresh secret the server mints, registered with the scanner. */
function mint(prefix: string): string {
  const value = `${prefix}-canary-${randomBytes(6).toString('hex')}`;
  registerSecret(value);
  return value;
}

/** Query parameters or form fields as sorted pairs: duplicates and extras show up in a comparison. */
function pairs(params: URLSearchParams): string[][] {
  return [...params].sort(([a], [b]) => a.localeCompare(b));
}

/** The loopback Bullhorn: what it was asked, and what a test may change about its answers. */
class FakeBullhorn {
  readonly problems: string[] = [];
  /** Refresh tokens presented to the OAuth server, in order. */
  readonly presentedRefreshTokens: string[] = [];
  oauthUrl = `${OAUTH_ORIGIN}/oauth`;
  sessionRestUrl = `${REST_ORIGIN}${CORP}/`;
  #liveRefresh = FIRST_REFRESH;
  readonly #accessTokens = new Map<string, { expiresAt: number; used: boolean }>();
  readonly #sessions = new Set<string>();
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  count(path: string): number {
    return this.#server.received.filter((request) => new URL(request.url, 'http://x').pathname === path).length;
  }

  /** Requests meant for an origin (the dispatcher names it in x-connector-test-origin). */
  meantFor(origin: string): number {
    return this.#server.received.filter((request) => request.headers[ORIGIN_HEADER] === origin).length;
  }

  /** Another client of the same API key renewed first: the refresh token this connection holds is spent. */
  rotateElsewhere(): void {
    this.#liveRefresh = mint('bh-refresh-elsewhere');
  }

  /** Every session times out, as an idle BhRestToken does. */
  expireSessions(): void {
    this.#sessions.clear();
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #expect(what: string, actual: unknown, expected: unknown): boolean {
    if (JSON.stringify(actual) === JSON.stringify(expected)) return true;
    this.problems.push(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
    return false;
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers[ORIGIN_HEADER];
    if (url.pathname === PATHS.info) return this.#loginInfo(req, res, url, origin);
    if (url.pathname === PATHS.token) return this.#token(req, res, body, url, origin);
    if (url.pathname === PATHS.login) return this.#login(req, res, body, url, origin);
    if (url.pathname.startsWith(`${CORP}/`)) return this.#api(req, res, url, origin);
    this.problems.push(`unexpected request ${req.method} ${url.pathname}`);
    sendJson(res, 404, { errorMessage: 'Not found', errorCode: 404 });
  }

  #loginInfo(req: IncomingMessage, res: ServerResponse, url: URL, origin: unknown): void {
    const fine =
      this.#expect('loginInfo request', [req.method, origin, req.headers.bhresttoken, req.headers.authorization], ['GET', DISCOVERY_ORIGIN, undefined, undefined]) &&
      this.#expect('loginInfo query', pairs(url.searchParams), [['username', USERNAME]]);
    if (!fine) return sendJson(res, 400, { errorMessage: 'bad loginInfo request' });
    sendJson(res, 200, { oauthUrl: this.oauthUrl, restUrl: `${LOGIN_ORIGIN}/rest-services` }, JSON_TYPE);
  }

  /** The refresh-token grant: the one live refresh token, once; the answer rotates it. */
  #token(req: IncomingMessage, res: ServerResponse, body: string, url: URL, origin: unknown): void {
    const form = new URLSearchParams(body);
    const presented = form.get('refresh_token') ?? '';
    this.presentedRefreshTokens.push(presented);
    const fine =
      this.#expect('token request', [req.method, origin, req.headers['content-type'], url.search], ['POST', OAUTH_ORIGIN, FORM_TYPE, '']) &&
      this.#expect('token form', pairs(form), [
        ['client_id', CLIENT_ID],
        ['client_secret', CLIENT_SECRET],
        ['grant_type', 'refresh_token'],
        ['refresh_token', presented],
      ]);
    if (!fine) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Malformed token request.' });
    if (presented !== this.#liveRefresh) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid, expired, or revoked refresh token.' }, { 'cache-control': 'no-store' });
    }
    const accessToken = mint('bh-access');
    this.#liveRefresh = mint('bh-refresh');
    this.#accessTokens.set(accessToken, { expiresAt: clock.ms + 600_000, used: false });
    sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 600, refresh_token: this.#liveRefresh }, { 'cache-control': 'no-store' });
  }

  /** /login?version=2.0&access_token=: one session per live, unused access token. */
  #login(req: IncomingMessage, res: ServerResponse, body: string, url: URL, origin: unknown): void {
    const presented = url.searchParams.get('access_token') ?? '';
    const fine =
      this.#expect('login request', [req.method, origin, body], ['POST', LOGIN_ORIGIN, '']) &&
      this.#expect('login query', pairs(url.searchParams), [['access_token', presented], ['version', '2.0']]);
    if (!fine) return sendJson(res, 400, { errorMessage: 'bad login request' });
    const token = this.#accessTokens.get(presented);
    if (!token || token.used || token.expiresAt <= clock.ms) {
      return sendJson(res, 401, { errorMessage: 'Invalid or expired OAuth access token.', errorCode: 401 }, JSON_TYPE);
    }
    token.used = true;
    const session = mint('bh-session');
    this.#sessions.add(session);
    sendJson(res, 200, { BhRestToken: session, restUrl: this.sessionRestUrl }, JSON_TYPE);
  }

  #api(req: IncomingMessage, res: ServerResponse, url: URL, origin: unknown): void {
    const session = req.headers.bhresttoken;
    this.#expect('action request', [req.method, origin, req.headers.authorization, url.searchParams.has('BhRestToken')], ['GET', REST_ORIGIN, undefined, false]);
    if (typeof session !== 'string' || !this.#sessions.has(session)) {
      return sendJson(res, 401, INVALID_SESSION, JSON_TYPE);
    }
    const answer = apiAnswer(url);
    sendJson(res, answer.status, answer.body, JSON_TYPE);
  }
}

const ALANZO = { id: 5059165, firstName: 'Alanzo', lastName: 'Smith', email: 'alanzo.smith@example.com' };

const CANDIDATE_FIELDS = { fields: 'id,firstName,lastName,email' };
const NOT_FOUND = { errorMessage: "Cannot find entity of type 'Candidate' with id 1", errorMessageKey: 'errors.cannotFindEntity', errorCode: 404 };

/** The data answers: each holds only for exactly its query (every parameter, nothing more). */
const ANSWERS: { path: string; query: Record<string, string>; status: number; body: () => unknown }[] = [
  {
    path: '/search/Candidate',
    query: { count: '20', fields: 'id,firstName,lastName,email,status', query: 'lastName:Smith AND isDeleted:0', start: '0' },
    status: 200,
    body: () => ({ total: 1, start: 0, count: 1, data: [{ ...ALANZO, status: 'Available', _score: 1.70002 }] }),
  },
  {
    path: '/search/Candidate',
    query: { count: '5', fields: 'id,email', query: 'email:*@example.com', sort: '-dateAdded', start: '10' },
    status: 200,
    body: () => ({ total: 11, start: 10, count: 1, data: [{ id: 5059170, email: 'janis@example.com', _score: 1 }] }),
  },
  {
    path: '/query/JobOrder',
    query: { count: '2', fields: 'id,title', orderBy: '-dateAdded', start: '0', where: 'isOpen=true' },
    status: 200,
    body: () => ({ start: 0, count: 2, data: [{ id: 95423, title: 'Welder' }, { id: 95424, title: 'Nurse' }] }),
  },
  { path: '/entity/Candidate/5059165', query: CANDIDATE_FIELDS, status: 200, body: () => ({ data: ALANZO }) },
  { path: '/entity/Candidate/1', query: CANDIDATE_FIELDS, status: 404, body: () => NOT_FOUND },
  { path: '/ping', query: {}, status: 200, body: () => ({ sessionExpires: clock.ms + 600_000 }) },
];

function apiAnswer(url: URL): { status: number; body: unknown } {
  const path = url.pathname.slice(CORP.length);
  const query = JSON.stringify(pairs(url.searchParams));
  const answer = ANSWERS.find((candidate) => candidate.path === path && JSON.stringify(pairs(new URLSearchParams(candidate.query))) === query);
  if (answer) return { status: answer.status, body: answer.body() };
  return { status: 400, body: { errorMessage: `test server: unexpected ${path}?${query}`, errorCode: 400 } };
}

const sample = useSampleProvider(() => new FakeBullhorn().start(), MANIFEST, {
  connectionId: 'bh-tenant',
  credentials: { username: USERNAME, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, refresh_token: FIRST_REFRESH },
  clock,
});
const SEARCH = { query: 'lastName:Smith AND isDeleted:0' };

function connect(refreshToken = FIRST_REFRESH): Connection {
  return sample.connect({ credentials: { refresh_token: refreshToken } });
}

/** Requests per route, in the order discovery, token, login. */
function authCounts(): number[] {
  return [sample.server.count(PATHS.info), sample.server.count(PATHS.token), sample.server.count(PATHS.login)];
}

describe('every action on one session', () => {
  it('search-candidates, query-entities, get-entity and ping: one loginInfo, one grant, one login', async () => {
    const connection = connect();
    const page = (await connection.execute('search-candidates', SEARCH)).data as { total: number; data: { id: number }[] };
    expect(page.total).toBe(1);
    expect(page.data[0]?.id).toBe(5059165);
    const input = { query: 'email:*@example.com', fields: 'id,email', sort: '-dateAdded', count: 5, start: 10 };
    const more = (await connection.execute('search-candidates', input)).data;
    expect(more).toMatchObject({ total: 11, start: 10, data: [{ id: 5059170 }] });
    const query = { entity: 'JobOrder', where: 'isOpen=true', fields: 'id,title', order_by: '-dateAdded', count: 2 };
    const jobs = (await connection.execute('query-entities', query)).data;
    expect(jobs).toMatchObject({ count: 2, data: [{ title: 'Welder' }, { title: 'Nurse' }] });
    expect((await connection.execute('get-entity', { entity: 'Candidate', id: 5059165 })).data).toEqual(ALANZO);
    expect((await connection.execute('ping')).data).toBe(clock.ms + 600_000);
    expect(authCounts()).toEqual([1, 1, 1]);
    expect(sample.server.meantFor(REST_ORIGIN)).toBe(5);
    expect(sample.log.events.filter((event) => event.type === 'token.acquired')).toHaveLength(1);
  });

  it('a missing entity is an HttpError 404 with Bullhorn\'s message, and no renewal', async () => {
    const connection = connect();
    const error = await rejection(connection.execute('get-entity', { entity: 'Candidate', id: 1 }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 404, body: { errorMessageKey: 'errors.cannotFindEntity' } });
    expect(authCounts()).toEqual([1, 1, 1]);
    expect(sample.server.count(`${CORP}/entity/Candidate/1`)).toBe(1);
  });
});

describe('renewal', () => {
  it('a timed-out session (401): one grant with the rotated refresh token, one login, one replay', async () => {
    const connection = connect();
    await connection.execute('search-candidates', SEARCH);
    sample.server.expireSessions();
    clock.ms += 1800_000;
    const replayed = await connection.execute('search-candidates', SEARCH);
    expect(replayed.status).toBe(200);
    expect(authCounts()).toEqual([1, 2, 2]);
    expect(sample.server.count(`${CORP}/search/Candidate`)).toBe(3);
    // The second grant presents the refresh token the first one rotated in, never the spent one.
    const [first, second] = sample.server.presentedRefreshTokens;
    expect(first).toBe(FIRST_REFRESH);
    expect(second).not.toBe(FIRST_REFRESH);
    expect(sample.log.events.map((event) => event.type).filter((type) => type.startsWith('token.') || type.startsWith('auth.'))).toEqual([
      'token.acquired',
      'auth.token_rejected',
      'token.refreshed',
    ]);
  });

  it('the renewed session serves later calls without another grant', async () => {
    const connection = connect();
    await connection.execute('ping');
    sample.server.expireSessions();
    await connection.execute('ping');
    await connection.execute('ping');
    expect(authCounts()).toEqual([1, 2, 2]);
    expect(sample.server.count(`${CORP}/ping`)).toBe(4);
  });
});

describe('refused credentials', () => {
  it('a spent refresh token: ReauthorizationRequired after one grant, no login, no action, no retry', async () => {
    const connection = connect('bh-spent-refresh-canary-7731');
    registerSecret('bh-spent-refresh-canary-7731');
    const error = await rejection(connection.execute('search-candidates', SEARCH));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(error.message).toContain('invalid_grant');
    expect(authCounts()).toEqual([1, 1, 0]);
    expect(sample.server.meantFor(REST_ORIGIN)).toBe(0);
    expect(sample.log.events.filter((event) => event.type === 'auth.reauthorization_required')).toHaveLength(1);
  });

  it('a rotated refresh token someone else spent: one more try with the stored grant, then ReauthorizationRequired', async () => {
    const connection = connect();
    await connection.execute('ping');
    sample.server.expireSessions();
    sample.server.rotateElsewhere();
    const error = await rejection(connection.execute('ping'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    // The refresh with the rotated token, then the chain once more with the credentials' (spent) token.
    expect(sample.server.presentedRefreshTokens).toHaveLength(3);
    expect(sample.server.presentedRefreshTokens[1]).not.toBe(FIRST_REFRESH);
    expect(sample.server.presentedRefreshTokens[2]).toBe(FIRST_REFRESH);
    expect(authCounts()).toEqual([1, 3, 1]);
    expect(sample.server.count(`${CORP}/ping`)).toBe(2);
  });
});

describe('hosts a server names', () => {
  it('a loginInfo oauthUrl outside *.bullhornstaffing.com: FieldHostNotAllowedError, 0 requests there, the secret never sent', async () => {
    sample.server.oauthUrl = 'https://auth.bullhorn-login.example/oauth';
    const error = await rejection(connect().execute('search-candidates', SEARCH));
    expect(error).toBeInstanceOf(FieldHostNotAllowedError);
    expect(error).toMatchObject({ code: 'CONNECTOR_REQUEST_REFUSED', field: '/auth/steps/0/values/oauth_url/host_patterns', host: 'auth.bullhorn-login.example' });
    expect(sample.server.meantFor('https://auth.bullhorn-login.example')).toBe(0);
    expect(authCounts()).toEqual([1, 0, 0]);
    expect(sample.log.events.some((event) => event.type === 'auth.reauthorization_required')).toBe(false);
  });

  it('a login restUrl outside *.bullhornstaffing.com: refused as it is read, the BhRestToken never sent there', async () => {
    sample.server.sessionRestUrl = `${EVIL_ORIGIN}${CORP}/`;
    const error = await rejection(connect().execute('search-candidates', SEARCH));
    expect(error).toBeInstanceOf(FieldHostNotAllowedError);
    expect(error).toMatchObject({ code: 'CONNECTOR_REQUEST_REFUSED', field: '/auth/steps/2/values/rest_url/host_patterns', host: 'rest42.bullhorn-rest.example' });
    expect(sample.server.meantFor(EVIL_ORIGIN)).toBe(0);
    expect(sample.server.meantFor(REST_ORIGIN)).toBe(0);
    expect(authCounts()).toEqual([1, 1, 1]);
  });
});

describe('the manifest\'s own scenarios', () => {
  it('all pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.valid).toBe(true);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});
