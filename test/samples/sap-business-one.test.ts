/**
 * connectors/sap-business-one.json against a loopback Service Layer that behaves as SAP's
 * Service Layer manual says: POST /b1s/v1/Login with JSON CompanyDB/UserName/Password answers
 * SessionId, Version and SessionTimeout (minutes) and sets B1SESSION and ROUTEID; every later
 * request must carry the B1SESSION cookie (ROUTEID too) and answers 401 error 301 "Invalid
 * session" when the session is gone; errors are OData JSON. The server checks the origin each
 * request was meant for, the login body field by field, the cookies, every OData query
 * parameter and the order body exactly, and counts requests per route. Proves: every action on
 * one login, $skip/$top paging, OData key quoting, one re-login and one replay after a 401, a
 * renewal when SessionTimeout has passed, a refused login flagged after exactly one request, and
 * a 404 that is no reason to log in again.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CredentialsRefusedError, HttpError, ReauthorizationRequired, runManifestTests, type Connection } from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/sap-business-one.json';
const HOST = 'b1.acme.example:50000';
const ORIGIN = `https://${HOST}`;
const COMPANY_DB = 'SBODEMOUS';
const USERNAME = 'manager';
const PASSWORD = 'b1-password-canary-"5521&';
const WRONG_PASSWORD = 'b1-wrong-password-canary-0042';
registerSecret(PASSWORD, WRONG_PASSWORD);

const LOGIN = '/b1s/v1/Login';
const PARTNERS = '/b1s/v1/BusinessPartners';
const ITEMS = '/b1s/v1/Items';
const ORDERS = '/b1s/v1/Orders';
const TIMEOUT_MINUTES = 30;
const ROUTE_ID = '.node1';

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

/** The OData error body of the Service Layer. */
function odataError(code: number, value: string): unknown {
  return { error: { code, message: { lang: 'en-us', value } } };
}

/** Query parameters as sorted pairs: a missing, extra or changed parameter shows up in a comparison. */
function pairs(params: URLSearchParams): string[][] {
  return [...params].sort(([a], [b]) => a.localeCompare(b));
}

const PARTNER_LIST = Array.from({ length: 45 }, (_, i) => ({ CardCode: `C${String(20000 + i)}`, CardName: `Customer ${i}`, CardType: 'cCustomer' }));
const ONEIL = { CardCode: "O'NEIL", CardName: "O'Neil Supplies", CardType: 'cSupplier', CurrentAccountBalance: -310.25 };
const ITEM_LIST = [{ ItemCode: 'A00001', ItemName: 'J.B. Officeprint 1420', QuantityOnStock: 1137 }];
const ORDER_BODY = { CardCode: 'C20000', DocDueDate: '2026-12-01', Comments: 'Rush', DocumentLines: [{ ItemCode: 'A00001', Quantity: 10, UnitPrice: 15 }] };

/** The loopback Service Layer: sessions with a sliding timeout, what it was asked, what went wrong. */
class FakeServiceLayer {
  readonly problems: string[] = [];
  /** The session ids it minted, in order. */
  readonly minted: string[] = [];
  readonly #sessions = new Map<string, number>();
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

  /** The decoded paths (with query) of the requests to a path. */
  urls(path: string): URL[] {
    return this.#server.received.map((request) => new URL(request.url, 'http://x')).filter((url) => url.pathname === path);
  }

  /** The Service Layer restarted or the sessions timed out: every session id is invalid. */
  dropSessions(): void {
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
    this.#expect(`origin of ${url.pathname}`, req.headers[ORIGIN_HEADER], ORIGIN);
    this.#expect(`Authorization on ${url.pathname}`, req.headers.authorization, undefined);
    if (url.pathname === LOGIN) return this.#login(req, res, body);
    if (!this.#liveSession(req.headers.cookie)) return sendJson(res, 401, odataError(301, 'Invalid session or session already timeout.'));
    const answer = this.#answer(req.method ?? '', decodeURIComponent(url.pathname), url.searchParams, req, body);
    sendJson(res, answer.status, answer.body);
  }

  #login(req: IncomingMessage, res: ServerResponse, body: string): void {
    const fine = this.#expect('login request', [req.method, req.headers['content-type'], req.headers.cookie], ['POST', 'application/json', undefined]);
    const login = JSON.parse(body) as Record<string, unknown>;
    if (!fine || !this.#expect('login fields', Object.keys(login).sort(), ['CompanyDB', 'Password', 'UserName'])) {
      return sendJson(res, 400, odataError(-1000, 'Invalid login request'));
    }
    if (login.CompanyDB !== COMPANY_DB || login.UserName !== USERNAME || login.Password !== PASSWORD) {
      return sendJson(res, 401, odataError(-304, 'Login failed'));
    }
    const session = `${randomBytes(4).toString('hex')}-b1s-canary-${randomBytes(6).toString('hex')}`;
    registerSecret(session);
    this.minted.push(session);
    this.#sessions.set(session, clock.ms);
    const answer = { 'odata.metadata': `${ORIGIN}/b1s/v1/$metadata#B1Sessions/@Element`, SessionId: session, Version: '1000190', SessionTimeout: TIMEOUT_MINUTES };
    sendJson(res, 200, answer, { 'set-cookie': [`B1SESSION=${session};HttpOnly;`, `ROUTEID=${ROUTE_ID}; path=/b1s`] });
  }

  /** The session the cookies name, if it is live (the timeout slides with every request, as the Service Layer's does). */
  #liveSession(cookie: string | undefined): boolean {
    const session = /^B1SESSION=([^;]+); ROUTEID=([^;]+)$/.exec(cookie ?? '');
    if (!session?.[1] || !this.#expect('ROUTEID cookie', session[2], ROUTE_ID)) return false;
    const lastUsed = this.#sessions.get(session[1]);
    if (lastUsed === undefined || clock.ms - lastUsed > TIMEOUT_MINUTES * 60_000) return false;
    this.#sessions.set(session[1], clock.ms);
    return true;
  }

  #answer(method: string, path: string, query: URLSearchParams, req: IncomingMessage, body: string): { status: number; body: unknown } {
    const key = /^\/b1s\/v1\/BusinessPartners\('((?:[^']|'')+)'\)$/.exec(path);
    if (method === 'GET' && key?.[1]) return this.#partner(key[1].replace(/''/g, "'"), query);
    if (method === 'GET' && path === PARTNERS) return this.#page(req, query, PARTNER_LIST, 'BusinessPartners');
    if (method === 'GET' && path === ITEMS) return this.#page(req, query, ITEM_LIST, 'Items');
    if (method === 'POST' && path === ORDERS) return this.#order(req, body);
    this.problems.push(`unexpected request ${method} ${path}`);
    return { status: 404, body: odataError(-1, 'Resource not found') };
  }

  #partner(code: string, query: URLSearchParams): { status: number; body: unknown } {
    this.#expect(`query of BusinessPartners('${code}')`, pairs(query), code === ONEIL.CardCode ? [['$select', 'CardCode,CardName']] : []);
    if (code !== ONEIL.CardCode) return { status: 404, body: odataError(-2028, 'No matching records found (ODBC -2028)') };
    return { status: 200, body: { 'odata.metadata': `${ORIGIN}/b1s/v1/$metadata#BusinessPartners/@Element`, CardCode: ONEIL.CardCode, CardName: ONEIL.CardName } };
  }

  /** Client-driven paging: $skip/$top, each page capped by Prefer: odata.maxpagesize; odata.nextLink while more remain. */
  #page(req: IncomingMessage, query: URLSearchParams, rows: readonly unknown[], set: string): { status: number; body: unknown } {
    this.#expect(`Prefer on ${set}`, req.headers.prefer, 'odata.maxpagesize=20');
    const skip = Number(query.get('$skip'));
    const top = Math.min(Number(query.get('$top')), 20);
    const value = rows.slice(skip, skip + top);
    const next = skip + top < rows.length ? { 'odata.nextLink': `${set}?$skip=${skip + top}` } : {};
    return { status: 200, body: { 'odata.metadata': `${ORIGIN}/b1s/v1/$metadata#${set}`, value, ...next } };
  }

  #order(req: IncomingMessage, body: string): { status: number; body: unknown } {
    const fine = this.#expect('order request', [req.headers['content-type'], JSON.parse(body)], ['application/json', ORDER_BODY]);
    if (!fine) return { status: 400, body: odataError(-5002, 'Invalid order') };
    return { status: 201, body: { 'odata.metadata': `${ORIGIN}/b1s/v1/$metadata#Orders/@Element`, DocEntry: 412, DocNum: 1388, ...ORDER_BODY, DocTotal: 150 } };
  }
}

const sample = useSampleProvider(() => new FakeServiceLayer().start(), MANIFEST, {
  connectionId: 'b1-tenant',
  credentials: { host: HOST, company_db: COMPANY_DB, username: USERNAME, password: PASSWORD },
  clock,
});

function connect(password = PASSWORD): Connection {
  return sample.connect({ credentials: { password } });
}

/** Event types of the token lifecycle, in order. */
function authEvents(): string[] {
  return sample.log.events.map((event) => event.type).filter((type) => type.startsWith('token.') || type.startsWith('auth.'));
}

describe('one session for every action', () => {
  it('list-business-partners, get-business-partner, create-order and list-items: one login, the cookies on every call', async () => {
    const connection = connect();
    const page = (await connection.execute('list-business-partners', { filter: "CardType eq 'C'" })).data as { value: unknown[]; 'odata.nextLink'?: string };
    expect(page.value).toEqual(PARTNER_LIST.slice(0, 20));
    expect(page['odata.nextLink']).toBe('BusinessPartners?$skip=20');
    const partner = await connection.execute('get-business-partner', { card_code: "O'NEIL", select: 'CardCode,CardName' });
    expect(partner.data).toMatchObject({ CardCode: "O'NEIL", CardName: "O'Neil Supplies" });
    const input = { card_code: 'C20000', doc_due_date: '2026-12-01', comments: 'Rush', document_lines: ORDER_BODY.DocumentLines };
    const order = await connection.execute('create-order', input);
    expect([order.status, order.data]).toMatchObject([201, { DocEntry: 412, DocNum: 1388 }]);
    expect((await connection.execute('list-items')).data).toMatchObject({ value: ITEM_LIST });
    expect([sample.server.count(LOGIN), sample.server.count(PARTNERS), sample.server.count(ORDERS), sample.server.count(ITEMS)]).toEqual([1, 1, 1, 1]);
    expect(pairs(sample.server.urls(PARTNERS)[0]!.searchParams)).toEqual([
      ['$filter', "CardType eq 'C'"],
      ['$select', 'CardCode,CardName,CardType'],
      ['$skip', '0'],
      ['$top', '20'],
    ]);
    expect(pairs(sample.server.urls(ITEMS)[0]!.searchParams)).toEqual([['$select', 'ItemCode,ItemName,QuantityOnStock'], ['$skip', '0'], ['$top', '20']]);
    expect(sample.server.minted).toHaveLength(1);
    expect(authEvents()).toEqual(['token.acquired']);
  });

  it("quotes the CardCode as an OData string key: O'NEIL is /BusinessPartners('O''NEIL')", async () => {
    await connect().execute('get-business-partner', { card_code: "O'NEIL", select: 'CardCode,CardName' });
    expect(sample.server.count("/b1s/v1/BusinessPartners('O''NEIL')")).toBe(1);
  });

  it('paginate() walks $skip by 20 and stops at the short page: 20, 20, 5 on one session', async () => {
    const sizes: number[] = [];
    for await (const page of connect().paginate<{ value: unknown[] }>('list-business-partners', { select: 'CardCode' })) sizes.push(page.data.value.length);
    expect(sizes).toEqual([20, 20, 5]);
    expect(sample.server.urls(PARTNERS).map((url) => [url.searchParams.get('$skip'), url.searchParams.get('$top'), url.searchParams.get('$select')])).toEqual([
      ['0', '20', 'CardCode'],
      ['20', '20', 'CardCode'],
      ['40', '20', 'CardCode'],
    ]);
    expect(sample.server.count(LOGIN)).toBe(1);
  });

  it('a missing business partner is an HttpError 404 with the OData error, not a reason to log in again', async () => {
    const connection = connect();
    const error = await rejection(connection.execute('get-business-partner', { card_code: 'C99999' }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 404, body: { error: { code: -2028 } } });
    expect([sample.server.count(LOGIN), sample.server.count("/b1s/v1/BusinessPartners('C99999')")]).toEqual([1, 1]);
  });
});

describe('renewal', () => {
  it('a session the server dropped (401, error 301): exactly one new login and one replay', async () => {
    const connection = connect();
    await connection.execute('list-items');
    sample.server.dropSessions();
    const replayed = await connection.execute('list-items');
    expect(replayed.data).toMatchObject({ value: ITEM_LIST });
    expect([sample.server.count(LOGIN), sample.server.count(ITEMS)]).toEqual([2, 3]);
    expect(authEvents()).toEqual(['token.acquired', 'auth.token_rejected', 'token.acquired']);
    // The replay carried the new session, not the dropped one.
    await connection.execute('list-items');
    expect([sample.server.count(LOGIN), sample.server.count(ITEMS)]).toEqual([2, 4]);
  });

  it('SessionTimeout is minutes: 28 minutes later the session is reused, 31 minutes after the login it is renewed first', async () => {
    const connection = connect();
    await connection.execute('list-items');
    clock.ms += 28 * 60_000;
    await connection.execute('list-items');
    expect(sample.server.count(LOGIN)).toBe(1);
    clock.ms += 3 * 60_000;
    await connection.execute('list-items');
    expect([sample.server.count(LOGIN), sample.server.count(ITEMS)]).toEqual([2, 3]);
    expect(authEvents()).toEqual(['token.acquired', 'token.acquired']);
  });
});

describe('refused credentials', () => {
  it('a wrong password (401, error -304): ReauthorizationRequired after one login request, nothing else sent, no retry', async () => {
    const connection = connect(WRONG_PASSWORD);
    const error = await rejection(connection.execute('list-business-partners'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(error.cause).toBeInstanceOf(CredentialsRefusedError);
    const again = await rejection(connection.execute('list-items'));
    expect(again).toBeInstanceOf(ReauthorizationRequired);
    expect([sample.server.count(LOGIN), sample.server.count(PARTNERS), sample.server.count(ITEMS)]).toEqual([1, 0, 0]);
    expect(authEvents()).toEqual(['auth.reauthorization_required']);
  });
});

describe("the manifest's own scenarios", () => {
  it('all pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.valid).toBe(true);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(5);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});
