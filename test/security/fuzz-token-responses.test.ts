/**
 * Property, for every auth type that obtains tokens: whatever the token endpoint answers (any
 * status, content type, body: wrong types, missing fields, error objects echoing the
 * credentials, `__proto__` keys, truncated JSON, HTML; headers: odd Set-Cookie lines, a token
 * header or not, a Location), on the first authorization or on a renewal, the runtime either
 * succeeds or rejects with a typed ConnectorError (never CONNECTOR_INTERNAL, never a raw library
 * error), and no error or event carries a secret (credentials, issued tokens). Real loopback
 * server; a fresh connection and store per case.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, ConnectorError, loadConnector, MemoryTokenStore, type Connector } from '../../sdk/index.js';
import type { Authentication, CredentialsSchema } from '../../sdk/manifest/types.gen.js';
import { eventLog, record, registerSecret } from '../helpers/secret-scan.js';
import { fuzz } from './support/fuzz.js';
import { CANARY, fields, manifest, registerCanaries } from './support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from './support/servers.js';

registerCanaries();

const suffix = randomBytes(4).toString('hex');
const TOKENS = Array.from({ length: 6 }, (_, i) => `tok-canary-fuzz-${i}-${suffix}`);
const REFRESH_TOKENS = Array.from({ length: 4 }, (_, i) => `rt-canary-fuzz-${i}-${suffix}`);
registerSecret(...TOKENS, ...REFRESH_TOKENS);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
for (const line of PEM.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);

interface Planned {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

let server: RoutedServer;
const queue: Planned[] = [];
let issued = 0;

/** A well-formed grant carrying the token in the body, a header and a cookie (every type finds it). */
function validGrant(expiresIn: number): Planned {
  const token = TOKENS[issued++ % TOKENS.length] as string;
  const refresh = REFRESH_TOKENS[issued % REFRESH_TOKENS.length] as string;
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-auth-token': token, 'set-cookie': [`SESSIONAUTH=${token}; Path=/`] },
    body: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, refresh_token: refresh }),
  };
}

function answer(res: ServerResponse, planned: Planned): void {
  res.writeHead(planned.status, planned.headers);
  res.end(planned.status === 204 || planned.status === 304 ? undefined : planned.body);
}

beforeAll(async () => {
  const tokenRoute = (_req: unknown, res: ServerResponse) => answer(res, queue.shift() ?? validGrant(600));
  server = await startRouted({
    '/token': tokenRoute,
    '/login': tokenRoute,
    '/refresh': tokenRoute,
    '/api/data': (req, res, _body, url) => {
      const carries = req.headers.authorization ?? req.headers.cookie ?? req.headers['x-session'] ?? url.searchParams.get('access_token');
      if (!carries) return sendJson(res, 401, { error: 'no token' });
      sendJson(res, 200, { data: 'ok' });
    },
  });
});

afterAll(async () => {
  await server.close();
});

// ---------------------------------------------------------------------------------------------
// The fuzzed answer
// ---------------------------------------------------------------------------------------------

const anyToken = fc.constantFrom(...TOKENS);
const tokenValue = fc.oneof(
  { weight: 6, arbitrary: anyToken },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, '', 0, 12345, true, [], {}, ['x'], { value: TOKENS[0] }) },
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), arbitrary);
const body = fc.record(
  {
    access_token: tokenValue,
    token_type: fc.constantFrom<unknown>('Bearer', 'bearer', 'BEARER', 'mac', 'DPoP', '', null, 5),
    expires_in: fc.oneof(fc.integer({ min: -100, max: 1_000_000 }), fc.constantFrom<unknown>('3600', '-5', 'abc', '', 1e12, 1e308, -0, 0.5, null, {}, '1e3')),
    refresh_token: fc.oneof(fc.constantFrom(...REFRESH_TOKENS), fc.constantFrom<unknown>(null, '', 7, [], {})),
    error: fc.constantFrom<unknown>('invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request', 'temporarily_unavailable', 5, ''),
    // ECHO becomes a secret of the connection under test: servers that reflect what they got.
    error_description: fc.constantFrom<unknown>('you sent ECHO', 'ECHO', 'plain text', 42, null),
    scope: fc.string({ maxLength: 10 }),
    data: fc.record({ token: tokenValue }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);
const text = fc.oneof(
  { weight: 6, arbitrary: body.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: body.map((value) => JSON.stringify(value).replace(/^\{/, '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, ')) },
  { weight: 1, arbitrary: body.map((value) => JSON.stringify(value)).chain((json) => fc.nat(json.length).map((cut) => json.slice(0, cut))) },
  { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"token"', '<html><body>Sign in</body></html>', '{', '\u0000\u0001') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
// Transient statuses are rare here: each costs the SDK's real retry backoff (token-faults.test.ts
// covers them in depth).
const status = fc.oneof(
  { weight: 120, arbitrary: fc.constant(200) },
  { weight: 24, arbitrary: fc.constantFrom(201, 202, 204, 400, 401, 403, 404, 409) },
  { weight: 8, arbitrary: fc.constantFrom(301, 302, 303, 307, 308) },
  { weight: 1, arbitrary: fc.constantFrom(429, 500, 502, 503) },
);
const cookieLine = fc.oneof(
  anyToken.map((token) => `SESSIONAUTH=${token}; Path=/`),
  anyToken.map((token) => `SESSIONAUTH=${token}; Domain=evil.example; Path=/`),
  fc.constantFrom('SESSIONAUTH=; Max-Age=0', '__proto__=polluted', 'constructor=x; Path=/', 'a=b; Expires=garbage', '=novalue', ';;;', 'x'.repeat(5000) + '=1'),
);
const planned: fc.Arbitrary<Planned> = fc
  .record({
    status,
    body: text,
    contentType: fc.constantFrom<string | undefined>('application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', undefined),
    tokenHeader: maybe(anyToken),
    cookies: fc.array(cookieLine, { maxLength: 3 }),
    location: maybe(fc.constantFrom('http://127.0.0.1:9/steal', '/elsewhere', 'not a url', '')),
  })
  .map(({ status: code, body: payload, contentType, tokenHeader, cookies, location }) => {
    const headers: Record<string, string | string[]> = {};
    if (contentType) headers['content-type'] = contentType;
    if (tokenHeader) headers['x-auth-token'] = tokenHeader;
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    if (location !== undefined) headers.location = location;
    return { status: code, headers, body: payload };
  });

// ---------------------------------------------------------------------------------------------
// Every auth type that obtains tokens
// ---------------------------------------------------------------------------------------------

interface AuthCase {
  name: string;
  auth: (origin: string) => Authentication;
  credentials: Record<string, string>;
  schema: CredentialsSchema;
  /** The user authorizes first (authorization code). */
  userFlow?: boolean;
}

const client = { client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' };
const clientFields = fields(['client_id', 'client_secret'], ['client_secret']);
const clientCredentials = { client_id: 'fuzz-client', client_secret: CANARY.clientSecret };
const refreshable = (origin: string, extra: Record<string, unknown>): Authentication =>
  ({
    type: 'refreshable_token',
    authorization_request_url: `${origin}/login`,
    authorization_request_body_template: 'user={{ credentials.username | url_encode }}&password={{ credentials.password | url_encode }}',
    authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    response_access_token_path: 'access_token',
    response_refresh_token_path: 'refresh_token',
    refresh_request_url: `${origin}/refresh`,
    refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
    refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    ...extra,
  }) as Authentication;
const login = { username: 'fuzz-user', password: CANARY.password };
const loginFields = fields(['username', 'password'], ['password']);

const AUTH_CASES: AuthCase[] = [
  {
    name: 'oauth2_client_credentials',
    auth: (origin) => ({ type: 'oauth2_client_credentials', token_url: `${origin}/token`, ...client, client_auth: 'basic' }),
    credentials: clientCredentials,
    schema: clientFields,
  },
  {
    name: 'oauth2_password',
    auth: (origin) => ({ type: 'oauth2_password', token_url: `${origin}/token`, ...client, username: '{{ credentials.username }}', password: '{{ credentials.password }}' }),
    credentials: { ...clientCredentials, ...login },
    schema: fields(['client_id', 'client_secret', 'username', 'password'], ['client_secret', 'password']),
  },
  {
    name: 'oauth2_authorization_code',
    auth: (origin) => ({
      type: 'oauth2_authorization_code',
      authorization_url: `${origin}/authorize`,
      token_url: `${origin}/token`,
      ...client,
      redirect_uri: 'http://127.0.0.1:8976/callback',
      pkce: true,
    }),
    credentials: clientCredentials,
    schema: clientFields,
    userFlow: true,
  },
  {
    name: 'oauth2_custom_token (token in the query)',
    auth: (origin) => ({
      type: 'oauth2_custom_token',
      token_url: `${origin}/token`,
      body: { secret: '{{ credentials.client_secret }}' },
      token_response: { access_token_path: '$.access_token' },
      apply: { query: { access_token: '{{ auth.access_token }}' } },
    }),
    credentials: { client_secret: CANARY.clientSecret },
    schema: fields(['client_secret'], ['client_secret']),
  },
  {
    name: 'jwt_bearer',
    auth: (origin) => ({ type: 'jwt_bearer', token_url: `${origin}/token`, issuer: 'fuzz@example.com', private_key: '{{ credentials.private_key }}' }),
    credentials: { private_key: PEM },
    schema: fields(['private_key'], ['private_key']),
  },
  { name: 'refreshable_token (body)', auth: (origin) => refreshable(origin, {}), credentials: login, schema: loginFields },
  {
    name: 'refreshable_token (header)',
    auth: (origin) => refreshable(origin, { response_access_token_path: null, response_access_token_path_in_header: 'X-Auth-Token', apply: { headers: { 'X-Session': '{{ auth.access_token }}' } } }),
    credentials: login,
    schema: loginFields,
  },
  {
    name: 'refreshable_token (cookie)',
    auth: (origin) => refreshable(origin, { response_access_token_path: null, response_access_token_path_in_cookie: 'SESSIONAUTH' }),
    credentials: login,
    schema: loginFields,
  },
];

function expectTyped(error: unknown): void {
  record(error);
  expect(ConnectorError.isConnectorError(error), `not a ConnectorError: ${String(error)}`).toBe(true);
  expect((error as ConnectorError).code, (error as Error).message).not.toBe('CONNECTOR_INTERNAL');
}

/** True when `run` succeeded; a failure must be typed. */
async function attempt(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    expectTyped(error);
    return false;
  }
}

async function authorizeByUser(connection: Connection): Promise<void> {
  const url = new URL(await connection.authorizationUrl());
  await connection.completeAuthorization({ code: 'fuzz-code', state: url.searchParams.get('state') ?? '' });
}

describe.each(AUTH_CASES)('token responses for $name', (authCase) => {
  let connector: Connector;
  let runs = 0;
  let succeeded = 0;
  let failed = 0;

  beforeAll(async () => {
    connector = await loadConnector(
      manifest(server.origin, authCase.auth(server.origin), authCase.schema, {
        retry: { max_attempts: 1 },
        timeouts: { headers_ms: 5_000 },
      }),
    );
  });

  afterAll(async () => {
    await connector.close();
  });

  it('succeeds or fails typed, never leaking a secret', async () => {
    await fuzz(
      `token responses: ${authCase.name}`,
      [planned, fc.constantFrom('authorize', 'renew')],
      async (response, phase) => {
        queue.length = 0;
        const secret = Object.values(authCase.credentials).find((value) => value.startsWith('SECRET-') || value.includes('PRIVATE KEY')) ?? '';
        response = { ...response, body: response.body.replaceAll('ECHO', JSON.stringify(secret).slice(1, -1)) };
        const log = eventLog();
        const connection = connector.connect({
          connectionId: `fuzz-${runs++}`,
          credentials: authCase.credentials,
          store: new MemoryTokenStore(),
          onEvent: log.listener,
          allowPrivateNetwork: true,
          allowInsecureHttp: true,
        });
        if (phase === 'renew') {
          // A good first token that expires at once, so the next call renews it and meets the fuzzed answer.
          queue.push(validGrant(0));
          await attempt(async () => {
            if (authCase.userFlow) await authorizeByUser(connection);
            await connection.execute('get');
          });
          queue.length = 0;
          queue.push(response);
          await attempt(() => connection.execute('get'));
        } else {
          queue.push(response);
          await attempt(async () => {
            if (authCase.userFlow) await authorizeByUser(connection);
            await connection.execute('get');
          });
        }
        // Whatever happened, the connection is still usable or says typed why not.
        queue.length = 0;
        if (await attempt(() => connection.execute('get'))) succeeded++;
        else failed++;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
      250,
    );
    // Both outcomes occur: the cases exercise the success path and the failure paths.
    expect(succeeded).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
  });
});
