/**
 * connectors/zoho-crm.json against a loopback Zoho that behaves as its multi-DC docs say: the
 * callback names the user's accounts server (accounts-server, location), the code exchange and
 * every refresh must go there, the token answer's api_domain is the host of every CRM call, the
 * access token travels as `Zoho-oauthtoken` although the answer says Bearer, and a revoked
 * refresh token is answered 200 {"error":"invalid_code"}. The server checks the origin each
 * request was meant for, the form fields of every token request and the Authorization header,
 * and counts requests. Also: callback values on foreign hosts and a poisoned store get 0
 * requests, and the validator's rules for callback values in token_url.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  MemoryTokenStore,
  ReauthorizationRequired,
  RequestRefusedError,
  runManifestTests,
  validateManifest,
  type Connection,
  type ConnectorManifest,
} from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider, type EventLog } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/zoho-crm.json';
const CLIENT_ID = '1000.TESTCLIENTID';
const CLIENT_SECRET = 'zoho-secret-canary-7719';
const REDIRECT_URI = 'https://app.example.com/oauth/zoho/callback';
registerSecret(CLIENT_SECRET);
const EU_ACCOUNTS = 'https://accounts.zoho.eu';
const EU_API = 'https://www.zohoapis.eu';

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

function canary(prefix: string): string {
  const value = `1000.${prefix}-canary-${randomBytes(8).toString('hex')}`;
  registerSecret(value);
  return value;
}

/** The loopback Zoho: accounts servers and CRM API behind one port, told apart by the intended origin. */
class FakeZoho {
  readonly problems: string[] = [];
  readonly hits: string[] = [];
  code = '';
  readonly #access = new Map<string, number>();
  readonly #refresh = new Set<string>();
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

  /** Revokes every access token (a refresh still works), or the refresh tokens too. */
  revoke(what: 'access' | 'grant'): void {
    this.#access.clear();
    if (what === 'grant') this.#refresh.clear();
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const origin = String(req.headers[ORIGIN_HEADER]);
    const url = new URL(req.url ?? '/', origin);
    const hit = `${req.method} ${origin}${url.pathname}`;
    this.hits.push(hit);
    if (hit === `POST ${EU_ACCOUNTS}/oauth/v2/token`) return this.#token(req, res, body);
    if (origin === EU_API && url.pathname === '/crm/v8/Leads') return this.#leads(req, res, url);
    this.problems.push(`unexpected ${hit}`);
    sendJson(res, 404, { code: 'INVALID_URL_PATTERN', status: 'error' });
  }

  #token(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') this.problems.push(`token content-type ${req.headers['content-type']}`);
    const form = Object.fromEntries(new URLSearchParams(body));
    const client = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    if (form.grant_type === 'authorization_code') {
      const { code_verifier: verifier, ...rest } = form;
      if (!/^[\w-]{43,128}$/.test(verifier ?? '')) this.problems.push('no PKCE verifier');
      expect(rest).toEqual({ grant_type: 'authorization_code', code: this.code, redirect_uri: REDIRECT_URI, ...client });
      return this.#issue(res, true);
    }
    expect(Object.keys(form).sort()).toEqual(['client_id', 'client_secret', 'grant_type', 'refresh_token']);
    expect({ ...form, refresh_token: undefined }).toEqual({ grant_type: 'refresh_token', refresh_token: undefined, ...client });
    // Zoho answers a revoked refresh token with 200 and an error (client libraries' reports).
    if (!this.#refresh.has(form.refresh_token ?? '')) return sendJson(res, 200, { error: 'invalid_code' });
    return this.#issue(res, false);
  }

  #issue(res: ServerResponse, withRefresh: boolean): void {
    const access = canary('access');
    this.#access.set(access, clock.ms + 3600_000);
    const answer: Record<string, unknown> = { access_token: access, scope: 'ZohoCRM.modules.ALL,ZohoCRM.settings.READ', api_domain: EU_API, token_type: 'Bearer', expires_in: 3600 };
    if (withRefresh) {
      const refresh = canary('refresh');
      this.#refresh.add(refresh);
      answer.refresh_token = refresh;
    }
    sendJson(res, 200, answer);
  }

  #leads(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const token = /^Zoho-oauthtoken (\S+)$/.exec(String(req.headers.authorization))?.[1] ?? '';
    const expiresAt = this.#access.get(token);
    if (expiresAt === undefined || clock.ms >= expiresAt) return sendJson(res, 401, { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
    expect(url.searchParams.get('fields')).toBe('Last_Name,Email');
    expect([...url.searchParams.keys()].every((name) => ['fields', 'page', 'per_page'].includes(name))).toBe(true);
    sendJson(res, 200, { data: [{ id: '4876876000000333001', Last_Name: 'Boyle', Email: 'boyle@example.com' }], info: { per_page: 200, count: 1, page: 1, more_records: false } });
  }
}

const sample = useSampleProvider(() => new FakeZoho().start(), MANIFEST, {
  connectionId: 'zoho-1',
  credentials: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: REDIRECT_URI },
  clock,
  lazy: true,
});

async function connect(store = new MemoryTokenStore(), manifest: string | ConnectorManifest = MANIFEST): Promise<{ connection: Connection; log: EventLog }> {
  await sample.load(manifest);
  return sample.connectWithLog({ store });
}

/** The user authorizes; Zoho's callback names the EU accounts server (or whatever `accountsServer` says). */
async function authorize(connection: Connection, accountsServer = EU_ACCOUNTS): Promise<void> {
  const url = new URL(await connection.authorizationUrl());
  expect(url.origin + url.pathname).toBe('https://accounts.zoho.com/oauth/v2/auth');
  expect(Object.fromEntries([...url.searchParams].filter(([name]) => !['state', 'code_challenge'].includes(name)))).toEqual({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'ZohoCRM.modules.ALL,ZohoCRM.settings.READ',
    access_type: 'offline',
    prompt: 'consent',
    code_challenge_method: 'S256',
  });
  sample.server.code = canary('code');
  const callback = new URL(REDIRECT_URI);
  callback.search = new URLSearchParams({ code: sample.server.code, location: 'eu', 'accounts-server': accountsServer, state: url.searchParams.get('state') ?? '' }).toString();
  await connection.completeAuthorization(callback.toString());
}

const LEADS = { module: 'Leads', fields: ['Last_Name', 'Email'] };
const TOKEN = `POST ${EU_ACCOUNTS}/oauth/v2/token`;
const API = `GET ${EU_API}/crm/v8/Leads`;

describe('Zoho CRM (multi data centre)', () => {
  it('exchanges the code at the callback\'s accounts server and calls the api_domain with Zoho-oauthtoken', async () => {
    const { connection } = await connect();
    await authorize(connection);
    expect(sample.server.hits).toEqual([TOKEN]);
    const { data } = await connection.execute('list-records', LEADS);
    expect(data).toEqual([{ id: '4876876000000333001', Last_Name: 'Boyle', Email: 'boyle@example.com' }]);
    await connection.execute('list-records', LEADS);
    expect(sample.server.hits).toEqual([TOKEN, API, API]);
    expect((await connection.ensureToken()).expiresAt).toBe(clock.ms + 3600_000);
  });

  it('after the hour one refresh goes to the kept accounts server; the first refresh token is kept', async () => {
    const { connection } = await connect();
    await authorize(connection);
    await connection.execute('list-records', LEADS);
    clock.ms += 3600_000;
    await connection.execute('list-records', LEADS);
    clock.ms += 3600_000;
    await connection.execute('list-records', LEADS);
    expect(sample.server.count(TOKEN)).toBe(3);
    expect(sample.server.count(API)).toBe(3);
  });

  it('a 401 INVALID_TOKEN: one refresh and one replay', async () => {
    const { connection } = await connect();
    await authorize(connection);
    await connection.execute('list-records', LEADS);
    sample.server.revoke('access');
    await connection.execute('list-records', LEADS);
    expect(sample.server.hits).toEqual([TOKEN, API, API, TOKEN, API]);
  });

  it('a revoked grant (200 invalid_code to the refresh): ReauthorizationRequired after one refresh attempt', async () => {
    const { connection, log } = await connect();
    await authorize(connection);
    await connection.execute('list-records', LEADS);
    sample.server.revoke('grant');
    const error = await rejection(connection.execute('list-records', LEADS));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.message).toContain('invalid_code');
    expect(sample.server.hits).toEqual([TOKEN, API, API, TOKEN]);
    expect(log.events.map((event) => event.type)).toContain('auth.reauthorization_required');
  });

  it('a callback naming a foreign accounts server is refused before the code goes anywhere', async () => {
    const { connection } = await connect();
    const error = await rejection(authorize(connection, 'https://accounts.zoho.eu.attacker.example'));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain('accounts.zoho.eu.attacker.example');
    expect(error.message).toContain('/auth/callback_values/accounts_server/host_patterns');
    expect(sample.server.hits).toEqual([]);
  });

  it('a stored accounts server changed to a foreign host: the refresh is refused, 0 requests', async () => {
    const store = new MemoryTokenStore();
    const { connection } = await connect(store);
    await authorize(connection);
    await connection.execute('list-records', LEADS);
    const record = await store.get('zoho-1');
    if (!record) throw new Error('no record stored');
    expect(record.extras).toMatchObject({ accounts_server: EU_ACCOUNTS, location: 'eu', api_domain: EU_API });
    const poisoned = { ...record, version: record.version + 1, extras: { ...record.extras, accounts_server: 'https://login.attacker.example' } };
    expect(await store.compareAndSet('zoho-1', record.version, poisoned)).toBe(true);
    clock.ms += 3600_000;
    const { connection: again } = await connect(store);
    const error = await rejection(again.execute('list-records', LEADS));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(sample.server.hits).toEqual([TOKEN, API]);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(6);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});

describe('the validator on callback values', () => {
  async function findings(change: (auth: Record<string, unknown>) => void): Promise<string[]> {
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as { auth: Record<string, unknown>; tests?: unknown };
    delete manifest.tests;
    change(manifest.auth);
    return validateManifest(manifest).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.pointer}: ${d.message}`);
  }

  it('the sample is valid', async () => {
    expect(await findings(() => undefined)).toEqual([]);
  });

  it('token_url built from a callback value without host_patterns is an error', async () => {
    const errors = await findings((auth) => {
      (auth.callback_values as Record<string, Record<string, unknown>>).accounts_server = { param: 'accounts-server' };
    });
    const message = 'auth.extras.accounts_server chooses this URL, so the authorization callback chooses where the code and client secret go, but callback_values.accounts_server has no host_patterns';
    expect(errors.sort()).toEqual([`/auth/revocation_url: ${message}`, `/auth/token_url: ${message}`]);
  });

  it('token_url may not use a token-answer extra or another auth value', async () => {
    const errors = await findings((auth) => {
      auth.token_url = '{{ auth.extras.api_domain }}/oauth/v2/token?x={{ auth.access_token }}';
    });
    expect(errors).toEqual([
      expect.stringContaining('/auth/token_url: auth.extras.api_domain is not a callback value'),
      expect.stringContaining('/auth/token_url: auth.access_token cannot be used here'),
    ]);
  });

  it('a name that is both a callback value and a token-answer extra is an error', async () => {
    const errors = await findings((auth) => {
      (auth.extras as Record<string, string>).accounts_server = '$.accounts_server';
    });
    expect(errors).toEqual([expect.stringContaining('/auth/extras/accounts_server: "accounts_server" is both a callback value and a token-answer extra')]);
  });
});
