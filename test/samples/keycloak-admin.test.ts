/**
 * connectors/keycloak-admin.json against a loopback Keycloak that behaves as its docs say: the
 * realm's OpenID configuration names the token_endpoint, the client_credentials grant wants the
 * client in HTTP Basic (each part form-decoded, as Keycloak reads it) and answers a 300 s bearer
 * token without a refresh token, and the Admin REST API pages users and groups with first/max.
 * The server checks the origin each request was meant for, the Authorization header, the form
 * body and the query exactly, and counts requests per route. Proves: every action, one grant for
 * many calls, renewal on expiry at the kept token_endpoint (discovery 1, token 2), one replay
 * after a 401, a refused secret, a token_endpoint on a foreign host getting 0 requests, and a
 * 404 discovery reported as a configuration error rather than a re-authorization.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, HttpError, ReauthorizationRequired, runManifestTests, type Connection } from '../../sdk/index.js';
import { FieldHostNotAllowedError } from '../../sdk/auth/step-values.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/keycloak-admin.json';
const REALM = 'acme';
const CLIENT_ID = 'connector-admin';
// '+', ':' and '/' must reach Keycloak intact: it form-decodes both halves of the Basic credentials.
const CLIENT_SECRET = 'kc-secret:canary+/=-5521';
registerSecret(CLIENT_SECRET);
const FOREIGN_ORIGIN = 'https://login.attacker.example';

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

const USERS = [
  { id: '6f1c7a52-8d1e-4c3b-9a20-1b2c3d4e5f60', username: 'jane', firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', emailVerified: true, enabled: true },
  { id: '0b9e2d41-7c6a-4f5e-8d3c-2a1b0c9d8e7f', username: 'john', firstName: 'John', lastName: 'Roe', email: 'john@example.com', emailVerified: false, enabled: true },
  { id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', username: 'joan', firstName: 'Joan', lastName: 'Poe', email: 'joan@example.com', emailVerified: true, enabled: true },
];
const GROUPS = [
  { id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'admins', path: '/admins', subGroupCount: 0, subGroups: [] },
  { id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'staff', path: '/staff', subGroupCount: 1, subGroups: [] },
];

/** Query parameters as sorted pairs: duplicates and extras show up in a comparison. */
function pairs(params: URLSearchParams): string[][] {
  return [...params].sort(([a], [b]) => a.localeCompare(b));
}

/** One half of HTTP Basic credentials as Keycloak decodes it (application/x-www-form-urlencoded). */
function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** first/max paging of a list, as Keycloak applies it. */
function page<T>(items: T[], url: URL): T[] {
  const first = Number(url.searchParams.get('first') ?? 0);
  const max = Number(url.searchParams.get('max') ?? 100);
  return items.slice(first, first + max);
}

/** The loopback Keycloak: what it was asked, and what a test may change about its answers. */
class FakeKeycloak {
  readonly problems: string[] = [];
  /** Where the server is mounted and the host it answers for (a test may move both). */
  contextPath = '';
  publicOrigin = 'https://sso.example.com';
  /** The token_endpoint the configuration names; default: the realm's own. */
  tokenEndpoint: string | undefined;
  discoveryStatus = 200;
  readonly #tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  #paths() {
    const realm = `${this.contextPath}/realms/${REALM}`;
    return {
      discovery: `${realm}/.well-known/openid-configuration`,
      token: `${realm}/protocol/openid-connect/token`,
      admin: `${this.contextPath}/admin/realms/${REALM}`,
    };
  }

  /** Requests to 'discovery', 'token' or an admin path such as /users. */
  count(path: string): number {
    const paths = this.#paths() as Record<string, string>;
    const wanted = paths[path] ?? `${paths.admin}${path}`;
    return this.#server.received.filter((request) => new URL(request.url, 'http://x').pathname === wanted).length;
  }

  /** The query of each request to an admin path, as sorted pairs. */
  queries(path: string): string[][][] {
    const wanted = `${this.#paths().admin}${path}`;
    const urls = this.#server.received.map((request) => new URL(request.url, 'http://x'));
    return urls.filter((url) => url.pathname === wanted).map((url) => pairs(url.searchParams));
  }

  meantFor(origin: string): number {
    return this.#server.received.filter((request) => request.headers[ORIGIN_HEADER] === origin).length;
  }

  revokeTokens(): void {
    for (const token of this.#tokens.values()) token.revoked = true;
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
    const paths = this.#paths();
    this.#expect(`origin of ${url.pathname}`, req.headers[ORIGIN_HEADER], this.publicOrigin);
    if (url.pathname === paths.discovery) return this.#discovery(req, res);
    if (url.pathname === paths.token) return this.#token(req, res, body);
    if (url.pathname.startsWith(`${paths.admin}/`)) return this.#admin(req, res, url, url.pathname.slice(paths.admin.length));
    this.problems.push(`unexpected request ${req.method} ${url.pathname}`);
    sendJson(res, 404, { error: 'Unable to find matching target resource method' });
  }

  #discovery(req: IncomingMessage, res: ServerResponse): void {
    this.#expect('discovery request', [req.method, req.headers.authorization], ['GET', undefined]);
    if (this.discoveryStatus !== 200) return sendJson(res, this.discoveryStatus, { error: 'Realm does not exist' });
    const issuer = `${this.publicOrigin}${this.contextPath}/realms/${REALM}`;
    sendJson(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
      token_endpoint: this.tokenEndpoint ?? `${issuer}/protocol/openid-connect/token`,
      jwks_uri: `${issuer}/protocol/openid-connect/certs`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'password', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt'],
    });
  }

  /** client_credentials with client_secret_basic: a 300 s token and no refresh token. */
  #token(req: IncomingMessage, res: ServerResponse, body: string): void {
    const fine =
      this.#expect('token request', [req.method, req.headers['content-type']], ['POST', 'application/x-www-form-urlencoded']) &&
      this.#expect('token form', pairs(new URLSearchParams(body)), [['grant_type', 'client_credentials']]);
    if (!fine) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Missing form parameter: grant_type' });
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const client = [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
    if (colon < 0 || client[0] !== CLIENT_ID || client[1] !== CLIENT_SECRET) {
      return sendJson(res, 401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }, { 'cache-control': 'no-store' });
    }
    const token = `kc-at-canary-${randomBytes(8).toString('hex')}`;
    registerSecret(token);
    this.#tokens.set(token, { expiresAt: clock.ms + 300_000, revoked: false });
    const answer = { access_token: token, expires_in: 300, refresh_expires_in: 0, token_type: 'Bearer', 'not-before-policy': 0, scope: 'profile email' };
    sendJson(res, 200, answer, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  #admin(req: IncomingMessage, res: ServerResponse, url: URL, path: string): void {
    this.#expect(`admin request ${path}`, [req.method, req.headers.accept], ['GET', 'application/json']);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const token = this.#tokens.get(bearer);
    if (!token || token.revoked || token.expiresAt <= clock.ms) return sendJson(res, 401, { error: 'HTTP 401 Unauthorized' });
    const answer = adminAnswer(path, url);
    sendJson(res, answer.status, answer.body);
  }
}

/** The Admin REST API's answers: search over username, names and email, then first/max. */
function adminAnswer(path: string, url: URL): { status: number; body: unknown } {
  const search = url.searchParams.get('search')?.toLowerCase();
  const matching = USERS.filter((user) => !search || [user.username, user.firstName, user.lastName, user.email].some((text) => text.toLowerCase().includes(search)));
  if (path === '/users') return { status: 200, body: page(matching, url) };
  if (path === '/users/count') return { status: 200, body: matching.length };
  if (path === '/groups') return { status: 200, body: page(GROUPS, url) };
  const user = USERS.find((candidate) => path === `/users/${candidate.id}`);
  return user ? { status: 200, body: user } : { status: 404, body: { error: 'User not found' } };
}

const sample = useSampleProvider(() => new FakeKeycloak().start(), MANIFEST, {
  connectionId: 'kc-tenant',
  credentials: { host: 'sso.example.com', realm: REALM, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
  clock,
});

function connect(overrides: Record<string, string> = {}): Connection {
  return sample.connect({ credentials: overrides });
}

/** [discovery requests, token requests]. */
function authCounts(): number[] {
  return [sample.server.count('discovery'), sample.server.count('token')];
}

const eventTypes = () => sample.log.events.map((event) => event.type).filter((type) => type.startsWith('token.') || type.startsWith('auth.'));

describe('every action with one service-account token', () => {
  it('list-users, count-users, get-user, list-groups: one discovery, one grant', async () => {
    const connection = connect();
    const first = (await connection.execute('list-users', { first: 0, max: 2 })).data as { username: string }[];
    expect(first.map((user) => user.username)).toEqual(['jane', 'john']);
    const search = { search: 'jo', exact: false, enabled: true, brief_representation: false, first: 1 };
    const found = (await connection.execute('list-users', search)).data as { username: string }[];
    expect(found.map((user) => user.username)).toEqual(['joan']);
    expect(sample.server.queries('/users')).toEqual([
      [['briefRepresentation', 'true'], ['first', '0'], ['max', '2']],
      [['briefRepresentation', 'false'], ['enabled', 'true'], ['exact', 'false'], ['first', '1'], ['max', '100'], ['search', 'jo']],
    ]);
    expect((await connection.execute('count-users', { search: 'jo' })).data).toBe(2);
    expect((await connection.execute('count-users')).data).toBe(3);
    expect(sample.server.queries('/users/count')).toEqual([[['search', 'jo']], []]);
    expect((await connection.execute('get-user', { id: USERS[0]?.id })).data).toEqual(USERS[0]);
    const groups = (await connection.execute('list-groups', { max: 1 })).data as { name: string }[];
    expect(groups.map((group) => group.name)).toEqual(['admins']);
    expect(sample.server.queries('/groups')).toEqual([[['briefRepresentation', 'true'], ['first', '0'], ['max', '1']]]);
    expect(authCounts()).toEqual([1, 1]);
    expect(eventTypes()).toEqual(['token.acquired']);
  });

  it('an unknown user id: HttpError 404 {"error":"User not found"}, no renewal', async () => {
    const error = await rejection(connect().execute('get-user', { id: 'no-such-user' }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 404, body: { error: 'User not found' } });
    expect(authCounts()).toEqual([1, 1]);
  });

  it('a pre-17 server under /auth on its own port: discovery, token and admin calls all under the context path', async () => {
    sample.server.contextPath = '/auth';
    sample.server.publicOrigin = 'https://sso.example.com:8443';
    const users = (await connect({ host: 'sso.example.com:8443', context_path: '/auth' }).execute('list-users', { max: 1 })).data as unknown[];
    expect(users).toHaveLength(1);
    expect([...authCounts(), sample.server.count('/users')]).toEqual([1, 1, 1]);
  });
});

describe('renewal', () => {
  it('a cached token until it nears expiry, then one new grant at the kept token_endpoint: discovery 1, token 2', async () => {
    const connection = connect();
    await connection.execute('list-users', { max: 1 });
    clock.ms += 200_000;
    await connection.execute('list-users', { max: 1 });
    expect(authCounts()).toEqual([1, 1]);
    clock.ms += 101_000;
    await connection.execute('list-users', { max: 1 });
    expect(authCounts()).toEqual([1, 2]);
    expect(sample.server.count('/users')).toBe(3);
    expect(eventTypes()).toEqual(['token.acquired', 'token.acquired']);
  });

  it('a revoked token (401): one new grant and one replay, discovery not asked again', async () => {
    const connection = connect();
    await connection.execute('count-users');
    sample.server.revokeTokens();
    expect((await connection.execute('count-users')).data).toBe(3);
    expect(authCounts()).toEqual([1, 2]);
    expect(sample.server.count('/users/count')).toBe(3);
    expect(eventTypes()).toEqual(['token.acquired', 'auth.token_rejected', 'token.acquired']);
  });
});

describe('failures', () => {
  it('a refused client secret: ReauthorizationRequired after one token request, nothing sent to the admin API', async () => {
    registerSecret('kc-wrong-secret-canary-3390');
    const error = await rejection(connect({ client_secret: 'kc-wrong-secret-canary-3390' }).execute('list-users'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(error.message).toContain('unauthorized_client');
    expect(authCounts()).toEqual([1, 1]);
    expect(sample.server.count('/users')).toBe(0);
    expect(eventTypes()).toEqual(['auth.reauthorization_required']);
  });

  it('a token_endpoint on another host: FieldHostNotAllowedError, 0 requests there, no token request', async () => {
    sample.server.tokenEndpoint = `${FOREIGN_ORIGIN}/realms/${REALM}/protocol/openid-connect/token`;
    const error = await rejection(connect().execute('list-users'));
    expect(error).toBeInstanceOf(FieldHostNotAllowedError);
    expect(error).toMatchObject({
      code: 'CONNECTOR_REQUEST_REFUSED',
      field: '/auth/steps/0/values/token_endpoint/host_patterns',
      host: 'login.attacker.example',
      patterns: ['sso.example.com'],
    });
    expect(sample.server.meantFor(FOREIGN_ORIGIN)).toBe(0);
    expect(authCounts()).toEqual([1, 0]);
    expect(eventTypes()).not.toContain('auth.reauthorization_required');
  });

  it('an unknown realm (discovery 404): a ConfigurationError naming the step, not a re-authorization', async () => {
    sample.server.discoveryStatus = 404;
    const error = await rejection(connect().execute('list-users'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).not.toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe('CONNECTOR_CONFIGURATION_INVALID');
    expect(String(error.field)).toMatch(/^\/auth\/steps\/0\//);
    expect(authCounts()).toEqual([1, 0]);
    expect(eventTypes()).not.toContain('auth.reauthorization_required');
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
