/**
 * connectors/sage-intacct.json against a loopback Sage Intacct XML gateway that behaves as its
 * Web Services docs say: every request is an XML <request> POSTed to /ia/xml/xmlgw.phtml with a
 * <control> block (sender ID and password, controlid, uniqueid, dtdversion 3.0) and one
 * <operation>; getAPISession with <login> answers <api><sessionid> and <endpoint> (the URL of the
 * session's later calls) and every answer projects <sessiontimeout>. The server parses each
 * request with fast-xml-parser and compares every element and attribute exactly (credentials
 * with XML special characters included, so the escaping is proven), checks the origin each
 * request was meant for and counts requests per origin. Proves: every action on one session at
 * the endpoint it named, the session renewed once its projected timeout passed, a refused sender
 * (HTTP 401) flagged after one request, a refused user (HTTP 200 with an authentication failure)
 * failing after exactly one request as an invalid token answer (the runtime cannot classify it
 * as a refusal), and an endpoint outside *.intacct.com getting no request at all.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  CredentialsRefusedError,
  ReauthorizationRequired,
  runManifestTests,
  TokenResponseError,
  type Connection,
} from '../../sdk/index.js';
import { FieldHostNotAllowedError } from '../../sdk/auth/step-values.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const MANIFEST = 'connectors/sage-intacct.json';
const GATEWAY = 'https://api.intacct.com';
const SESSION_ORIGIN = 'https://na2.intacct.com';
const PATH = '/ia/xml/xmlgw.phtml';
const SENDER_ID = 'acme&sender';
const SENDER_PASSWORD = 'sender-pw-canary-<7781>&"x';
const COMPANY_ID = 'acme-co';
const USER_ID = "api'user";
const USER_PASSWORD = "user-pw-canary-&'3309<";
registerSecret(SENDER_PASSWORD, USER_PASSWORD);
const SESSION_MINUTES = 60;

const clock = new SampleClock(Date.UTC(2026, 10, 23, 17, 0, 0));

// Values stay text exactly as sent (no number parsing, no trimming); entities are decoded, attributes kept as @name.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
});
type Xml = Record<string, unknown>;

/** A time as Intacct writes it: ISO 8601 in the company's zone (here -08:00). */
function pacific(ms: number): string {
  return `${new Date(ms - 8 * 3_600_000).toISOString().slice(0, 19)}-08:00`;
}

function control(controlId: string, senderId = SENDER_ID, password = SENDER_PASSWORD): Xml {
  return { senderid: senderId, password, controlid: controlId, uniqueid: 'false', dtdversion: '3.0', includewhitespace: 'false' };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const VENDOR_12 = '<VENDOR><RECORDNO>12</RECORDNO><VENDORID>V-00012</VENDORID><NAME>Regal Services</NAME><STATUS>active</STATUS></VENDOR>';
const CUSTOMER_7 = '<CUSTOMER><RECORDNO>7</RECORDNO><CUSTOMERID>C-0007</CUSTOMERID><NAME>Jane\'s Deli &amp; Co</NAME></CUSTOMER>';

/** What each function of the tests must look like exactly, and the <data> it answers. */
const FUNCTIONS: { fn: Xml; data: string }[] = [
  {
    fn: { readByQuery: { object: 'VENDOR', fields: 'RECORDNO,VENDORID,NAME,STATUS', query: "STATUS = 'T' AND NAME like 'R%'", pagesize: '50' } },
    data: `<data listtype="VENDOR" count="1" totalcount="1" numremaining="0" resultId="">${VENDOR_12}</data>`,
  },
  {
    fn: { readByQuery: { object: 'CUSTOMER', fields: '*', query: "NAME = 'Jane\\'s Deli & Co'", pagesize: '100' } },
    data: `<data listtype="CUSTOMER" count="1" totalcount="1" numremaining="0">${CUSTOMER_7}</data>`,
  },
  { fn: { read: { object: 'VENDOR', keys: '12', fields: '*' } }, data: `<data listtype="VENDOR" count="1">${VENDOR_12}</data>` },
  {
    fn: {
      create: {
        VENDOR: {
          VENDORID: 'V-00015',
          NAME: 'NCS & Sons <West>',
          DISPLAYCONTACT: { PRINTAS: 'NCS & Sons <West>', EMAIL1: 'ap@ncs.example' },
          STATUS: 'active',
          TERMNAME: 'N30',
        },
      },
    },
    data: '<data listtype="objects" count="1"><vendor><RECORDNO>15</RECORDNO><VENDORID>V-00015</VENDORID></vendor></data>',
  },
];

/** The loopback gateway: sessions with Intacct's sliding timeout, what it was asked, what went wrong. */
class FakeIntacct {
  readonly problems: string[] = [];
  endpoint = `${SESSION_ORIGIN}${PATH}`;
  readonly #sessions = new Map<string, number>();
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  /** Requests meant for an origin (the dispatcher names it in x-connector-test-origin). */
  meantFor(origin: string): number {
    return this.#server.received.filter((request) => request.headers[ORIGIN_HEADER] === origin).length;
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
    const line = [req.method, new URL(req.url ?? '/', 'http://x').pathname, req.headers['content-type'], req.headers.authorization];
    const fine = this.#expect('request line', line, ['POST', PATH, 'application/xml', undefined]);
    const doc = parser.parse(body) as { '?xml'?: Xml; request?: { control?: Xml; operation?: { authentication?: Xml; content?: { function?: Xml } } } };
    const request = doc.request;
    const declared = this.#expect('XML declaration', doc['?xml'], { '@version': '1.0', '@encoding': 'UTF-8' });
    if (!fine || !declared || !request?.operation) return this.#xml(res, 400, controlFailure('XL03000009', 'Invalid XML'));
    const fn = request.operation.content?.function ?? {};
    const id = String(fn['@controlid'] ?? '');
    if (request.control?.senderid !== SENDER_ID || request.control?.password !== SENDER_PASSWORD) {
      return this.#xml(res, 401, controlFailure('XMLGW_JPP0002', 'Sign-in information is incorrect. Please check your request.'));
    }
    this.#expect('control block', request.control, control(id));
    const { authentication } = request.operation;
    if (authentication && 'login' in authentication) return this.#getApiSession(req, res, authentication.login as Xml, fn);
    this.#expect('origin of a session call', req.headers[ORIGIN_HEADER], new URL(this.endpoint).origin);
    const session = String(authentication?.sessionid ?? '');
    if (!this.#live(session)) return this.#xml(res, 200, authFailure(id, 'XL03000006', 'Invalid session'));
    this.#answerFunction(res, id, fn);
  }

  #getApiSession(req: IncomingMessage, res: ServerResponse, login: Xml, fn: Xml): void {
    this.#expect('origin of getAPISession', req.headers[ORIGIN_HEADER], GATEWAY);
    this.#expect('getAPISession function', fn, { getAPISession: '', '@controlid': 'getAPISession' });
    this.#expect('login fields', Object.keys(login), ['userid', 'companyid', 'password']);
    if (login.userid !== USER_ID || login.companyid !== COMPANY_ID || login.password !== USER_PASSWORD) {
      return this.#xml(res, 200, authFailure('getAPISession', 'XL03000006', 'Sign-in information is incorrect'));
    }
    const session = `${randomBytes(6).toString('hex')}-intacct-session-canary-${randomBytes(4).toString('hex')}..`;
    registerSecret(session);
    this.#sessions.set(session, clock.ms);
    const data = `<data><api><sessionid>${session}</sessionid><endpoint>${escapeXml(this.endpoint)}</endpoint><locationid></locationid></api></data>`;
    this.#xml(res, 200, success('getAPISession', 'getAPISession', data));
  }

  /** Intacct projects the timeout anew on every call: the session lives SESSION_MINUTES after its last use. */
  #live(session: string): boolean {
    const lastUsed = this.#sessions.get(session);
    if (lastUsed === undefined || clock.ms - lastUsed > SESSION_MINUTES * 60_000) return false;
    this.#sessions.set(session, clock.ms);
    return true;
  }

  #answerFunction(res: ServerResponse, id: string, fn: Xml): void {
    const { '@controlid': _controlId, ...call } = fn;
    const name = Object.keys(call)[0] ?? '';
    this.#expect('controlid names the function', id, name);
    const known = FUNCTIONS.find((candidate) => JSON.stringify(candidate.fn) === JSON.stringify(call));
    if (!known) {
      this.problems.push(`unexpected function ${JSON.stringify(call)}`);
      return this.#xml(res, 200, success(id, name, '', 'failure'));
    }
    this.#xml(res, 200, success(id, name, known.data));
  }

  #xml(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'text/xml; encoding="UTF-8"' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  }
}

function responseControl(id: string): string {
  return (
    `<control><status>success</status><senderid>${escapeXml(SENDER_ID)}</senderid><controlid>${id}</controlid>` +
    '<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>'
  );
}

function success(id: string, fn: string, data: string, status = 'success'): string {
  const auth =
    `<authentication><status>success</status><userid>${escapeXml(USER_ID)}</userid><companyid>${COMPANY_ID}</companyid><locationid></locationid>` +
    `<sessiontimestamp>${pacific(clock.ms)}</sessiontimestamp><sessiontimeout>${pacific(clock.ms + SESSION_MINUTES * 60_000)}</sessiontimeout></authentication>`;
  const result = `<result><status>${status}</status><function>${fn}</function><controlid>${id}</controlid>${data}</result>`;
  return `<response>${responseControl(id)}<operation>${auth}${result}</operation></response>`;
}

function authFailure(id: string, errorNo: string, text: string): string {
  const error =
    `<errormessage><error><errorno>${errorNo}</errorno><description></description><description2>${text}</description2>` +
    '<correction></correction></error></errormessage>';
  const auth =
    `<authentication><status>failure</status><userid>${escapeXml(USER_ID)}</userid><companyid>${COMPANY_ID}</companyid>` +
    '<locationid></locationid></authentication>';
  return `<response>${responseControl(id)}<operation>${auth}${error}</operation></response>`;
}

function controlFailure(errorNo: string, text: string): string {
  const error = `<errormessage><error><errorno>${errorNo}</errorno><description>${text}</description></error></errormessage>`;
  return `<response><control><status>failure</status></control>${error}</response>`;
}

const sample = useSampleProvider(() => new FakeIntacct().start(), MANIFEST, {
  connectionId: 'intacct-tenant',
  credentials: { sender_id: SENDER_ID, sender_password: SENDER_PASSWORD, company_id: COMPANY_ID, user_id: USER_ID, user_password: USER_PASSWORD },
  clock,
});

function connect(overrides: Record<string, string> = {}): Connection {
  return sample.connect({ credentials: overrides });
}

/** Requests to the login gateway and to the session's endpoint. */
function counts(): number[] {
  return [sample.server.meantFor(GATEWAY), sample.server.meantFor(SESSION_ORIGIN)];
}

function authEvents(): string[] {
  return sample.log.events.map((event) => event.type).filter((type) => type.startsWith('token.') || type.startsWith('auth.'));
}

const VENDOR_QUERY = { object: 'VENDOR', fields: 'RECORDNO,VENDORID,NAME,STATUS', query: "STATUS = 'T' AND NAME like 'R%'", page_size: 50 };

describe('one session for every action', () => {
  it('read-by-query (VENDOR and CUSTOMER), read-record and create-record: one getAPISession, the rest at the endpoint it named', async () => {
    const connection = connect();
    expect((await connection.execute('read-by-query', VENDOR_QUERY)).data).toContain('<VENDORID>V-00012</VENDORID>');
    const customers = await connection.execute('read-by-query', { object: 'CUSTOMER', query: "NAME = 'Jane\\'s Deli & Co'" });
    expect(customers.data).toContain('<CUSTOMERID>C-0007</CUSTOMERID>');
    expect((await connection.execute('read-record', { object: 'VENDOR', keys: '12' })).data).toContain('<RECORDNO>12</RECORDNO>');
    const vendor = { object: 'VENDOR', id: 'V-00015', name: 'NCS & Sons <West>', email: 'ap@ncs.example', term_name: 'N30' };
    const created = await connection.execute('create-record', vendor);
    expect([created.status, created.data]).toEqual([200, expect.stringContaining('<RECORDNO>15</RECORDNO>')]);
    expect(counts()).toEqual([1, 4]);
    expect(authEvents()).toEqual(['token.acquired']);
  });
});

describe('session lifetime', () => {
  it('the projected sessiontimeout (an hour) passes: exactly one new getAPISession, then the call once', async () => {
    const connection = connect();
    await connection.execute('read-record', { object: 'VENDOR', keys: '12' });
    clock.ms += 50 * 60_000;
    await connection.execute('read-record', { object: 'VENDOR', keys: '12' });
    expect(counts()).toEqual([1, 2]);
    clock.ms += 10 * 60_000;
    await connection.execute('read-record', { object: 'VENDOR', keys: '12' });
    expect(counts()).toEqual([2, 3]);
    expect(authEvents()).toEqual(['token.acquired', 'token.acquired']);
  });
});

describe('refused credentials', () => {
  it('a wrong sender password (HTTP 401, control failure): ReauthorizationRequired after one request, no retry', async () => {
    registerSecret('wrong-sender-canary-8812');
    const connection = connect({ sender_password: 'wrong-sender-canary-8812' });
    const error = await rejection(connection.execute('read-by-query', VENDOR_QUERY));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.cause).toBeInstanceOf(CredentialsRefusedError);
    expect(await rejection(connection.execute('read-by-query', VENDOR_QUERY))).toBeInstanceOf(ReauthorizationRequired);
    expect(counts()).toEqual([1, 0]);
    expect(authEvents()).toEqual(['auth.reauthorization_required']);
  });

  it('a wrong user password (HTTP 200, <authentication><status>failure</status>): refused_when makes it a refusal after exactly one request', async () => {
    registerSecret('wrong-user-canary-5510');
    const connection = connect({ user_password: 'wrong-user-canary-5510' });
    const error = await rejection(connection.execute('read-by-query', VENDOR_QUERY));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.cause).toBeInstanceOf(CredentialsRefusedError);
    expect(String((error.cause as Error).message)).toContain('its answer says "failure" at the XML path /response/operation/authentication/status');
    expect(await rejection(connection.execute('read-by-query', VENDOR_QUERY))).toBeInstanceOf(ReauthorizationRequired);
    expect(counts()).toEqual([1, 0]);
    expect(authEvents()).toEqual(['auth.reauthorization_required']);
  });
});

describe('the endpoint a server names', () => {
  it('an endpoint outside *.sample.server.com: FieldHostNotAllowedError, the session id never sent there', async () => {
    sample.server.endpoint = `https://api.sample.server.example${PATH}`;
    const error = await rejection(connect().execute('read-by-query', VENDOR_QUERY));
    expect(error).toBeInstanceOf(FieldHostNotAllowedError);
    expect(error).toMatchObject({ code: 'CONNECTOR_REQUEST_REFUSED', field: '/auth/steps/0/values/endpoint/host_patterns', host: 'api.sample.server.example' });
    expect([sample.server.meantFor(GATEWAY), sample.server.meantFor('https://api.sample.server.example'), sample.server.meantFor(SESSION_ORIGIN)]).toEqual([1, 0, 0]);
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
