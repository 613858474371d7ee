/**
 * refresh_token_rotation against a real provider (oidc-provider, test/helpers/oidc-provider.ts),
 * once rotating refresh tokens and once keeping them. First the property that makes the safe
 * default necessary: under rotation, a refresh token presented twice revokes the whole grant.
 *
 * Then the lost answer: a connection sends a refresh, the provider acts on it, and the answer
 * never comes back (test/helpers/lost-answer-proxy.ts resets the socket once the provider has
 * answered). The store keeps the write-ahead marker, as it does when the process that sent the
 * refresh dies. A second connector on the same store (another process, in effect) then needs the
 * token:
 * - `refresh_token_rotation: false`, non-rotating provider: the refresh is sent again, once, with
 *   the same refresh token; it succeeds and the action runs, nobody re-authorizes;
 * - `true`, or undeclared, rotating provider: the spent refresh token is never presented again;
 *   the connection needs the user (ReauthorizationRequired) or, with stored credentials, logs in
 *   afresh; the provider's grant was never revoked and the user's next authorization works;
 * - `false`, but the record's refresh token is no longer the one the marker was written for:
 *   not resent.
 * For oauth2_authorization_code, the Locoia-style refreshable_token and token_chain (the last two
 * fall back to logging in with the credentials: there the proxy stays unreachable after losing
 * the answer, so the first connection fails as a killed process would, instead of logging in itself). Exact counts at the
 * provider's token endpoint and at the proxy; every error and event goes through the secret scan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  loadConnector,
  MemoryTokenStore,
  ReauthorizationRequired,
  type Connection,
  type Connector,
  type TokenStore,
} from '../../sdk/index.js';
import type { Authentication, ChainRefresh, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { DEFAULT_TOKEN_RETRY } from '../../sdk/auth/token-request-retry.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { startLostAnswerProxy, type LostAnswer, type LostAnswerProxy } from '../helpers/lost-answer-proxy.js';
import { startOidcProvider, type OidcClient, type OidcTestProvider } from '../helpers/oidc-provider.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';

const HOUR = 3_600_000;
const CONNECTION = 'user-1';
let clockMs = Date.now();
const clock = { now: () => clockMs };

/** One provider with its proxy, the store two connectors share, and what to close afterwards. */
interface Scene {
  provider: OidcTestProvider;
  proxy: LostAnswerProxy;
  store: TokenStore;
}

let open: { scenes: Scene[]; connectors: Connector[] } = { scenes: [], connectors: [] };

afterEach(async () => {
  for (const connector of open.connectors) await connector.close();
  for (const { provider, proxy } of open.scenes) {
    await proxy.close();
    await provider.close();
  }
  open = { scenes: [], connectors: [] };
});

async function scene(rotateRefreshToken: boolean): Promise<Scene> {
  clockMs = Date.now();
  const provider = await startOidcProvider({ rotateRefreshToken });
  const proxy = await startLostAnswerProxy(provider.url);
  const created = { provider, proxy, store: new MemoryTokenStore() };
  open.scenes.push(created);
  return created;
}

/** A connector of its own (as another process would load it) connected to the scene's store. */
async function connect(manifest: ConnectorManifest, { store }: Scene, client: Record<string, string>) {
  const connector = await loadConnector(manifest);
  open.connectors.push(connector);
  const log = eventLog();
  const connection = connector.connect({
    connectionId: CONNECTION,
    credentials: client,
    store,
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log };
}

/** `rotation` undefined leaves refresh_token_rotation out (unknown). */
function withRotation<T extends object>(rotation: boolean | undefined, fields: T): T & { refresh_token_rotation?: boolean } {
  return rotation === undefined ? fields : { ...fields, refresh_token_rotation: rotation };
}

/** Locoia style: a login with the user's name and password, a hand-written refresh request with the client in the body. */
function refreshableManifest({ provider, proxy }: Scene, rotation: boolean | undefined): ConnectorManifest {
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const auth: Authentication = withRotation(rotation, {
    type: 'refreshable_token' as const,
    authorization_request_url: `${proxy.url}/login`,
    authorization_request_body_template: 'username={{ credentials.username | url_encode }}&password={{ credentials.password | url_encode }}',
    authorization_request_headers: form,
    response_access_token_path: 'access_token',
    response_refresh_token_path: 'refresh_token',
    refresh_request_url: `${proxy.url}/token`,
    refresh_request_body_template:
      'grant_type=refresh_token&refresh_token={{ auth.refresh_token | url_encode }}&client_id={{ credentials.client_id | url_encode }}&client_secret={{ credentials.client_secret | url_encode }}',
    refresh_request_headers: form,
  });
  const fields = credentialFields(['username', 'password', 'client_id', 'client_secret'], ['password', 'client_secret']);
  return authManifest(provider.url, auth, fields);
}

/** A token chain: one login step, one refresh step, each a form to the provider. */
function chainManifest({ provider, proxy }: Scene, rotation: boolean | undefined): ConnectorManifest {
  const values = {
    access_token: { json: '$.access_token' },
    refresh_token: { json: '$.refresh_token' },
    expires_in: { json: '$.expires_in', secret: false },
  };
  const token = (step: string) => ({ access_token: `${step}.access_token`, refresh_token: `${step}.refresh_token`, expires_in: `${step}.expires_in` });
  const client = { client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' };
  const refresh: ChainRefresh = {
    steps: [{ name: 'refresh', method: 'POST', url: `${proxy.url}/token`, body_format: 'form', body: { grant_type: 'refresh_token', refresh_token: '{{ auth.refresh_token }}', ...client }, values }],
    token: token('refresh'),
  };
  const auth: Authentication = {
    type: 'token_chain',
    steps: [
      { name: 'login', method: 'POST', url: `${proxy.url}/login`, body_format: 'form', body: { username: '{{ credentials.username }}', password: '{{ credentials.password }}' }, values },
    ],
    token: token('login'),
    refresh: withRotation(rotation, refresh),
  };
  return authManifest(provider.url, auth, credentialFields(['username', 'password', 'client_id', 'client_secret'], ['password', 'client_secret']));
}

function codeManifest({ provider, proxy }: Scene, rotation: boolean | undefined): ConnectorManifest {
  const auth: Authentication = {
    type: 'oauth2_authorization_code',
    authorization_url: provider.authorizationUrl,
    token_url: `${proxy.url}/token`,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    client_auth: 'basic',
    redirect_uri: provider.redirectUri,
    scope: 'openid',
    issuer: provider.url,
    authorization_response_iss_parameter_supported: true,
    token_response: withRotation(rotation, {}),
  };
  return authManifest(provider.url, auth, credentialFields(['client_id', 'client_secret'], ['client_secret']));
}

const clientCredentials = (client: OidcClient) => ({ client_id: client.id, client_secret: client.secret });

async function authorize(provider: OidcTestProvider, connection: Connection): Promise<void> {
  await connection.completeAuthorization(await provider.userAgent(await connection.authorizationUrl()));
}

/**
 * The first connection's refresh, after the access token expired: the provider acts on it, the
 * answer is lost, the connection fails with a NetworkError and the store keeps the marker.
 */
async function loseRefreshAnswer(s: Scene, first: Connection, options: { thenUnreachable?: boolean } = {}): Promise<LostAnswer> {
  clockMs += 2 * HOUR;
  s.proxy.loseNextRefresh(options);
  const error = await rejection(first.execute('items'));
  expect(error.code).toBe(ERROR_CODES.network);
  expect(s.proxy.lost).toHaveLength(1);
  const lost = s.proxy.lost[0]!;
  expect(lost.status).toBe(200);
  const stored = await s.store.get(CONNECTION);
  expect(stored?.pendingRefresh).toBeDefined();
  expect(stored?.refreshToken).toBe(lost.presented);
  s.proxy.reachable();
  return lost;
}

describe('the providers themselves', () => {
  it('rotating: a used refresh token presented again is refused and revokes the grant, the new refresh token with it', async () => {
    const { provider: rotating } = await scene(true);
    const first = await rotating.obtainTokens();
    const renewed = await rotating.refresh(first.refresh_token);
    expect(renewed.status).toBe(200);
    const second = String(renewed.body.refresh_token);
    expect(second).not.toBe(first.refresh_token);
    const replay = await rotating.refresh(first.refresh_token);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect(rotating.revokedGrants).toHaveLength(1);
    expect(await rotating.refreshTokenValid(second)).toBe(false);
    const afterRevocation = await rotating.refresh(second);
    expect([afterRevocation.status, afterRevocation.body.error]).toEqual([400, 'invalid_grant']);
    expect(rotating.calls('refresh_token').map((call) => call.status)).toEqual([200, 400, 400]);
  });

  it('non-rotating: the refresh answer carries the same refresh token, which keeps working', async () => {
    const { provider: keeping } = await scene(false);
    const first = await keeping.obtainTokens();
    const once = await keeping.refresh(first.refresh_token);
    const twice = await keeping.refresh(first.refresh_token);
    expect([once.status, twice.status]).toEqual([200, 200]);
    expect([once.body.refresh_token, twice.body.refresh_token]).toEqual([first.refresh_token, first.refresh_token]);
    expect(once.body.access_token).not.toBe(twice.body.access_token);
    expect(keeping.revokedGrants).toEqual([]);
    expect(await keeping.refreshTokenValid(first.refresh_token)).toBe(true);
  });
});

/** An auth type under test: its manifest, how its first token is obtained, what it does when it may not resend. */
interface Kind {
  name: string;
  manifest(s: Scene, rotation: boolean | undefined): ConnectorManifest;
  /** The provider's client the connection's refresh tokens belong to. */
  client(s: Scene): OidcClient;
  credentials(s: Scene): Record<string, string>;
  /** Gets the first token (before the first call). */
  start(s: Scene, connection: Connection): Promise<void>;
  /** Keep the provider unreachable after the lost answer: the first connection would log in with its credentials. */
  thenUnreachable: boolean;
  /** Full authorizations the provider saw: code exchanges, or logins. */
  authorizations(s: Scene): number;
  /** The survivor, not allowed to resend: it gets a working token some other way and the action runs. */
  fallBack(s: Scene, survivor: Awaited<ReturnType<typeof connect>>): Promise<void>;
}

const authorizationCode: Kind = {
  name: 'oauth2_authorization_code',
  manifest: codeManifest,
  client: (s) => s.provider.basicClient,
  credentials: (s) => clientCredentials(s.provider.basicClient),
  start: (s, connection) => authorize(s.provider, connection),
  thenUnreachable: false,
  authorizations: (s) => s.provider.calls('authorization_code').length,
  async fallBack(s, survivor) {
    const error = await rejection(survivor.connection.execute('items'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.code).toBe(ERROR_CODES.reauthorizationRequired);
    expect(s.provider.apiCalls).toEqual([200]);
    // The user authorizes again, and the connection works.
    await authorize(s.provider, survivor.connection);
    expect((await survivor.connection.execute('items')).status).toBe(200);
  },
};

const refreshableToken: Kind = {
  name: 'refreshable_token',
  manifest: refreshableManifest,
  client: (s) => s.provider.postClient,
  credentials: (s) => ({ ...clientCredentials(s.provider.postClient), ...s.provider.user }),
  start: async () => undefined,
  thenUnreachable: true,
  authorizations: (s) => s.provider.loginCalls.length,
  async fallBack(_s, survivor) {
    expect((await survivor.connection.execute('items')).status).toBe(200);
    expect(survivor.log.events.map((event) => event.type)).toEqual(expect.arrayContaining(['token.refresh_failed', 'token.acquired', 'auth.reauthorized']));
  },
};

const tokenChain: Kind = { ...refreshableToken, name: 'token_chain', manifest: chainManifest };

describe.each([authorizationCode, refreshableToken, tokenChain])('$name: a refresh whose answer was lost', (kind) => {
  /** The first connection gets a token, runs the action once, and loses the answer to its next refresh. */
  async function staged(rotateRefreshToken: boolean, rotation: boolean | undefined) {
    const s = await scene(rotateRefreshToken);
    const manifest = kind.manifest(s, rotation);
    const first = await connect(manifest, s, kind.credentials(s));
    await kind.start(s, first.connection);
    expect((await first.connection.execute('items')).status).toBe(200);
    const lost = await loseRefreshAnswer(s, first.connection, { thenUnreachable: kind.thenUnreachable });
    expect(s.proxy.refused).toBe(kind.thenUnreachable ? DEFAULT_TOKEN_RETRY.attempts : 0);
    const survivor = await connect(manifest, s, kind.credentials(s));
    return { s, lost, survivor };
  }
  const forwarded = (s: Scene) => Object.values(s.proxy.forwarded).reduce((sum, n) => sum + n, 0);

  it('declared false, non-rotating provider: sent again once with the same refresh token, the action runs, no re-authorization', async () => {
    const { s, lost, survivor } = await staged(false, false);
    expect((await survivor.connection.execute('items')).status).toBe(200);
    expect(s.provider.calls('refresh_token').map((call) => [call.status, call.refreshToken])).toEqual([
      [200, lost.presented],
      [200, lost.presented],
    ]);
    expect(kind.authorizations(s)).toBe(1);
    expect(forwarded(s)).toBe(3); // the first authorization, the lost refresh, the resent one
    expect(s.provider.apiCalls).toEqual([200, 200]);
    const types = survivor.log.events.map((event) => event.type);
    expect(types).toContain('token.refreshed');
    expect(types).not.toContain('token.refresh_failed');
    expect(types).not.toContain('auth.reauthorized');
    const stored = await s.store.get(CONNECTION);
    expect(stored?.pendingRefresh).toBeUndefined();
    expect(stored?.refreshToken).toBe(lost.presented);
  });

  async function expectNeverResent(rotation: true | undefined): Promise<void> {
    const { s, lost, survivor } = await staged(true, rotation);
    expect(lost.issued).not.toBe(lost.presented); // the provider rotated it in the lost answer
    await kind.fallBack(s, survivor);
    expect(s.provider.calls('refresh_token')).toHaveLength(1);
    expect(kind.authorizations(s)).toBe(2);
    expect(forwarded(s)).toBe(3); // two authorizations, the lost refresh
    expect(s.provider.apiCalls).toEqual([200, 200]);
    // Nothing was replayed: the grant stands, the rotated token the lost answer carried is still good.
    expect(s.provider.revokedGrants).toEqual([]);
    expect(await s.provider.refreshTokenValid(lost.issued!)).toBe(true);
    expect((await s.store.get(CONNECTION))?.pendingRefresh).toBeUndefined();
  }

  it('declared true, rotating provider: never presented again, the connection authorizes afresh, the grant not revoked', async () => {
    await expectNeverResent(true);
  });

  it('undeclared (unknown), rotating provider: the same as true', async () => {
    await expectNeverResent(undefined);
  });

  it('declared false, but the stored refresh token changed since the marker was written: not resent', async () => {
    const { s, lost, survivor } = await staged(false, false);
    // Another grant's refresh token lands in the record while the marker stays (fingerprint mismatch).
    const other = await s.provider.obtainTokens(kind.client(s));
    const authorizationsBefore = kind.authorizations(s);
    const { version, ...rest } = (await s.store.get(CONNECTION))!;
    expect(await s.store.compareAndSet(CONNECTION, version, { ...rest, version: version + 1, refreshToken: other.refresh_token })).toBe(true);
    await kind.fallBack(s, survivor);
    expect(s.provider.calls('refresh_token').map((call) => call.refreshToken)).toEqual([lost.presented]);
    expect(kind.authorizations(s)).toBe(authorizationsBefore + 1);
    expect(await s.provider.refreshTokenValid(other.refresh_token)).toBe(true);
  });
});
