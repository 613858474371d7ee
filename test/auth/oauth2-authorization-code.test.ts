/**
 * OAuth 2.0 authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636 S256) and state,
 * driven headlessly: the test follows the authorization server's redirect with fetch (no
 * browser) and hands the callback URL to completeAuthorization. The server binds each code to
 * its challenge, client and redirect URI and verifies the code_verifier; it can add RFC 9207
 * `iss` to its redirects. A refused callback is refused before its state is spent, so the genuine
 * one still completes. Exact request counts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  CredentialsError,
  FileTokenStore,
  loadConnector,
  MemoryTokenStore,
  ReauthorizationRequired,
  type Connection,
  type Connector,
  type TokenStore,
  validateManifest,
} from '../../sdk/index.js';
import type { AuthOAuth2AuthorizationCode, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, record, registerSecret, rejection } from '../helpers/secret-scan.js';

const LIVE = { id: 'live-app', secret: 'live-app-canary-secret' };
const DEV = { id: 'dev-app', secret: 'dev-app-canary-secret' };
registerSecret(LIVE.secret, DEV.secret);
const SCOPE = 'files.read offline_access';

let server: FakeOAuth;
let connectors: Connector[] = [];
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };

function codeAuth(overrides: Partial<AuthOAuth2AuthorizationCode> = {}): AuthOAuth2AuthorizationCode {
  return {
    type: 'oauth2_authorization_code',
    authorization_url: server.authorizeUrl,
    token_url: server.tokenUrl,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    client_auth: 'basic',
    redirect_uri: server.callbackUrl,
    scope: SCOPE,
    ...overrides,
  };
}

function manifest(overrides: Partial<AuthOAuth2AuthorizationCode> = {}): ConnectorManifest {
  return authManifest(server.url, codeAuth(overrides), credentialFields(['client_id', 'client_secret'], ['client_secret']), {
    environments: {
      // The dev app's credential set: a different schema, so live credentials cannot slip into dev.
      dev: {
        credentials: {
          type: 'object',
          required: ['client_id', 'client_secret'],
          properties: {
            client_id: { type: 'string', description: 'Dev. App ID', pattern: '^dev-' },
            client_secret: { type: 'string', description: 'Dev. secret', 'x-secret': true },
          },
        },
      },
    },
  });
}

async function load(overrides: Partial<AuthOAuth2AuthorizationCode> = {}): Promise<Connector> {
  const connector = await loadConnector(manifest(overrides));
  connectors.push(connector);
  return connector;
}

function connect(connector: Connector, options: { store?: TokenStore; environment?: 'live' | 'dev'; app?: { id: string; secret: string }; id?: string } = {}) {
  const log = eventLog();
  const app = options.app ?? LIVE;
  const connection = connector.connect({
    connectionId: options.id ?? 'user-1',
    credentials: { client_id: app.id, client_secret: app.secret },
    environment: options.environment,
    store: options.store ?? new MemoryTokenStore(),
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log };
}

/** The user agent: GET the authorization URL, follow its one redirect to the callback, return the callback URL. */
async function userAgent(authorizationUrl: string): Promise<string> {
  const answer = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  const location = answer.headers.get('location') ?? '';
  expect(location.startsWith(`${server.callbackUrl}?`)).toBe(true);
  const landed = await fetch(location);
  expect(landed.status).toBe(200);
  await landed.text();
  return location;
}

async function authorize(connection: Connection): Promise<string> {
  const callback = await userAgent(await connection.authorizationUrl());
  await connection.completeAuthorization(callback);
  return callback;
}

beforeEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  // Both apps have the server's callback URL registered as their redirect URI.
  server = await startFakeOAuth({
    now: clock.now,
    expiresIn: 3600,
    clients: [
      { ...LIVE, auth: 'basic' },
      { ...DEV, auth: 'basic' },
    ],
  });
});

afterEach(async () => {
  await Promise.all(connectors.map((connector) => connector.close()));
  connectors = [];
  await server.close();
});

describe('the authorization URL', () => {
  it('carries response_type, client_id, redirect_uri, scope, state and an S256 code challenge', async () => {
    const { connection } = connect(await load());
    const url = new URL(await connection.authorizationUrl());
    expect(`${url.origin}${url.pathname}`).toBe(server.authorizeUrl);
    const params = url.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(LIVE.id);
    expect(params.get('redirect_uri')).toBe(server.callbackUrl);
    expect(params.get('scope')).toBe(SCOPE);
    expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.has('client_secret')).toBe(false);
    expect(url.toString()).not.toContain(LIVE.secret);
    // Every start is fresh.
    const again = new URL(await connection.authorizationUrl()).searchParams;
    expect(again.get('state')).not.toBe(params.get('state'));
    expect(again.get('code_challenge')).not.toBe(params.get('code_challenge'));
    expect(server.tokenRequestCount()).toBe(0);
  });
});

describe('the headless flow', () => {
  it('before any authorization: ReauthorizationRequired, no token request', async () => {
    const { connection } = connect(await load());
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(server.tokenRequestCount()).toBe(0);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });

  it('redirect → callback → code exchange; the server verifies code_verifier against the challenge', async () => {
    const { connection, log } = connect(await load());
    const authorizationUrl = await connection.authorizationUrl();
    const challenge = new URL(authorizationUrl).searchParams.get('code_challenge');
    const callback = await userAgent(authorizationUrl);
    await connection.completeAuthorization(callback);

    expect(server.counts['/oauth/authorize']).toBe(1);
    expect(server.callbacks).toEqual([callback]);
    expect(server.grants).toEqual({ authorization_code: 1 });
    const exchange = server.tokenRequests[0]!;
    expect(exchange.clientAuth).toEqual({ method: 'basic', clientId: LIVE.id });
    expect(exchange.params.get('code')).toBe(new URL(callback).searchParams.get('code'));
    expect(exchange.params.get('redirect_uri')).toBe(server.callbackUrl);
    const verifier = exchange.params.get('code_verifier') ?? '';
    registerSecret(verifier);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);

    const result = await connection.execute('whoami');
    expect(result.data).toEqual({ path: '/api/whoami', client_id: LIVE.id, username: 'code-user', scope: SCOPE });
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBe(1);
    expect(await connection.ensureToken()).toMatchObject({ managed: true, hasRefreshToken: true, tokenType: 'Bearer' });
    expect(log.events.map((event) => event.type)).toContain('token.acquired');
  });

  it('a callback with the wrong state is refused before any token request; the genuine one still completes', async () => {
    const { connection } = connect(await load());
    const callback = await userAgent(await connection.authorizationUrl());
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state-0123456789');
    const error = await rejection(connection.completeAuthorization(forged.toString()));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('state mismatch');
    expect(server.tokenRequestCount()).toBe(0);
    await connection.completeAuthorization(callback);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('a state is accepted once: replaying the callback is refused without a token request', async () => {
    const { connection } = connect(await load());
    const callback = await authorize(connection);
    expect(server.tokenRequestCount()).toBe(1);
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('state mismatch');
    expect(server.tokenRequestCount()).toBe(1);
    // The token from the first exchange is untouched.
    expect((await connection.execute('whoami')).status).toBe(200);
  });

  it('an injected code (bound to another challenge) fails PKCE at the server', async () => {
    const { connection } = connect(await load());
    const victimUrl = new URL(await connection.authorizationUrl());
    // The attacker runs their own authorization with their own verifier …
    const attackerUrl = new URL(victimUrl);
    attackerUrl.searchParams.set('code_challenge', createHash('sha256').update('attacker-verifier-'.padEnd(64, 'x')).digest('base64url'));
    attackerUrl.searchParams.set('state', 'attacker');
    const attackerCallback = new URL(await userAgent(attackerUrl.toString()));
    // … and slips the code into the victim's callback, with the victim's state.
    const injected = new URL(server.callbackUrl);
    injected.searchParams.set('code', attackerCallback.searchParams.get('code') ?? '');
    injected.searchParams.set('state', victimUrl.searchParams.get('state') ?? '');
    const error = await rejection(connection.completeAuthorization(injected));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ oauthError: 'invalid_grant', status: 400 });
    expect(error.message).toContain('code_verifier does not match the code_challenge');
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });

  it('the user denying access ends in an AuthError with the OAuth error, no token request', async () => {
    const { connection } = connect(await load());
    const state = new URL(await connection.authorizationUrl()).searchParams.get('state') ?? '';
    const error = await rejection(connection.completeAuthorization({ error: 'access_denied', error_description: 'The user said no', state }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ oauthError: 'access_denied' });
    expect(server.tokenRequestCount()).toBe(0);
  });

  it('an authorization older than 10 minutes is refused', async () => {
    const { connection } = connect(await load());
    const callback = await userAgent(await connection.authorizationUrl());
    clockMs += 11 * 60_000;
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('longer than 10 minutes');
    expect(server.tokenRequestCount()).toBe(0);
  });
});

describe('RFC 9207 iss on the callback (mix-up protection)', () => {
  const advertised = () => ({ issuer: server.url, authorization_response_iss_parameter_supported: true });

  it('the issuer\'s own iss is accepted: one token request, the token works', async () => {
    server.options.issuer = server.url;
    const { connection } = connect(await load(advertised()));
    const callback = await authorize(connection);
    expect(new URL(callback).searchParams.get('iss')).toBe(server.url);
    expect(server.tokenRequestCount()).toBe(1);
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('another issuer\'s iss: refused before any token request; the state is not spent, so the genuine callback completes', async () => {
    server.options.issuer = 'https://attacker.example';
    const { connection } = connect(await load(advertised()));
    const callback = await userAgent(await connection.authorizationUrl());
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'CONNECTOR_AUTH_FAILED' });
    expect(error.message).toContain('mix-up protection (RFC 9207) refused the authorization callback');
    expect(error.message).toContain('"https://attacker.example"');
    expect(error.message).toContain('/auth/issuer');
    expect(server.tokenRequestCount()).toBe(0);
    const genuine = new URL(callback);
    genuine.searchParams.set('iss', server.url);
    await connection.completeAuthorization(genuine);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('no iss although the manifest says the server always sends it: refused, no token request', async () => {
    const { connection } = connect(await load(advertised()));
    const callback = await userAgent(await connection.authorizationUrl());
    expect(new URL(callback).searchParams.has('iss')).toBe(false);
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('carries no "iss"');
    expect(error.message).toContain('/auth/authorization_response_iss_parameter_supported');
    expect(server.tokenRequestCount()).toBe(0);
  });

  it('an iss while the manifest declares no issuer is ignored: one token request', async () => {
    server.options.issuer = 'https://some-issuer.example';
    const { connection } = connect(await load());
    await authorize(connection);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('the validator wants the issuer whenever the iss parameter is said to be supported', async () => {
    const { valid, diagnostics } = validateManifest(manifest({ authorization_response_iss_parameter_supported: true }));
    expect(valid).toBe(false);
    expect(diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', pointer: '/auth', message: expect.stringContaining('issuer') }));
    expect(validateManifest(manifest(advertised())).valid).toBe(true);
  });
});

describe('repeated callback parameters (RFC 6749 §3.1)', () => {
  it.each(['code', 'state', 'iss', 'error'])('"%s" twice: refused naming it, no token request; the genuine callback completes', async (name) => {
    const { connection } = connect(await load());
    const callback = await userAgent(await connection.authorizationUrl());
    const doubled = new URL(callback);
    if (!doubled.searchParams.has(name)) doubled.searchParams.append(name, 'first');
    doubled.searchParams.append(name, 'second');
    const error = await rejection(connection.completeAuthorization(doubled));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain(`carries "${name}" more than once`);
    expect(server.tokenRequestCount()).toBe(0);
    await connection.completeAuthorization(callback);
    expect(server.tokenRequestCount()).toBe(1);
  });
});

describe('refresh', () => {
  it('renews with the refresh_token grant, each time with the rotated refresh token', async () => {
    const { connection, log } = connect(await load());
    await authorize(connection);
    await connection.execute('whoami');
    const presented: (string | null)[] = [];
    for (let round = 0; round < 2; round++) {
      clockMs += 3600_000;
      await connection.execute('whoami');
      presented.push(server.tokenRequests.at(-1)?.params.get('refresh_token') ?? null);
    }
    expect(server.grants).toEqual({ authorization_code: 1, refresh_token: 2 });
    expect(new Set(presented).size).toBe(2);
    expect(server.tokenRequests.slice(1).every((request) => request.clientAuth?.method === 'basic')).toBe(true);
    expect(server.counts['/api/whoami']).toBe(3);
    expect(log.events.filter((event) => event.type === 'token.refreshed')).toHaveLength(2);
  });

  it('a refused refresh needs the user again: ReauthorizationRequired, no login attempt, no loop', async () => {
    const { connection, log } = connect(await load());
    await authorize(connection);
    server.inject('/oauth/token', { status: 400, body: { error: 'invalid_grant', error_description: 'consent revoked' } });
    clockMs += 3600_000;
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ oauthError: 'invalid_grant' });
    expect(server.tokenRequestCount()).toBe(2);
    expect(log.events.map((event) => event.type)).toContain('auth.reauthorization_required');
    await rejection(connection.execute('whoami'));
    expect(server.tokenRequestCount()).toBe(2);
    // The user authorizes again and the connection works.
    await authorize(connection);
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.grants).toEqual({ authorization_code: 2 });
  });
});

describe('dev and live apps', () => {
  it('environment "dev" uses the dev app credentials: different client ids reach the server', async () => {
    const connector = await load();
    const live = connect(connector, { id: 'tenant-live' }).connection;
    const dev = connect(connector, { id: 'tenant-dev', environment: 'dev', app: DEV }).connection;
    expect(new URL(await live.authorizationUrl()).searchParams.get('client_id')).toBe(LIVE.id);
    await authorize(live);
    await authorize(dev);
    const [liveData, devData] = await Promise.all([live.execute('whoami'), dev.execute('whoami')]);
    expect(liveData.data).toMatchObject({ client_id: LIVE.id });
    expect(devData.data).toMatchObject({ client_id: DEV.id });
    expect(server.tokenRequests.map((request) => request.clientAuth?.clientId)).toEqual([LIVE.id, DEV.id]);
    expect(server.tokenRequestCount()).toBe(2);
  });

  it('live credentials are refused for the dev environment by its credential schema', async () => {
    const connector = await load();
    let error: unknown;
    try {
      connect(connector, { environment: 'dev', app: LIVE });
    } catch (caught) {
      error = caught;
      record(caught);
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ field: 'client_id' });
    expect(server.tokenRequestCount()).toBe(0);
  });
});

describe('another process completes the authorization', () => {
  it('the pending state and verifier live in the store: a new connector and connection finish the flow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'connector-auth-code-'));
    try {
      const path = join(dir, 'tokens.json');
      const first = connect(await load(), { store: new FileTokenStore(path) }).connection;
      const callback = await userAgent(await first.authorizationUrl());
      // "Another process": a freshly loaded connector and a new store object on the same file.
      const second = connect(await load(), { store: new FileTokenStore(path) }).connection;
      await second.completeAuthorization(callback);
      expect(server.tokenRequestCount()).toBe(1);
      expect((await second.execute('whoami')).status).toBe(200);
      // The first process sees the token too, without a request of its own.
      expect((await first.execute('whoami')).status).toBe(200);
      expect(server.tokenRequestCount()).toBe(1);
      expect(server.counts['/api/whoami']).toBe(2);
      // And the state is spent for both.
      await rejection(first.completeAuthorization(callback));
      expect(server.tokenRequestCount()).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
