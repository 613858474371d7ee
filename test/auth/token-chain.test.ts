/**
 * The token chain as DocuWare Cloud runs it: the platform (one origin) names its identity
 * service (another origin), whose OpenID configuration names the token endpoint, where the
 * password grant gives the token. Both discovery steps are kept: renewals ask the token
 * endpoint alone. Real loopback servers check every request (method, headers, body format and
 * every parameter) and count them exactly; every secret is a registered canary.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  HttpError,
  loadConnector,
  MemoryTokenStore,
  ReauthorizationRequired,
  type Connector,
} from '../../sdk/index.js';
import type { AuthTokenChain, ChainRefresh } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth, type Route as OAuthRoute } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const CLIENT_ID = 'docuware.platform.net.client';
const USERNAME = 'dw-user@acme.example';
const PASSWORD = 'dw-pass"word\\canary-7781';
registerSecret(PASSWORD);

const IDENTITY_INFO = '/DocuWare/Platform/Home/IdentityServiceInfo';
const OIDC = '/identity/.well-known/openid-configuration';

let platform: RoutedServer;
let identity: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };
/** What the OpenID configuration names as token endpoint; a test may move it. */
let tokenEndpoint = '';

beforeEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  identity = await startFakeOAuth({ now: clock.now, expiresIn: 900, clients: [{ id: CLIENT_ID }], users: { [USERNAME]: PASSWORD }, issueRefreshTokens: false });
  tokenEndpoint = identity.tokenUrl;
  identity.routes[OIDC] = ({ method }) =>
    method === 'GET' ? { status: 200, body: { issuer: `${identity.url}/identity`, token_endpoint: tokenEndpoint } } : { status: 405, body: {} };
  platform = await startRouted({
    [IDENTITY_INFO]: (req, res) =>
      req.method === 'GET' ? sendJson(res, 200, { IdentityServiceUrl: `${identity.url}/identity`, Version: '7.11' }) : sendJson(res, 405, {}),
  });
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await Promise.all([platform.close(), identity.close()]);
});

const idpHost = () => new URL(identity.url).host;

function discoveryChain(options: { keep?: boolean; refresh?: ChainRefresh } = {}): AuthTokenChain {
  const keep = options.keep ?? true;
  const patterns: [string, string] = ['*.docuware.cloud', '{{ credentials.idp_host }}'];
  return {
    type: 'token_chain',
    steps: [
      {
        name: 'identity',
        method: 'GET',
        url: `{{ credentials.platform_url }}${IDENTITY_INFO}`,
        headers: { Accept: 'application/json' },
        keep,
        values: { url: { json: '$.IdentityServiceUrl', secret: false, host_patterns: patterns } },
      },
      {
        name: 'oidc',
        method: 'GET',
        url: '{{ steps.identity.url }}/.well-known/openid-configuration',
        keep,
        values: { token_endpoint: { json: '$.token_endpoint', secret: false, host_patterns: patterns } },
      },
      {
        name: 'token',
        method: 'POST',
        url: '{{ steps.oidc.token_endpoint }}',
        body_format: 'form',
        body: { grant_type: 'password', username: '{{ credentials.username }}', password: '{{ credentials.password }}', client_id: CLIENT_ID, scope: 'docuware.platform' },
        values: {
          access_token: { json: '$.access_token' },
          refresh_token: { json: '$.refresh_token', optional: true },
          expires_in: { json: '$.expires_in', secret: false, optional: true },
        },
      },
    ],
    token: { access_token: 'token.access_token', refresh_token: 'token.refresh_token', expires_in: 'token.expires_in' },
    ...(options.refresh ? { refresh: options.refresh } : {}),
  };
}

const REFRESH: ChainRefresh = {
  steps: [
    {
      name: 'refresh',
      method: 'POST',
      url: '{{ steps.oidc.token_endpoint }}',
      body_format: 'form',
      body: { grant_type: 'refresh_token', refresh_token: '{{ auth.refresh_token }}', client_id: CLIENT_ID },
      values: {
        access_token: { json: '$.access_token' },
        refresh_token: { json: '$.refresh_token', optional: true },
        expires_in: { json: '$.expires_in', secret: false, optional: true },
      },
    },
  ],
  token: { access_token: 'refresh.access_token', refresh_token: 'refresh.refresh_token', expires_in: 'refresh.expires_in' },
};

async function connect(auth: AuthTokenChain, store = new MemoryTokenStore()) {
  const schema = credentialFields(['platform_url', 'idp_host', 'username', 'password'], ['password']);
  connector = await loadConnector(authManifest(identity.url, auth, schema));
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'dw-1',
    credentials: { platform_url: platform.origin, idp_host: idpHost(), username: USERNAME, password: PASSWORD },
    store,
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
  return { connection, log, store };
}

/** The lifecycle events, without the per-request ones. */
const lifecycle = (events: { type: string }[]) => events.map((event) => event.type).filter((type) => type !== 'request' && type !== 'response');

/** Requests per step: identity info, OpenID configuration, token endpoint. */
const counts = () => [platform.hits(IDENTITY_INFO), identity.counts[OIDC] ?? 0, identity.counts['/oauth/token'] ?? 0];

describe('a three-step discovery chain on two origins', () => {
  it('sends each step as declared; first call 3 requests, cached calls 0, renewal after expiry only the token step', async () => {
    const { connection, log } = await connect(discoveryChain());
    const first = await connection.execute('whoami');
    expect(first.data).toEqual({ path: '/api/whoami', client_id: CLIENT_ID, username: USERNAME, scope: 'docuware.platform' });
    expect(counts()).toEqual([1, 1, 1]);

    const [info] = platform.on(IDENTITY_INFO);
    expect(info).toMatchObject({ method: 'GET', body: '' });
    expect(info?.headers).toMatchObject({ accept: 'application/json', 'user-agent': 'connector-sdk-auth-tests/1.0' });
    expect(info?.headers.authorization).toBeUndefined();
    const [token] = identity.tokenRequests;
    expect(token?.method).toBe('POST');
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.headers['user-agent']).toBe('connector-sdk-auth-tests/1.0');
    expect([...(token?.params ?? [])]).toEqual([
      ['grant_type', 'password'],
      ['username', USERNAME],
      ['password', PASSWORD],
      ['client_id', CLIENT_ID],
      ['scope', 'docuware.platform'],
    ]);

    await connection.execute('whoami');
    await connection.execute('items');
    expect(counts()).toEqual([1, 1, 1]);

    clockMs += 901_000;
    await connection.execute('whoami');
    expect(counts()).toEqual([1, 1, 2]);
    expect(identity.grants).toEqual({ password: 2 });
    expect(identity.counts['/api/whoami']).toBe(3);
    expect(identity.counts['/api/items']).toBe(1);
    expect(log.events.map((event) => event.type).filter((type) => type.startsWith('token.'))).toEqual(['token.acquired', 'token.acquired']);
  });

  it('a 401 from the API: one renewal (one token-step request) and one replay', async () => {
    const { connection, log } = await connect(discoveryChain());
    await connection.execute('whoami');
    identity.invalidateAccessTokens();
    const replayed = await connection.execute('whoami');
    expect(replayed.status).toBe(200);
    expect(counts()).toEqual([1, 1, 2]);
    expect(identity.counts['/api/whoami']).toBe(3);
    expect(lifecycle(log.events)).toEqual(['token.acquired', 'auth.token_rejected', 'token.acquired']);
  });

  it('keeps the discovery values in the token record under extras.steps', async () => {
    const { connection, store } = await connect(discoveryChain());
    await connection.execute('whoami');
    const record = await store.get('dw-1');
    expect(record?.extras).toEqual({
      steps: { identity: { url: `${identity.url}/identity` }, oidc: { token_endpoint: identity.tokenUrl } },
    });
  });

  it('with a refresh token and a refresh block: renewals run the refresh steps with the kept endpoint', async () => {
    identity.options.issueRefreshTokens = true;
    const { connection, log, store } = await connect(discoveryChain({ refresh: REFRESH }));
    await connection.execute('whoami');
    const firstRefreshToken = identity.latestRefreshToken();
    expect(counts()).toEqual([1, 1, 1]);

    clockMs += 901_000;
    await connection.execute('whoami');
    expect(counts()).toEqual([1, 1, 2]);
    expect(identity.grants).toEqual({ password: 1, refresh_token: 1 });
    const refresh = identity.tokenRequests[1];
    expect(refresh?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect([...(refresh?.params ?? [])]).toEqual([
      ['grant_type', 'refresh_token'],
      ['refresh_token', firstRefreshToken],
      ['client_id', CLIENT_ID],
    ]);

    clockMs += 901_000;
    await connection.execute('whoami');
    expect(identity.grants).toEqual({ password: 1, refresh_token: 2 });
    // The rotated refresh token was stored and presented; the spent one never again.
    expect(identity.tokenRequests[2]?.params.get('refresh_token')).not.toBe(firstRefreshToken);
    expect((await store.get('dw-1'))?.refreshToken).toBe(identity.latestRefreshToken());
    expect(counts()).toEqual([1, 1, 3]);
    expect(log.events.map((event) => event.type).filter((type) => type.startsWith('token.'))).toEqual(['token.acquired', 'token.refreshed', 'token.refreshed']);
  });

  it('a refused refresh falls back to the chain, its kept steps aside', async () => {
    identity.options.issueRefreshTokens = true;
    const { connection } = await connect(discoveryChain({ refresh: REFRESH }));
    await connection.execute('whoami');
    identity.refuse.refreshTokens = true;
    clockMs += 901_000;
    await connection.execute('whoami');
    expect(identity.grants).toEqual({ password: 2, refresh_token: 1 });
    expect(counts()).toEqual([1, 1, 3]);
  });

  it('refused credentials: one token request, ReauthorizationRequired, the connection flagged', async () => {
    const { connection, store } = await connect(discoveryChain());
    identity.options.users = { [USERNAME]: 'another-password' };
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.message).toContain('refused the credentials (invalid_grant');
    expect(counts()).toEqual([1, 1, 1]);
    expect((await store.get('dw-1'))?.reauthorizationRequired).toBe(true);
  });
});

describe('a discovered endpoint that moved', () => {
  /** A second token endpoint on the identity origin, speaking the password grant. */
  const movedEndpoint: OAuthRoute = ({ method, headers, body, issue }) => {
    const params = new URLSearchParams(body);
    const form = headers['content-type'] === 'application/x-www-form-urlencoded';
    if (method !== 'POST' || !form || params.get('password') !== PASSWORD || params.get('client_id') !== CLIENT_ID) {
      return { status: 400, body: { error: 'invalid_request' } };
    }
    const { accessToken, expiresIn } = issue({ clientId: CLIENT_ID, username: params.get('username') ?? '', scope: params.get('scope') ?? '' });
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn } };
  };
  const gone = { status: 404, body: { message: 'no such endpoint' } };

  it('404 at the kept token endpoint: the kept steps run again once, then the new endpoint answers', async () => {
    const { connection, log, store } = await connect(discoveryChain());
    await connection.execute('whoami');
    identity.inject('/oauth/token', gone);
    identity.routes['/v2/token'] = movedEndpoint;
    tokenEndpoint = `${identity.url}/v2/token`;

    clockMs += 901_000;
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(counts()).toEqual([2, 2, 2]);
    expect(identity.counts['/v2/token']).toBe(1);
    expect(identity.counts['/api/whoami']).toBe(2);
    expect((await store.get('dw-1'))?.extras.steps).toEqual({ identity: { url: `${identity.url}/identity` }, oidc: { token_endpoint: `${identity.url}/v2/token` } });
    expect(lifecycle(log.events)).toEqual(['token.acquired', 'token.acquired']);

    clockMs += 901_000;
    await connection.execute('whoami');
    expect(counts()).toEqual([2, 2, 2]);
    expect(identity.counts['/v2/token']).toBe(2);
  });

  it('a second failure: ConfigurationError naming the step\'s url field, nothing flagged', async () => {
    const { connection, log, store } = await connect(discoveryChain());
    await connection.execute('whoami');
    identity.inject('/oauth/token', gone, gone);
    clockMs += 901_000;
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field: '/auth/steps/2/url', status: 404 });
    expect(error.message).toContain('answered 404');
    expect(counts()).toEqual([2, 2, 3]);
    expect((await store.get('dw-1'))?.reauthorizationRequired).toBeUndefined();
    expect(log.events.some((event) => event.type === 'auth.reauthorization_required')).toBe(false);

    // Not a cooldown: the next call asks again, with the kept endpoint, and succeeds.
    await connection.execute('whoami');
    expect(counts()).toEqual([2, 2, 4]);
  });

  it('a failure on the first run (nothing reused) is thrown at once: no second discovery', async () => {
    const { connection } = await connect(discoveryChain());
    identity.inject('/oauth/token', gone);
    const error = await rejection(connection.execute('whoami'));
    expect(error).toMatchObject({ field: '/auth/steps/2/url' });
    expect(counts()).toEqual([1, 1, 1]);
  });

  it('a transient failure of the token step is retried by the token manager, the kept values reused', async () => {
    const { connection } = await connect(discoveryChain());
    await connection.execute('whoami');
    identity.inject('/oauth/token', 503, 503, 503);
    clockMs += 901_000;
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503 });
    expect(counts()).toEqual([1, 1, 4]);
  });
});

describe('one renewal for every caller', () => {
  it.each([
    [true, [1, 1, 2]],
    [false, [2, 2, 2]],
  ])('1 000 concurrent executes on an expired token (keep: %s): exactly one run of the chain', async (keep, after) => {
    const { connection } = await connect(discoveryChain({ keep }));
    const results = await Promise.all(Array.from({ length: 1000 }, () => connection.execute('whoami')));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(counts()).toEqual([1, 1, 1]);

    clockMs += 901_000;
    const renewed = await Promise.all(Array.from({ length: 1000 }, () => connection.execute('whoami')));
    expect(renewed.every((result) => result.status === 200)).toBe(true);
    expect(counts()).toEqual(after);
    expect(identity.counts['/api/whoami']).toBe(2000);
  });
});
