/**
 * OAuth 1.0a's three-legged flow (RFC 5849 §2) through connection.authorizationUrl() and
 * completeAuthorization(), against a loopback provider (test/helpers/fake-oauth1.ts) that
 * verifies every signature with its own RFC 5849 implementation: the temporary-credentials
 * request (consumer only, oauth_callback), the token request (temporary token and secret,
 * oauth_verifier) and the API request (the stored access token). Exact counts per route; the
 * refusals (mismatched token, replay, refused verifier, no callback confirmation, 404, an expired
 * session, plain http) send nothing more than they must.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  ConfigurationError,
  CredentialsRefusedError,
  MemoryTokenStore,
  RequestRefusedError,
  TokenResponseError,
  loadConnector,
  validateManifest,
  type Connection,
  type Connector,
  type ConnectorManifest,
} from '../../sdk/index.js';
import type { AuthOAuth1 } from '../../sdk/manifest/types.gen.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { FakeOAuth1 } from '../helpers/fake-oauth1.js';
import { SampleClock } from '../helpers/sample-harness.js';
import { eventLog, record, registerSecret, rejection } from '../helpers/secret-scan.js';

const CONSUMER = { key: 'consumer-key-3l', secret: 'consumer-secret-canary-4417' };
registerSecret(CONSUMER.secret);
const CALLBACK = 'http://127.0.0.1:1/oauth1/callback';
const REQUEST_TOKEN = 'POST /oauth/request_token';
const ACCESS_TOKEN = 'POST /oauth/access_token';
const API = 'GET /api/whoami';

const clock = new SampleClock(Date.UTC(2026, 11, 4, 10, 0, 0));
let server: FakeOAuth1;
let connector: Connector | undefined;
let store: MemoryTokenStore;
let log: ReturnType<typeof eventLog>;

function auth(overrides: Partial<NonNullable<AuthOAuth1['authorization']>> = {}): AuthOAuth1 {
  return {
    type: 'oauth1',
    consumer_key: '{{ credentials.consumer_key }}',
    consumer_secret: '{{ credentials.consumer_secret }}',
    authorization: {
      request_token_url: server.url('requestToken'),
      authorize_url: server.url('authorize'),
      access_token_url: server.url('accessToken'),
      callback_url: CALLBACK,
      authorize_params: { name: 'Connector test', scope: 'read' },
      extras: ['user_id', 'screen_name'],
      ...overrides,
    },
  };
}

function manifestOf(spec: AuthOAuth1): ConnectorManifest {
  return authManifest(server.origin, spec, credentialFields(['consumer_key', 'consumer_secret'], ['consumer_secret']));
}

async function connect(spec: AuthOAuth1 = auth(), options: { allowInsecureHttp?: boolean; secret?: string } = {}): Promise<Connection> {
  connector = await loadConnector(manifestOf(spec));
  return connector.connect({
    connectionId: 'oauth1-user',
    credentials: { consumer_key: CONSUMER.key, consumer_secret: options.secret ?? CONSUMER.secret },
    store,
    clock,
    allowPrivateNetwork: true,
    allowInsecureHttp: options.allowInsecureHttp ?? true,
    onEvent: log.listener,
  });
}

/** Plays the user: opens the authorization URL, allows, and returns the callback the provider redirects to. */
async function consent(authorizationUrl: string): Promise<string> {
  const answer = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  return answer.headers.get('location') ?? '';
}

beforeEach(async () => {
  clock.ms = clock.startMs;
  server = await new FakeOAuth1({ consumerKey: CONSUMER.key, consumerSecret: CONSUMER.secret, extras: { user_id: '42', screen_name: 'ada' }, now: clock.now }).start();
  store = new MemoryTokenStore();
  log = eventLog();
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server.close();
});

describe('OAuth 1.0a three-legged flow', () => {
  it('obtains the token (every signature verified), stores it with its secret and extras, and signs API requests with it', async () => {
    const connection = await connect();
    const url = new URL(await connection.authorizationUrl());
    expect(url.origin + url.pathname).toBe(server.url('authorize'));
    expect([...url.searchParams.keys()]).toEqual(['oauth_token', 'name', 'scope']);
    expect(url.searchParams.get('oauth_token')).toBe('temp-token-1');
    expect(connection.callbackUrl()).toBe(CALLBACK);
    expect(server.counts).toEqual(new Map([[REQUEST_TOKEN, 1]]));

    const callback = await consent(url.toString());
    expect(callback.startsWith(`${CALLBACK}?oauth_token=temp-token-1&oauth_verifier=`)).toBe(true);
    await connection.completeAuthorization(callback);
    const stored = await store.get('oauth1-user');
    expect(stored?.accessToken).toBe('access-token-canary-1-77c2');
    expect(stored?.extras).toEqual({ oauth_token_secret: 'access-secret-canary-1-0e4d', user_id: '42', screen_name: 'ada' });
    expect(stored?.pendingAuthorization).toBeUndefined();

    clock.ms += 1000;
    const { data } = await connection.execute('whoami');
    expect(data).toEqual({ id: 'member-1', username: 'ada', token: '[ok]' });
    expect(server.problems).toEqual([]);
    expect(server.counts).toEqual(new Map([[REQUEST_TOKEN, 1], ['GET /oauth/authorize', 1], [ACCESS_TOKEN, 1], [API, 1]]));
    expect(log.events.map((event) => event.type)).toContain('token.acquired');
  });

  it('the verifier is not vacuous: a wrong consumer secret fails the temporary-credentials request as a refusal', async () => {
    registerSecret('wrong-consumer-secret-canary-2210');
    const connection = await connect(auth(), { secret: 'wrong-consumer-secret-canary-2210' });
    const error = await rejection(connection.authorizationUrl());
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect(error.code).toBe('CONNECTOR_CREDENTIALS_REFUSED');
    expect(error.message).toContain('oauth_problem=signature_invalid');
    expect(server.problems).toEqual(['POST /oauth/request_token: signature mismatch']);
    expect(server.counts).toEqual(new Map([[REQUEST_TOKEN, 1]]));
  });

  it('refuses a callback whose oauth_token is not the session\'s, sending nothing; the genuine callback still completes', async () => {
    const connection = await connect();
    const callback = await consent(await connection.authorizationUrl());
    const forged = callback.replace('oauth_token=temp-token-1', 'oauth_token=temp-token-999');
    const error = await rejection(connection.completeAuthorization(forged));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.code).toBe('CONNECTOR_AUTH_FAILED');
    expect(error.message).toContain('state mismatch');
    expect(server.count(ACCESS_TOKEN)).toBe(0);
    await connection.completeAuthorization(callback);
    expect(server.count(ACCESS_TOKEN)).toBe(1);
  });

  it('a replayed callback sends nothing', async () => {
    const connection = await connect();
    const callback = await consent(await connection.authorizationUrl());
    await connection.completeAuthorization(callback);
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('state mismatch');
    expect(server.count(ACCESS_TOKEN)).toBe(1);
  });

  it('a refused verifier (401 oauth_problem=permission_denied) is the refusal class of a refused grant', async () => {
    server.refuseVerifier = true;
    const connection = await connect();
    const callback = await consent(await connection.authorizationUrl());
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect(error).toMatchObject({ code: 'CONNECTOR_CREDENTIALS_REFUSED', status: 401, oauthError: 'permission_denied' });
    expect(error.message).toContain('/auth/authorization/access_token_url');
    expect(server.count(ACCESS_TOKEN)).toBe(1);
    expect((await store.get('oauth1-user'))?.accessToken).toBeUndefined();
  });

  it('an answer without oauth_callback_confirmed=true is refused before the user is sent anywhere', async () => {
    server.omitConfirmation = true;
    const connection = await connect();
    const error = await rejection(connection.authorizationUrl());
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.code).toBe('CONNECTOR_TOKEN_RESPONSE_INVALID');
    expect(error.message).toContain('oauth_callback_confirmed');
    expect(server.counts).toEqual(new Map([[REQUEST_TOKEN, 1]]));
    expect((await store.get('oauth1-user'))?.pendingAuthorization).toBeUndefined();
  });

  it('a 404 token URL is a configuration error naming the field, not a refusal', async () => {
    const connection = await connect(auth({ access_token_url: `${server.origin}/oauth/wrong` }));
    const callback = await consent(await connection.authorizationUrl());
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/auth/authorization/access_token_url', status: 404 });
    expect(server.count('POST /oauth/wrong')).toBe(1);
    expect(server.count(ACCESS_TOKEN)).toBe(0);
  });

  it('the session expires after 10 minutes (the connection clock): nothing is sent', async () => {
    const connection = await connect();
    const callback = await consent(await connection.authorizationUrl());
    clock.ms += 10 * 60 * 1000 + 1;
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('longer than 10 minutes');
    expect(server.count(ACCESS_TOKEN)).toBe(0);
  });

  it('without a token, execute asks for the user\'s authorization and sends nothing', async () => {
    const connection = await connect();
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('authorizationUrl()');
    expect(server.counts.size).toBe(0);
  });

  it('plain http endpoints are refused unless the host allows them', async () => {
    const connection = await connect(auth(), { allowInsecureHttp: false });
    const error = await rejection(connection.authorizationUrl());
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain('/auth/authorization/request_token_url is a plain http URL');
    expect(server.counts.size).toBe(0);
  });

  it('the callback\'s temporary secret, verifier and tokens appear in no error or event', async () => {
    const connection = await connect();
    const callback = await consent(await connection.authorizationUrl());
    server.refuseVerifier = true;
    record(await rejection(connection.completeAuthorization(callback)));
    record(log.events);
    const pending = (await store.get('oauth1-user'))?.pendingAuthorization;
    expect(pending).toBeUndefined();
  });

  it('the validator refuses a token template together with the flow, at /auth/token', () => {
    const spec = { ...auth(), token: '{{ credentials.consumer_key }}' };
    const result = validateManifest(manifestOf(spec));
    expect(result.valid).toBe(false);
    const found = result.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.pointer, d.hint]);
    expect(found).toEqual([['/auth/token', 'With authorization (the three-legged flow) the token comes from the stored record: leave token out.']]);
    expect(validateManifest(manifestOf(auth())).valid).toBe(true);
  });
});
