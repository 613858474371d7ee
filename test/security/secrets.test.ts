/**
 * Case 45: whatever fails (refused connection, a 4xx or 5xx whose body echoes the whole request,
 * an unparseable answer, a timeout, a token endpoint that echoes the credentials back), no
 * message, cause, stack, error property or event carries a secret: not the credentials, not a
 * derived Basic header, not a token the server issued, not a query token in a URL. Every auth
 * type, every failure; each error and event goes through the secret scanner, and each test also
 * checks its own canaries explicitly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, HttpError, loadConnector } from '../../sdk/index.js';
import type { Authentication, CredentialsSchema } from '../../sdk/manifest/types.gen.js';
import { eventLog, record, registerSecret } from '../helpers/secret-scan.js';
import { CANARY, fields, manifest, registerCanaries } from './support/manifests.js';
import { sendJson, startRawServer, startRouted, type RawServer, type RoutedServer } from './support/servers.js';

registerCanaries();

const ISSUED_TOKEN = 'tok-canary-issued-secrets-77a1';
const ISSUED_REFRESH = 'rt-canary-issued-secrets-77a1';
const BASIC_PAIR = Buffer.from(`user-basic:${CANARY.password}`).toString('base64');
registerSecret(ISSUED_TOKEN, ISSUED_REFRESH, BASIC_PAIR);

let api: RoutedServer;
let stalled: RawServer;
let closedOrigin: string;
/** What the token endpoint does next: answer with a token, or echo the request in an error. */
let tokenMode: 'grant' | 'echo-400' | 'echo-200-error' | 'html' = 'grant';

/** Everything a request carried, sent back: the worst case of an API that reflects its input. */
function echo(req: { headers: Record<string, unknown>; url?: string }, body: string) {
  return { headers: req.headers, url: req.url, body, note: `you sent ${body} to ${req.url}` };
}

beforeAll(async () => {
  api = await startRouted({
    '/token': (req, res, body) => {
      if (tokenMode === 'echo-400') return sendJson(res, 400, { error: 'invalid_request', error_description: JSON.stringify(echo(req, body)) });
      if (tokenMode === 'echo-200-error') return sendJson(res, 200, { error: 'invalid_client', error_description: body, echo: echo(req, body) });
      if (tokenMode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<pre>${JSON.stringify(echo(req, body))}</pre>`);
      }
      sendJson(res, 200, { access_token: ISSUED_TOKEN, refresh_token: ISSUED_REFRESH, token_type: 'Bearer', expires_in: 600 });
    },
    '/api/400': (req, res, body) => sendJson(res, 400, echo(req, body)),
    '/api/401': (req, res, body) => sendJson(res, 401, echo(req, body)),
    '/api/500': (req, res, body) => sendJson(res, 500, echo(req, body), { 'x-echo-auth': String(req.headers.authorization ?? '') }),
    '/api/text': (req, res, body) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(JSON.stringify(echo(req, body)).slice(0, 5000));
    },
  });
  stalled = await startRawServer(() => undefined);
  const closed = await startRouted();
  closedOrigin = closed.origin;
  await closed.close();
});

afterAll(async () => {
  await api.close();
  await stalled.close();
});

interface AuthCase {
  name: string;
  auth: (origin: string) => Authentication;
  credentials: Record<string, string>;
  schema: CredentialsSchema;
  /** Query parameter names that carry a credential (masked in URLs). */
  queryParams?: string[];
}

const oauthClient = { client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' };

const AUTH_CASES: AuthCase[] = [
  {
    name: 'api_key in a header',
    auth: () => ({ type: 'api_key', in: 'header', name: 'X-API-Key', value: '{{ credentials.api_key }}' }),
    credentials: { api_key: CANARY.apiKey },
    schema: fields(['api_key'], ['api_key']),
  },
  {
    name: 'api_key in the query',
    auth: () => ({ type: 'api_key', in: 'query', name: 'api_key', value: '{{ credentials.api_key }}' }),
    credentials: { api_key: CANARY.apiKey },
    schema: fields(['api_key'], ['api_key']),
    queryParams: ['api_key'],
  },
  {
    name: 'basic',
    auth: () => ({ type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' }),
    credentials: { username: 'user-basic', password: CANARY.password },
    schema: fields(['username', 'password'], ['password']),
  },
  {
    name: 'bearer',
    auth: () => ({ type: 'bearer', token: '{{ credentials.token }}' }),
    credentials: { token: CANARY.bearer },
    schema: fields(['token'], ['token']),
  },
  {
    name: 'oauth2_client_credentials (client_secret_basic)',
    auth: (origin) => ({ type: 'oauth2_client_credentials', token_url: `${origin}/token`, ...oauthClient, client_auth: 'basic' }),
    credentials: { client_id: 'client-sec', client_secret: CANARY.clientSecret },
    schema: fields(['client_id', 'client_secret'], ['client_secret']),
  },
  {
    name: 'oauth2_password',
    auth: (origin) => ({
      type: 'oauth2_password',
      token_url: `${origin}/token`,
      ...oauthClient,
      username: '{{ credentials.username }}',
      password: '{{ credentials.password }}',
    }),
    credentials: { client_id: 'client-sec', client_secret: CANARY.clientSecret, username: 'user-pw', password: CANARY.password },
    schema: fields(['client_id', 'client_secret', 'username', 'password'], ['client_secret', 'password']),
  },
  {
    name: 'refreshable_token (Locoia login form)',
    auth: (origin) => ({
      type: 'refreshable_token',
      authorization_request_url: `${origin}/token`,
      authorization_request_body_template: 'username={{ credentials.username | url_encode }}&password={{ credentials.password | url_encode }}',
      authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      response_access_token_path: 'access_token',
      response_refresh_token_path: 'refresh_token',
    }),
    credentials: { username: 'user-rt', password: CANARY.password },
    schema: fields(['username', 'password'], ['password']),
  },
  {
    name: 'oauth2_custom_token with the token in the query',
    auth: (origin) => ({
      type: 'oauth2_custom_token',
      token_url: `${origin}/token`,
      body: { key: '{{ credentials.api_key }}' },
      token_response: { access_token_path: '$.access_token' },
      apply: { query: { access_token: '{{ auth.access_token }}' } },
    }),
    credentials: { api_key: CANARY.apiKey },
    schema: fields(['api_key'], ['api_key']),
    queryParams: ['access_token'],
  },
];

const ALL_SECRETS = [...Object.values(CANARY), ISSUED_TOKEN, ISSUED_REFRESH, BASIC_PAIR];

/** Message, stack, own properties and the whole cause chain, as one text. */
function everything(value: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = value, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), (e as Error).stack ?? '', JSON.stringify(e));
  }
  return parts.join('\n');
}

function expectClean(value: unknown): void {
  const text = everything(value);
  for (const secret of ALL_SECRETS) {
    for (const form of [secret, encodeURIComponent(secret)]) expect(text.includes(form), `${secret.slice(0, 14)}… leaked`).toBe(false);
  }
}

const FAULTS: { name: string; path: string; base?: () => string; expectCode: RegExp; only?: (authCase: AuthCase) => boolean }[] = [
  { name: 'a 400 echoing the request', path: '/api/400', expectCode: /CONNECTOR_HTTP_STATUS/ },
  { name: 'a 401 echoing the request (after one renewal for token types)', path: '/api/401', expectCode: /CONNECTOR_(HTTP_STATUS|AUTH_FAILED)/ },
  { name: 'a 500 echoing the request and the Authorization header', path: '/api/500', expectCode: /CONNECTOR_HTTP_STATUS/ },
  { name: 'a text answer echoing the request where JSON was expected', path: '/api/text', expectCode: /CONNECTOR_RESPONSE_INVALID/ },
  { name: 'a refused connection', path: '/api/x', base: () => closedOrigin, expectCode: /CONNECTOR_NETWORK_FAILED/ },
  // A timeout costs a second of real time: the auth types whose credentials travel in the URL, and one header type.
  {
    name: 'a server that never answers',
    path: '/api/x',
    base: () => stalled.origin,
    expectCode: /CONNECTOR_TIMEOUT/,
    only: (authCase) => authCase.queryParams !== undefined || authCase.name === 'api_key in a header',
  },
];

describe.each(AUTH_CASES)('$name', (authCase) => {
  it.each(FAULTS.filter((fault) => fault.only?.(authCase) ?? true))('$name → typed error; no secret in it or in any event; credential query values masked', async (fault) => {
    tokenMode = 'grant';
    const base = fault.base?.() ?? api.origin;
    const connector = await loadConnector(
      manifest(base, authCase.auth(api.origin), authCase.schema, {
        headers: { 'User-Agent': 'secrets-test/1.0' },
        timeouts: { headers_ms: 300 },
        retry: { max_attempts: 1 },
        actions: {
          fail: { method: 'GET', path: `${fault.path}?page=2&keep=visible`, output: '$.data' },
        },
      }),
    );
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'secrets', credentials: authCase.credentials, onEvent: log.listener, allowPrivateNetwork: true, allowInsecureHttp: true });
    let caught: unknown;
    try {
      await connection.execute('fail');
    } catch (error) {
      caught = error;
      record(error);
    }
    expect(ConnectorError.isConnectorError(caught)).toBe(true);
    expect((caught as ConnectorError).code).toMatch(fault.expectCode);
    expectClean(caught);
    for (const event of log.events) expectClean(event);
    // URLs keep their ordinary parameters and mask the credential ones.
    const urls = [
      ...(caught instanceof HttpError ? [caught.url] : []),
      ...log.events.filter((event) => typeof event.url === 'string').map((event) => event.url as string),
    ];
    for (const url of urls) {
      expect(url).toContain('keep=visible');
      for (const param of authCase.queryParams ?? []) expect(url).toContain(`${param}=***`);
    }
    if (authCase.queryParams && fault.path === '/api/400') expect(urls.length).toBeGreaterThan(0);
    await connector.close();
  });
});

describe.each(AUTH_CASES.filter((c) => ['oauth2', 'refreshable'].some((prefix) => c.name.startsWith(prefix))))(
  'token endpoint of $name',
  (authCase) => {
    it.each(['echo-400', 'echo-200-error', 'html'] as const)('answering %s with the credentials echoed → typed error, nothing leaks', async (mode) => {
      tokenMode = mode;
      const connector = await loadConnector(manifest(api.origin, authCase.auth(api.origin), authCase.schema));
      const log = eventLog();
      const connection = connector.connect({ connectionId: `tok-${mode}`, credentials: authCase.credentials, onEvent: log.listener, allowPrivateNetwork: true, allowInsecureHttp: true });
      let caught: unknown;
      try {
        await connection.execute('get');
      } catch (error) {
        caught = error;
        record(error);
      }
      expect(ConnectorError.isConnectorError(caught)).toBe(true);
      expectClean(caught);
      for (const event of log.events) expectClean(event);
      tokenMode = 'grant';
      await connector.close();
    });
  },
);
