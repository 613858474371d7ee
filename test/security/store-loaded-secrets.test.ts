/**
 * Issue 15: tokens read from a shared store are secrets too. A connection registers a token
 * with its redactor when the token response arrives; a second worker (or the same worker after a
 * restart: a new connector, a fresh redactor) that reads the token from a FileTokenStore or a
 * RedisTokenStore never saw that response. When an API then echoes the Authorization header in a
 * 403, or the token endpoint refuses a refresh with an error_description that echoes the refresh
 * token, nothing B reports may carry either token, in any encoding: not the error (message,
 * stack, fields, JSON.stringify, util.inspect, the cause chain), not an event, not the lines a
 * second process prints. Real loopback servers, a real redis-server and a real child process;
 * exact token-request counts prove B used A's token instead of authorizing itself.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore, HttpError, loadConnector, RedisTokenStore, type Connector, type TokenStore } from '../../sdk/index.js';
import type { AuthOAuth2AuthorizationCode, AuthRefreshableToken, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { CLIENT_SECRET, credentials, refreshableManifest } from '../helpers/manifests.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { describeHits, eventLog, findSecrets, record, registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from './support/servers.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('../fixtures/store-secrets-worker.ts', import.meta.url));

registerSecret(CLIENT_SECRET);

/**
 * The token endpoint and the API: issues canary tokens (registered with the scanner), counts
 * token requests by grant, and answers what a careless server does — a 403 that echoes the
 * Authorization header in several encodings, a refused refresh that echoes the refresh token.
 */
interface IssuingServer {
  origin: string;
  http: RoutedServer;
  access: string[];
  refresh: string[];
  /** Token requests by grant: client_credentials, authorization_code, refresh_token. */
  grants: Record<string, number>;
  refuseRefresh: boolean;
  close(): Promise<void>;
}

async function startIssuingServer(): Promise<IssuingServer> {
  const valid = new Set<string>();
  const state: IssuingServer = {
    origin: '',
    http: undefined as unknown as RoutedServer,
    access: [],
    refresh: [],
    grants: {},
    refuseRefresh: false,
    close: () => state.http.close(),
  };
  let counter = 0;
  const issue = (prefix: string) => {
    const token = `${prefix}-canary-store-${++counter}-${randomBytes(6).toString('hex')}`;
    registerSecret(token);
    return token;
  };
  const grant = (res: Parameters<typeof sendJson>[0]) => {
    const access = issue('tok');
    const refresh = issue('rt');
    state.access.push(access);
    state.refresh.push(refresh);
    valid.add(access);
    sendJson(res, 200, { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 3600 });
  };
  const refreshGrant = (res: Parameters<typeof sendJson>[0], presented: string | null) => {
    state.grants.refresh_token = (state.grants.refresh_token ?? 0) + 1;
    if (state.refuseRefresh || presented === null || !state.refresh.includes(presented)) {
      // The refresh token, echoed as is in the description (and once more, base64, in a trace).
      return sendJson(res, 400, {
        error: 'invalid_grant',
        error_description: `refresh token ${presented ?? ''} was revoked (reuse detected)`,
        trace: Buffer.from(presented ?? '').toString('base64'),
      });
    }
    grant(res);
  };
  const params = (body: string) =>
    new URLSearchParams(body.trim().startsWith('{') ? Object.entries(JSON.parse(body) as Record<string, string>) : body);
  const bearer = (header: string | string[] | undefined) => /^Bearer (.+)$/.exec(String(header ?? ''))?.[1];

  state.http = await startRouted({
    '/token': (_req, res, body) => {
      const form = params(body);
      const type = form.get('grant_type') ?? 'none';
      if (type === 'refresh_token') return refreshGrant(res, form.get('refresh_token'));
      state.grants[type] = (state.grants[type] ?? 0) + 1;
      if (type === 'client_credentials' && form.get('client_secret') !== CLIENT_SECRET) {
        return sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
      }
      grant(res);
    },
    '/refresh': (_req, res, body) => refreshGrant(res, params(body).get('refresh_token')),
    '/api/items': (req, res) => {
      const token = bearer(req.headers.authorization);
      if (token === undefined || !valid.has(token)) return sendJson(res, 401, { error: 'invalid_token' });
      sendJson(res, 200, { data: { ok: true } });
    },
    '/api/echo': (req, res) => {
      const authorization = String(req.headers.authorization ?? '');
      const token = bearer(authorization) ?? '';
      // None of these keys is one the SDK masks by name: only masking by value can help.
      sendJson(res, 403, {
        error: 'insufficient_scope',
        detail: `the credential "${authorization}" lacks the scope files.write`,
        request: { line: 'GET /api/echo', seen: `authorization=${encodeURIComponent(authorization)}` },
        trace: Buffer.from(token).toString('base64'),
        trace_id: Buffer.from(token).toString('base64url'),
      });
    },
    '/api/expired': (_req, res) => sendJson(res, 401, { error: 'invalid_token', error_description: 'the access token expired' }),
  });
  state.origin = state.http.origin;
  return state;
}

const ACTIONS: ConnectorManifest['actions'] = {
  'get-items': { method: 'GET', path: '/api/items', output: '$.data' },
  echo: { method: 'GET', path: '/api/echo', output: '$.data' },
  expired: { method: 'GET', path: '/api/expired', output: '$.data' },
};

function refreshableTokenManifest(origin: string): ConnectorManifest {
  const refresh: Partial<AuthRefreshableToken> = {
    response_refresh_token_path: 'refresh_token',
    refresh_request_url: `${origin}/refresh`,
    refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
    refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  };
  return refreshableManifest(origin, refresh, { actions: ACTIONS });
}

function authorizationCodeManifest(origin: string): ConnectorManifest {
  const auth: AuthOAuth2AuthorizationCode = {
    type: 'oauth2_authorization_code',
    authorization_url: `${origin}/authorize`,
    token_url: `${origin}/token`,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    redirect_uri: `${origin}/callback`,
    scope: 'files.read offline_access',
  };
  return authManifest(origin, auth, credentialFields(['client_id', 'client_secret'], ['client_secret']), { actions: ACTIONS });
}

let server: IssuingServer;
let redis: RedisServer;
let dir: string;
const connectors: Connector[] = [];
const stores: TokenStore[] = [];
let storeCounter = 0;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'store-loaded-secrets-'));
});
afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  server = await startIssuingServer();
});
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((connector) => connector.close()));
  await Promise.all(stores.splice(0).map((store) => (store as { close?: () => Promise<void> }).close?.()));
  await server.close();
});

/** Every secret in play: the issued tokens and the client secret. */
function secrets(): string[] {
  return [...server.access, ...server.refresh, CLIENT_SECRET];
}

/**
 * The scanner's findings for `value` (message lines that never print a secret). Checked with
 * expect.soft: a leak fails the test, and the counts and every other view are still checked.
 */
function leaks(value: unknown, what: string): string[] {
  return describeHits(what, findSecrets(value, secrets()));
}

/** The views of an error a host may log: each must be clean (`rejection` already recorded it for the suite-wide scan). */
function expectCleanError(error: Error & { body?: unknown }, who: string): void {
  const views: Record<string, unknown> = {
    message: error.message,
    stack: error.stack,
    body: error.body,
    'JSON.stringify': JSON.stringify(error),
    'util.inspect': inspect(error, { depth: 8, showHidden: false }),
    'the whole error (fields, cause chain)': error,
  };
  for (const [view, value] of Object.entries(views)) expect.soft(leaks(value, `${who}: ${view}`), `${who}: ${view}`).toEqual([]);
}

interface StoreKind {
  name: string;
  /** A new store object on the same backing store (a file, a Redis database) for `key`. */
  open(key: string): TokenStore;
}

const STORE_KINDS: StoreKind[] = [
  { name: 'FileTokenStore', open: (key) => new FileTokenStore(join(dir, `${key}.json`)) },
  { name: 'RedisTokenStore', open: (key) => new RedisTokenStore(redis.url, { keyPrefix: `store-loaded:${key}:` }) },
];

async function connect(manifest: ConnectorManifest, kind: StoreKind, key: string, connectionId: string) {
  const connector = await loadConnector(manifest);
  connectors.push(connector);
  const store = kind.open(key);
  stores.push(store);
  const log = eventLog();
  const connection = connector.connect({
    connectionId,
    credentials,
    store,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
    onEvent: log.listener,
  });
  return { connection, log };
}

describe.each(STORE_KINDS)('$name: a token worker A obtained, read by B (another worker, or A after a restart)', (kind) => {
  it('B gets a 403 that echoes its Authorization header: the HttpError holds no access token in any encoding', async () => {
    const key = `echo-${++storeCounter}`;
    const manifest = refreshableTokenManifest(server.origin);
    const a = await connect(manifest, kind, key, 'tenant-echo');
    expect((await a.connection.execute('get-items')).status).toBe(200);
    expect(server.grants).toEqual({ client_credentials: 1 });
    const [token] = server.access;

    const b = await connect(manifest, kind, key, 'tenant-echo');
    const error = await rejection(b.connection.execute('echo'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 403 });
    expect(error.body).toMatchObject({ error: 'insufficient_scope' });
    // B sent A's token, read from the store: no authorization of its own.
    expect(server.grants).toEqual({ client_credentials: 1 });
    expect(server.http.on('/api/echo').map((request) => request.headers.authorization)).toEqual([`Bearer ${token}`]);

    expectCleanError(error, "B's HttpError");
    for (const event of [...a.log.events, ...b.log.events]) expect.soft(leaks(event, `event ${event.type}`)).toEqual([]);
  });

  it('B\'s refresh is refused with an error_description that echoes the refresh token: token.refresh_failed and the error hold no refresh token', async () => {
    const key = `refresh-${++storeCounter}`;
    const manifest = refreshableTokenManifest(server.origin);
    const a = await connect(manifest, kind, key, 'tenant-refresh');
    expect((await a.connection.execute('get-items')).status).toBe(200);
    const [refreshToken] = server.refresh;

    server.refuseRefresh = true;
    const b = await connect(manifest, kind, key, 'tenant-refresh');
    const error = await rejection(b.connection.execute('expired'));
    // 401 → one refresh with A's refresh token (refused) → one re-authorization → the replay is refused again.
    expect(server.grants).toEqual({ client_credentials: 2, refresh_token: 1 });
    expect(server.http.on('/refresh').map((request) => new URLSearchParams(request.body).get('refresh_token'))).toEqual([refreshToken]);
    expect(server.http.hits('/api/expired')).toBe(2);
    const types = b.log.events.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['auth.token_rejected', 'token.refresh_failed', 'token.acquired', 'auth.reauthorized']));

    const failed = b.log.events.find((event) => event.type === 'token.refresh_failed');
    expect(failed?.reason).toEqual(expect.stringContaining('invalid_grant'));
    expect.soft(leaks(failed, 'the token.refresh_failed event')).toEqual([]);
    for (const event of b.log.events) expect.soft(leaks(event, `event ${event.type}`)).toEqual([]);
    expectCleanError(error, "B's error");
  });
});

describe('oauth2_authorization_code (no unattended re-authorization), FileTokenStore', () => {
  it('B\'s refused refresh ends in ReauthorizationRequired: its message, cause chain and events hold no refresh token', async () => {
    const key = `code-${++storeCounter}`;
    const manifest = authorizationCodeManifest(server.origin);
    const a = await connect(manifest, STORE_KINDS[0]!, key, 'user-code');
    const state = new URL(await a.connection.authorizationUrl()).searchParams.get('state');
    expect(state).toBeTruthy();
    await a.connection.completeAuthorization({ code: 'code-from-the-provider', state: state! });
    expect(server.grants).toEqual({ authorization_code: 1 });
    const [refreshToken] = server.refresh;

    server.refuseRefresh = true;
    const b = await connect(manifest, STORE_KINDS[0]!, key, 'user-code');
    const error = await rejection(b.connection.execute('expired'));
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(server.grants).toEqual({ authorization_code: 1, refresh_token: 1 });
    expect(server.http.on('/token').map((request) => new URLSearchParams(request.body).get('refresh_token'))).toEqual([null, refreshToken]);
    expect(error.cause).toBeDefined();

    expectCleanError(error, "B's ReauthorizationRequired");
    expect(b.log.events.map((event) => event.type)).toEqual(expect.arrayContaining(['token.refresh_failed', 'auth.reauthorization_required']));
    for (const event of b.log.events) expect.soft(leaks(event, `event ${event.type}`)).toEqual([]);
  });
});

describe('a second process on the same FileTokenStore', () => {
  interface Line {
    kind: 'event' | 'error' | 'result' | 'done';
    type?: string;
    code?: string;
    status?: number;
    [key: string]: unknown;
  }

  async function worker(manifestPath: string, storePath: string, ...actions: string[]): Promise<Line[]> {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', WORKER, manifestPath, storePath, 'tenant-process', JSON.stringify(credentials), ...actions],
      { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 },
    );
    record(stderr, 'worker stderr');
    expect.soft(leaks(stderr, 'worker stderr')).toEqual([]);
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    return lines.map((text, index) => {
      record(text, `worker stdout line ${index + 1}`);
      const line = JSON.parse(text) as Line;
      record(line, `worker stdout line ${index + 1} (parsed)`);
      // The parsed line holds the JSON.stringify and util.inspect texts as they were printed.
      expect.soft(leaks(text, `worker stdout line ${index + 1}`)).toEqual([]);
      expect.soft(leaks(line, `worker stdout line ${index + 1} (${line.kind} ${line.type ?? line.code ?? ''})`)).toEqual([]);
      return line;
    });
  }

  it('the worker reads A\'s token, meets the echoing 403 and a refused refresh: no token in any line it prints', async () => {
    const manifestPath = join(dir, 'process-manifest.json');
    const storePath = join(dir, 'process-tokens.json');
    await writeFile(manifestPath, JSON.stringify(refreshableTokenManifest(server.origin)));

    // A: this process obtains the token and saves it in the file.
    const connector = await loadConnector(manifestPath);
    connectors.push(connector);
    const a = connector.connect({ connectionId: 'tenant-process', credentials, store: new FileTokenStore(storePath), allowPrivateNetwork: true });
    expect((await a.execute('get-items')).status).toBe(200);
    expect(server.grants).toEqual({ client_credentials: 1 });
    const [token] = server.access;

    // B: another process, the echoing API.
    const echoed = await worker(manifestPath, storePath, 'echo');
    expect(echoed.at(-1)?.kind).toBe('done');
    expect(echoed.filter((line) => line.kind === 'error').map((line) => [line.code, line.status])).toEqual([['CONNECTOR_HTTP_STATUS', 403]]);
    expect(server.grants).toEqual({ client_credentials: 1 }); // 0 new authorizations: it used A's token
    expect(server.http.on('/api/echo').map((request) => request.headers.authorization)).toEqual([`Bearer ${token}`]);

    // B again (a restart): its refresh is refused with the refresh token echoed, then it re-authorizes.
    server.refuseRefresh = true;
    const refused = await worker(manifestPath, storePath, 'expired');
    expect(refused.at(-1)?.kind).toBe('done');
    expect(refused.filter((line) => line.kind === 'event').map((line) => line.type)).toEqual(
      expect.arrayContaining(['auth.token_rejected', 'token.refresh_failed', 'token.acquired', 'auth.reauthorized']),
    );
    expect(refused.filter((line) => line.kind === 'error').map((line) => line.code)).toEqual(['CONNECTOR_AUTH_FAILED']);
    expect(server.grants).toEqual({ client_credentials: 2, refresh_token: 1 });
  }, 60_000);
});
