/**
 * importLocoia end to end: Locoia's published snov.io example imports to a manifest that
 * validates and authorizes against the snov.io sandbox; an OAuth2 and a basic-auth definition
 * written from Locoia's documentation import and run against loopback servers that check every
 * request; untranslatable Jinja is reported at its line and column in the source.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { importLocoia, loadConnector, validateManifest, type Connector, type LocoiaImport } from '../../sdk/index.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { createFixtureDispatcher, ORIGIN_HEADER, type FixtureDispatcher } from '../../sdk/http/fixture-dispatcher.js';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES), 'utf8');
const START = Date.UTC(2026, 10, 23, 9, 0, 0);
let clockMs = START;
const clock = { now: () => clockMs };

let connector: Connector | undefined;
let redirect: FixtureDispatcher | undefined;

afterEach(async () => {
  await connector?.close();
  await redirect?.close();
  connector = undefined;
  redirect = undefined;
});

/** Imports a fixture and checks what every import must give: no error, a manifest the validator accepts on its own. */
async function imported(name: string, options: Parameters<typeof importLocoia>[1] = {}): Promise<LocoiaImport & { manifest: ConnectorManifest }> {
  const result = importLocoia(await fixture(name), { file: name, ...options });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(result.valid).toBe(true);
  expect(result.manifest).toBeDefined();
  expect(validateManifest(result.text).valid).toBe(true);
  expect(JSON.parse(result.text as string)).toEqual(result.manifest);
  return result as LocoiaImport & { manifest: ConnectorManifest };
}

/** Connects an imported manifest with every request sent to `origin` (the hosts stay those of the definition). */
async function connect(manifest: ConnectorManifest, origin: string, credentials: Record<string, unknown>, onEvent?: (event: unknown) => void) {
  connector = await loadConnector(manifest);
  redirect = createFixtureDispatcher(origin);
  return connector.connect({ connectionId: 'import-test', credentials, clock, allowPrivateNetwork: true, dispatcher: redirect.dispatcher, ...(onEvent && { onEvent }) });
}

describe("Locoia's published snov.io example", () => {
  let sandbox: SnovSandbox;
  beforeEach(async () => {
    clockMs = START;
    registerSecret('sandbox-client-secret', 'wrong-secret');
    sandbox = await startSnovSandbox({ now: clock.now });
  });
  afterEach(() => sandbox.close());

  it('as published (a comma missing) is reported at the line and column of the string after the gap', async () => {
    const result = importLocoia(await fixture('snov-io.published.locoia.txt'), { file: 'snov-io.published.locoia.txt' });
    expect(result.manifest).toBeUndefined();
    expect(result.valid).toBe(false);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ file: 'snov-io.published.locoia.txt', line: 4, column: 3, severity: 'error', hint: 'a comma or colon may be missing before it' }),
    ]);
  });

  it('with the comma repaired imports to the refreshable_token Locoia configured, top-level names as credentials', async () => {
    const { manifest, diagnostics } = await imported('snov-io.comma-repaired.locoia.json', { id: 'snov-io' });
    expect(manifest.credentials).toEqual({
      type: 'object',
      required: ['username', 'password'],
      properties: { username: { type: 'string', title: 'client_id' }, password: { type: 'string', title: 'client_secret', 'x-secret': true } },
    });
    expect(manifest.auth).toEqual({
      type: 'refreshable_token',
      authorization_request_url:
        'https://api.snov.io/v1/oauth/access_token?client_id={{ credentials.username }}&client_secret={{ credentials.password }}&grant_type=client_credentials',
      authorization_request_method: 'GET',
      authorization_request_body_template: '{}',
      authorization_request_headers: '{"Content-Type" : "application/x-www-form-urlencoded"}',
      response_access_token_path: 'access_token',
      response_refresh_token_path: null,
      refresh_request_url: null,
      refresh_request_body_template: null,
    });
    expect(manifest.base_url).toBe('https://api.snov.io');
    expect(Object.keys(manifest.actions)).toEqual(['starter-get-base-url']);
    // Only warnings, each at the source's root: no header block, no base_domain.
    expect(diagnostics.map((d) => [d.file, d.pointer, d.severity])).toEqual([
      ['snov-io.comma-repaired.locoia.json', '', 'warning'],
      ['snov-io.comma-repaired.locoia.json', '', 'warning'],
    ]);
  });

  it('authorizes against the sandbox: one GET token request with the credentials in the query, reused until it expires', async () => {
    const { manifest } = await imported('snov-io.comma-repaired.locoia.json', { id: 'snov-io' });
    const log = eventLog();
    const connection = await connect(manifest, sandbox.url, { username: 'sandbox-client-id', password: 'sandbox-client-secret' }, log.listener);
    const token = await connection.ensureToken();
    expect(token).toMatchObject({ managed: true, expiresAt: START + 3600_000, hasRefreshToken: false });
    await connection.ensureToken();
    expect(sandbox.count('/v1/oauth/access_token')).toBe(1);
    expect(sandbox.requests).toHaveLength(1);
    const [request] = sandbox.requests;
    expect(request?.method).toBe('GET');
    expect(request?.headers[ORIGIN_HEADER]).toBe('https://api.snov.io');
    const query = new URL(request?.path ?? '', sandbox.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({ client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', grant_type: 'client_credentials' });
    expect(log.events.filter((event) => event.type === 'token.acquired')).toHaveLength(1);
    // No refresh endpoint: an expired token is replaced by a new authorization request.
    clockMs += 3600_000;
    await connection.ensureToken();
    expect(sandbox.count('/v1/oauth/access_token')).toBe(2);
  });

  it('a refused secret is a typed error that names no secret', async () => {
    const { manifest } = await imported('snov-io.comma-repaired.locoia.json', { id: 'snov-io' });
    const connection = await connect(manifest, sandbox.url, { username: 'sandbox-client-id', password: 'wrong-secret' });
    const error = await rejection(connection.ensureToken());
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(sandbox.count('/v1/oauth/access_token')).toBe(1);
  });
});

describe('an OAuth2 definition written from Locoia\'s documentation', () => {
  let server: RoutedServer;
  beforeEach(async () => {
    clockMs = START;
    registerSecret('acme-client-secret', 'acme-access-token', 'acme-refresh-token', 'acme-code');
    server = await startRouted({ '/oauth/token': tokenEndpoint, '/v2/': api('Bearer acme-access-token', 'https://api.acme.example') });
  });
  afterEach(() => server.close());

  function tokenEndpoint(req: IncomingMessage, res: ServerResponse, body: string): void {
    const basic = `Basic ${Buffer.from('acme-client:acme-client-secret').toString('base64')}`;
    const form = Object.fromEntries(new URLSearchParams(body));
    const expected = { grant_type: 'authorization_code', code: 'acme-code', redirect_uri: 'http://127.0.0.1:8976/callback' };
    const ok =
      req.method === 'POST' &&
      req.headers.authorization === basic &&
      req.headers[ORIGIN_HEADER] === 'https://login.acme.example' &&
      String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') &&
      Object.entries(expected).every(([name, value]) => form[name] === value) &&
      typeof form.code_verifier === 'string' &&
      form.client_secret === undefined;
    if (!ok) return sendJson(res, 400, { error: 'invalid_request' });
    sendJson(res, 200, { access_token: 'acme-access-token', token_type: 'Bearer', expires_in: 3600, refresh_token: 'acme-refresh-token' });
  }

  it('imports to an authorization code grant: client credentials and redirect URI as credentials, Basic client auth, scope, header', async () => {
    const { manifest, diagnostics } = await imported('acme-crm.oauth2.locoia.json');
    expect(manifest).toMatchObject({ id: 'acme-crm', name: 'Acme CRM', base_url: 'https://api.acme.example/v2', docs_url: 'https://developers.acme.example/api' });
    expect(manifest.auth).toEqual({
      type: 'oauth2_authorization_code',
      authorization_url: 'https://login.acme.example/oauth/authorize',
      token_url: 'https://login.acme.example/oauth/token',
      client_id: '{{ credentials.client_id }}',
      client_secret: '{{ credentials.client_secret }}',
      client_auth: 'basic',
      redirect_uri: '{{ credentials.redirect_uri }}',
      scope: 'contacts.read offline_access',
      authorization_params: { access_type: 'offline' },
      apply: { headers: { Authorization: 'Bearer {{ auth.access_token }}' } },
    });
    expect(manifest.credentials?.required).toEqual(['client_id', 'client_secret', 'redirect_uri']);
    expect(manifest.credentials?.properties.client_secret?.['x-secret']).toBe(true);
    // The app's id and secret in Locoia's config are not copied: said at each of them.
    expect(JSON.stringify(manifest)).not.toContain('CLIENT_SECRET for OAuth2 app');
    expect(diagnostics.filter((d) => d.pointer.endsWith('/client_secret'))).toEqual([
      expect.objectContaining({ line: 10, column: 26, severity: 'warning', message: expect.stringContaining('not copied') }),
    ]);
  });

  it('authorizes through the loopback provider and calls the API with the token the header block describes', async () => {
    const { manifest } = await imported('acme-crm.oauth2.locoia.json');
    const credentials = { client_id: 'acme-client', client_secret: 'acme-client-secret', redirect_uri: 'http://127.0.0.1:8976/callback' };
    const connection = await connect(manifest, server.origin, credentials);
    const authorize = new URL(await connection.authorizationUrl());
    expect(authorize.origin + authorize.pathname).toBe('https://login.acme.example/oauth/authorize');
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'acme-client',
      redirect_uri: 'http://127.0.0.1:8976/callback',
      scope: 'contacts.read offline_access',
      access_type: 'offline',
      code_challenge_method: 'S256',
    });
    await connection.completeAuthorization({ code: 'acme-code', state: authorize.searchParams.get('state') ?? '' });
    const { status, data } = await connection.execute('starter-get-base-url');
    expect(status).toBe(200);
    expect(data).toEqual({ ok: true });
    expect(server.hits('/oauth/token')).toBe(1);
    expect(server.hits('/v2/')).toBe(1);
    expect(server.received).toHaveLength(2);
  });
});

/** An API root that answers 200 only to the expected Authorization header, sent for the expected origin. */
function api(authorization: string, origin: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' || req.headers.authorization !== authorization || req.headers[ORIGIN_HEADER] !== origin) return sendJson(res, 401, { error: 'unauthorized' });
    sendJson(res, 200, { ok: true });
  };
}

describe('a basic-auth definition written from Locoia\'s documentation (the older auth_form keyed by name)', () => {
  let server: RoutedServer;
  beforeEach(async () => {
    registerSecret('erp-password');
    server = await startRouted({ '/api/': api(`Basic ${Buffer.from('jane:erp-password').toString('base64')}`, 'https://acme.erp.example') });
  });
  afterEach(() => server.close());

  it('imports to HTTP Basic with the tenant in the base URL, and the API accepts it', async () => {
    const { manifest, diagnostics } = await imported('legacy-erp.basic-auth.locoia.json');
    expect(manifest.base_url).toBe('https://{{ credentials.tenant }}.erp.example/api');
    expect(manifest.auth).toEqual({ type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' });
    expect(manifest.credentials).toEqual({
      type: 'object',
      required: ['tenant', 'username', 'password'],
      properties: {
        tenant: { type: 'string', title: 'Tenant' },
        username: { type: 'string', title: 'User name' },
        password: { type: 'string', title: 'Password', 'x-secret': true },
      },
    });
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.pointer} ${d.severity}`)).toEqual(['15:3 /header warning']);

    const connection = await connect(manifest, server.origin, { tenant: 'acme', username: 'jane', password: 'erp-password' });
    expect((await connection.execute('starter-get-base-url')).data).toEqual({ ok: true });
    expect(server.hits('/api/')).toBe(1);
    expect(server.received).toHaveLength(1);
  });
});

describe('untranslatable Jinja', () => {
  it('is reported at the line and column of each construct, naming it, and the template is kept as it was', async () => {
    const text = await fixture('untranslatable.locoia.json');
    const lines = text.split('\n');
    const result = importLocoia(text, { file: 'untranslatable.locoia.json' });
    expect(result.valid).toBe(false);
    const source = result.diagnostics.filter((d) => d.file === 'untranslatable.locoia.json' && d.severity === 'error');
    expect(source).toEqual([
      expect.objectContaining({
        line: 8,
        column: (lines[7] as string).indexOf('.upper()') + 1,
        pointer: '/refreshable_token/config/authorization_request_url',
        message: 'not translated: the Python method call `.upper()`',
      }),
      expect.objectContaining({
        // The column counts the raw text: the escaped quotes before the loop are two characters each.
        line: 9,
        column: (lines[8] as string).indexOf('{% for') + 1,
        pointer: '/refreshable_token/config/authorization_request_body_template',
        message: 'not translated: a `{% for %}` loop',
      }),
    ]);
    expect(result.manifest?.auth).toMatchObject({ authorization_request_url: 'https://auth.example.com/{{ account.upper() }}/login' });
  });

  it('Locoia filters Liquid spells differently are translated, in JSON-text headers too', () => {
    const definition = {
      refreshable_token: {
        auth_form: { user: { label: 'User', type: 'text' }, secret: { label: 'Secret', type: 'password', required: true }, lang: { label: 'Language', type: 'text' } },
        config: {
          authorization_request_url: "https://auth.example.com/login?lang={{ lang|default('en') }}",
          authorization_request_body_template: '{"user": {{ user|jsonify }}{% if user == "admin" %}, "admin": true{% endif %}}',
          authorization_request_headers: '{"X-Secret": "{{ secret }}"}',
          response_access_token_path: 'token',
        },
      },
    };
    const result = importLocoia(JSON.stringify(definition, null, 2), { file: 'x.json' });
    expect(result.diagnostics.filter((d) => d.file === 'x.json').map((d) => d.message)).toEqual([
      expect.stringContaining('no token placement'),
      expect.stringContaining('no base_domain'),
    ]);
    expect(result.valid).toBe(true);
    expect(result.manifest?.auth).toMatchObject({
      authorization_request_url: "https://auth.example.com/login?lang={{ credentials.lang | default: 'en' }}",
      authorization_request_body_template: '{"user": {{ credentials.user | json }}{% if credentials.user == "admin" %}, "admin": true{% endif %}}',
      authorization_request_headers: '{"X-Secret": "{{ credentials.secret }}"}',
    });
  });
});
