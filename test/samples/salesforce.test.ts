/**
 * connectors/salesforce.json against a loopback Salesforce that behaves as its docs say: the
 * client credentials grant is a form post (grant_type, client_id, client_secret, nothing else)
 * to the org's My Domain token endpoint, answered with a Bearer token and the instance_url every
 * REST call must go to; a dead session is answered 401 [{errorCode: INVALID_SESSION_ID}], a wrong
 * secret 400 invalid_client, a record error 400 [{errorCode, message, fields}]. The server checks
 * the origin each request was meant for, every form field and JSON body, the Authorization
 * header and the query, and counts requests per route. Also: an instance_url outside the My
 * Domain patterns gets 0 requests, and a token without expires_in is kept until refused.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CredentialsError, HttpError, ReauthorizationRequired, runManifestTests, type Connection } from '../../sdk/index.js';
import { HostNotAllowedError } from '../../sdk/manifest/host-pattern.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/salesforce.json';
const MY_DOMAIN = 'acme.my.salesforce.com';
const INSTANCE = `https://${MY_DOMAIN}`;
const CLIENT_ID = '3MVG9sample.consumer.key.for.tests';
const CLIENT_SECRET = 'sf-consumer-secret-canary-4411';
registerSecret(CLIENT_SECRET);
const API = '/services/data/v63.0';
const ACCOUNT_ID = '001RM000003DtVyYAK';
const LOCATOR = '01gRM000000Qa1bYAC-2000';

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

/** Salesforce's answer to a request without a live session. */
const INVALID_SESSION = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
const ACCOUNT = { attributes: { type: 'Account', url: `${API}/sobjects/Account/${ACCOUNT_ID}` }, Id: ACCOUNT_ID, Name: 'Edge Communications' };

type ApiHandler = (res: ServerResponse, url: URL, body: string, req: IncomingMessage) => void;

/** The loopback Salesforce: the My Domain token endpoint and the instance's REST API on one port, told apart by the intended origin. */
class FakeSalesforce {
  readonly problems: string[] = [];
  readonly hits: string[] = [];
  /** What the next token answer names as instance_url. */
  instanceUrl = INSTANCE;
  tokenHost = MY_DOMAIN;
  readonly #live = new Set<string>();
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  count(hit: string): number {
    return this.hits.filter((h) => h === hit).length;
  }

  /** Every request meant for an origin (to prove a refused host got none). */
  toOrigin(origin: string): number {
    return this.hits.filter((hit) => hit.split(' ')[1]?.startsWith(`${origin}/`)).length;
  }

  /** Ends every session: the next API call answers 401 INVALID_SESSION_ID. */
  revokeSessions(): void {
    this.#live.clear();
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #check(what: string, actual: unknown, expected: unknown): void {
    if (!isDeepStrictEqual(actual, expected)) this.problems.push(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const origin = String(req.headers[ORIGIN_HEADER]);
    const url = new URL(req.url ?? '/', origin);
    const hit = `${req.method} ${origin}${url.pathname}`;
    this.hits.push(hit);
    if (hit === `POST https://${this.tokenHost}/services/oauth2/token`) return this.#token(req, res, body);
    const route = this.#routes[`${req.method} ${url.pathname}`];
    if (origin !== this.instanceUrl || !route) {
      this.problems.push(`unexpected ${hit}`);
      return sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    }
    const token = /^Bearer (\S+)$/.exec(String(req.headers.authorization))?.[1] ?? '';
    if (!this.#live.has(token)) return sendJson(res, 401, INVALID_SESSION);
    route(res, url, body, req);
  }

  #token(req: IncomingMessage, res: ServerResponse, body: string): void {
    this.#check('token content-type', req.headers['content-type'], 'application/x-www-form-urlencoded');
    this.#check('token authorization header', req.headers.authorization, undefined);
    this.#check('token accept', req.headers.accept, 'application/json');
    const form = Object.fromEntries(new URLSearchParams(body));
    // The documented request: these three parameters and nothing else (no scope, no username).
    this.#check('token form fields', Object.keys(form).sort(), ['client_id', 'client_secret', 'grant_type']);
    this.#check('token grant_type', form.grant_type, 'client_credentials');
    this.#check('token client_id', form.client_id, CLIENT_ID);
    if (form.client_secret !== CLIENT_SECRET) return sendJson(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const access = `00DRM000000Qa1b!AR8AQ${randomBytes(24).toString('hex')}`;
    registerSecret(access);
    this.#live.add(access);
    sendJson(res, 200, {
      access_token: access,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
      instance_url: this.instanceUrl,
      id: 'https://login.salesforce.com/id/00DRM000000Qa1bYAC/005RM000001Zb2cYAC',
      token_type: 'Bearer',
      issued_at: String(clock.ms),
    });
  }

  /** The REST resources, by method and path, each checking its query or body exactly. */
  readonly #routes: Record<string, ApiHandler> = {
    [`GET ${API}/query/`]: (res, url) => {
      this.#check('query params', [...url.searchParams], [['q', 'SELECT Id, Name FROM Account']]);
      sendJson(res, 200, { totalSize: 2, done: false, nextRecordsUrl: `${API}/query/${LOCATOR}`, records: [ACCOUNT] });
    },
    [`GET ${API}/query/${LOCATOR}`]: (res, url) => {
      // The docs: requests for the next batch carry no parameters.
      this.#check('query-more params', url.search, '');
      sendJson(res, 200, { totalSize: 2, done: true, records: [{ ...ACCOUNT, Id: '001RM000003DtVzYAK', Name: 'Burlington Textiles' }] });
    },
    [`GET ${API}/sobjects/Account/${ACCOUNT_ID}`]: (res, url) => {
      this.#check('get-record params', [...url.searchParams], [['fields', 'Id,Name']]);
      sendJson(res, 200, ACCOUNT);
    },
    [`POST ${API}/sobjects/Account/`]: (res, _url, body, req) => {
      this.#check('create content-type', req.headers['content-type'], 'application/json');
      const fields = JSON.parse(body) as Record<string, unknown>;
      if (!('Name' in fields)) {
        return sendJson(res, 400, [{ message: 'Required fields are missing: [Name]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] }]);
      }
      this.#check('create body', fields, { Name: 'Express Logistics and Transport', NumberOfEmployees: 120 });
      sendJson(res, 201, { id: '001RM000003DtW0YAK', errors: [], success: true });
    },
    [`PATCH ${API}/sobjects/Account/${ACCOUNT_ID}`]: (res, _url, body, req) => {
      this.#check('update content-type', req.headers['content-type'], 'application/json');
      this.#check('update body', JSON.parse(body), { BillingCity: 'San Francisco' });
      res.writeHead(204).end();
    },
    [`GET ${API}/sobjects/Account/describe/`]: (res) => {
      const fields = [{ name: 'Id', type: 'id' }, { name: 'Name', type: 'string' }];
      sendJson(res, 200, { name: 'Account', label: 'Account', createable: true, fields, childRelationships: [], recordTypeInfos: [] });
    },
  };
}

const sample = useSampleProvider(() => new FakeSalesforce().start(), MANIFEST, {
  connectionId: 'sf-1',
  credentials: { my_domain: MY_DOMAIN, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
  clock,
  lazy: true,
});

async function connect(credentials: Record<string, string> = {}): Promise<Connection> {
  await sample.load();
  return sample.connect({ credentials });
}

const TOKEN = `POST ${INSTANCE}/services/oauth2/token`;
const QUERY = `GET ${INSTANCE}${API}/query/`;
const SOQL = { soql: 'SELECT Id, Name FROM Account' };
const eventTypes = () => sample.log.events.map((event) => event.type);

describe('Salesforce (client credentials, instance_url)', () => {
  it('one grant serves every action; the calls go to instance_url with the Bearer token', async () => {
    const connection = await connect();
    const first = (await connection.execute('query', SOQL)).data as { done: boolean; nextRecordsUrl: string; records: unknown[] };
    expect(first).toMatchObject({ totalSize: 2, done: false, records: [ACCOUNT] });
    const more = await connection.execute('query-more', { next_records_url: first.nextRecordsUrl });
    const rest = more.data as { done: boolean; records: { Name: string }[] };
    expect(rest.done).toBe(true);
    expect(rest.records.map((record) => record.Name)).toEqual(['Burlington Textiles']);
    expect((await connection.execute('get-record', { sobject: 'Account', id: ACCOUNT_ID, fields: ['Id', 'Name'] })).data).toEqual(ACCOUNT);
    const created = await connection.execute('create-record', { sobject: 'Account', fields: { Name: 'Express Logistics and Transport', NumberOfEmployees: 120 } });
    expect([created.status, created.data]).toEqual([201, { id: '001RM000003DtW0YAK', errors: [], success: true }]);
    const updated = await connection.execute('update-record', { sobject: 'Account', id: ACCOUNT_ID, fields: { BillingCity: 'San Francisco' } });
    expect([updated.status, updated.data]).toEqual([204, null]);
    expect((await connection.execute('describe-sobject', { sobject: 'Account' })).data).toMatchObject({ name: 'Account', fields: [{ name: 'Id' }, { name: 'Name' }] });
    expect(sample.server.count(TOKEN)).toBe(1);
    expect(sample.server.hits).toHaveLength(7);
    expect(eventTypes().filter((type) => type === 'token.acquired')).toHaveLength(1);
  });

  it('no expires_in: three hours later the same token is still used, no new grant ahead of time', async () => {
    const connection = await connect();
    await connection.execute('query', SOQL);
    clock.ms += 3 * 3600_000;
    await connection.execute('query', SOQL);
    expect([sample.server.count(TOKEN), sample.server.count(QUERY)]).toEqual([1, 2]);
  });

  it('401 INVALID_SESSION_ID: exactly one new grant and one replay', async () => {
    const connection = await connect();
    await connection.execute('query', SOQL);
    sample.server.revokeSessions();
    const replayed = await connection.execute('query', SOQL);
    expect(replayed.status).toBe(200);
    expect([sample.server.count(TOKEN), sample.server.count(QUERY)]).toEqual([2, 3]);
    expect(eventTypes().filter((type) => type.startsWith('token.') || type.startsWith('auth.'))).toEqual([
      'token.acquired',
      'auth.token_rejected',
      'token.acquired',
    ]);
  });

  it('a wrong consumer secret (400 invalid_client): ReauthorizationRequired, asked once, no API call', async () => {
    registerSecret('sf-wrong-secret-canary-9902');
    const connection = await connect({ client_secret: 'sf-wrong-secret-canary-9902' });
    const error = await rejection(connection.execute('query', SOQL));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(error.message).toContain('invalid_client');
    const again = await rejection(connection.execute('describe-sobject', { sobject: 'Account' }));
    expect(again.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(sample.server.hits).toEqual([TOKEN]);
    expect(eventTypes()).toContain('auth.reauthorization_required');
  });

  it('a record error (400 REQUIRED_FIELD_MISSING) is an HttpError with Salesforce\'s body, not an auth failure', async () => {
    const connection = await connect();
    const error = await rejection(connection.execute('create-record', { sobject: 'Account', fields: { Phone: '555-0100' } }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 400 });
    expect(JSON.stringify(error.body)).toContain('REQUIRED_FIELD_MISSING');
    expect(sample.server.count(TOKEN)).toBe(1);
    expect(sample.server.count(`POST ${INSTANCE}${API}/sobjects/Account/`)).toBe(1);
  });
});

describe('instance_url and My Domain hosts', () => {
  it('an instance_url outside the patterns: HostNotAllowedError, 0 requests to that host, the token never sent there', async () => {
    sample.server.instanceUrl = 'https://acme.my.salesforce.com.attacker.example';
    const connection = await connect();
    const error = await rejection(connection.execute('query', SOQL));
    expect(error).toBeInstanceOf(HostNotAllowedError);
    expect(error).toMatchObject({ code: 'CONNECTOR_REQUEST_REFUSED', field: '/allowed_host_patterns', host: 'acme.my.salesforce.com.attacker.example' });
    expect(sample.server.toOrigin(sample.server.instanceUrl)).toBe(0);
    expect(sample.server.hits).toEqual([TOKEN]);
  });

  it('a sandbox My Domain: the grant and the calls go to <MyDomain>--<Sandbox>.sandbox.my.salesforce.com', async () => {
    const sandbox = 'acme--uat.sandbox.my.salesforce.com';
    sample.server.tokenHost = sandbox;
    sample.server.instanceUrl = `https://${sandbox}`;
    const connection = await connect({ my_domain: sandbox });
    await connection.execute('describe-sobject', { sobject: 'Account' });
    expect(sample.server.hits).toEqual([`POST https://${sandbox}/services/oauth2/token`, `GET https://${sandbox}${API}/sobjects/Account/describe/`]);
  });

  it('a token host that is no My Domain (login.salesforce.com) is refused at connect: CredentialsError, nothing sent', async () => {
    const error = await rejection(connect({ my_domain: 'login.salesforce.com' }));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ code: 'CONNECTOR_CREDENTIALS_INVALID', field: 'my_domain' });
    expect(sample.server.hits).toEqual([]);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(6);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});
