/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) against the loopback authorization server:
 * client_secret_basic with the §2.3.1 form-encoding of awkward ids and secrets,
 * client_secret_post, scope and extra parameters, a new token request on expiry, and single
 * flight under 1 000 concurrent executes. Exact request counts throughout.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector, MemoryTokenStore, ReauthorizationRequired, type Connector } from '../../sdk/index.js';
import type { AuthOAuth2ClientCredentials } from '../../sdk/manifest/types.gen.js';
import type { ClientAuthMethod } from '../helpers/fake-oauth/types.js';
import { formDecode, startFakeOAuth, type FakeOAuth, type FakeOAuthOptions } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

// RFC 6749 §2.3.1 / Appendix B: ':' '%' space and non-ASCII must survive form-encoding + Base64.
const AWKWARD = { id: 'svc:acct%20 ü/1+2', secret: 'sëcret:with%25 spaces+plus/canary' };
const PLAIN = { id: 'reporting-service', secret: 'cc-plain-canary-secret' };
registerSecret(AWKWARD.secret, PLAIN.secret);

let server: FakeOAuth;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };
const schema = credentialFields(['client_id', 'client_secret'], ['client_secret']);

function ccAuth(overrides: Partial<AuthOAuth2ClientCredentials> = {}): AuthOAuth2ClientCredentials {
  return {
    type: 'oauth2_client_credentials',
    token_url: server.tokenUrl,
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    scope: 'reports:read invoices:read',
    ...overrides,
  };
}

async function setup(
  client: { id: string; secret: string },
  clientAuth: ClientAuthMethod,
  options: FakeOAuthOptions = {},
  overrides: Partial<AuthOAuth2ClientCredentials> = {},
) {
  server = await startFakeOAuth({ clients: [{ ...client, auth: clientAuth }], now: clock.now, expiresIn: 600, ...options });
  connector = await loadConnector(authManifest(server.url, ccAuth({ client_auth: clientAuth, ...overrides }), schema));
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'cc-1',
    credentials: { client_id: client.id, client_secret: client.secret },
    store: new MemoryTokenStore(),
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log };
}

beforeEach(() => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server?.close();
});

describe('client authentication', () => {
  it('client_secret_basic form-encodes id and secret before Base64 (":", "%", space, UTF-8)', async () => {
    const { connection } = await setup(AWKWARD, 'basic');
    const result = await connection.execute('whoami');
    expect(result.data).toMatchObject({ client_id: AWKWARD.id, scope: 'reports:read invoices:read' });
    expect(server.tokenRequestCount()).toBe(1);
    const request = server.tokenRequests[0]!;
    expect(request.clientAuth).toEqual({ method: 'basic', clientId: AWKWARD.id });
    // Decode the header by hand as RFC 6749 Appendix B says a server must.
    const encoded = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    expect(decoded).toBe('svc%3Aacct%2520+%C3%BC%2F1%2B2:s%C3%ABcret%3Awith%2525+spaces%2Bplus%2Fcanary');
    const [id = '', secret = ''] = decoded.split(':');
    expect([formDecode(id), formDecode(secret)]).toEqual([AWKWARD.id, AWKWARD.secret]);
    expect(request.params.has('client_secret')).toBe(false);
    expect(request.params.has('client_id')).toBe(false);
    registerSecret(encoded);
  });

  it('client_secret_post sends id and secret in the form body, no Authorization header', async () => {
    const { connection } = await setup(AWKWARD, 'post');
    await connection.execute('whoami');
    const request = server.tokenRequests[0]!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.clientAuth).toEqual({ method: 'post', clientId: AWKWARD.id });
    expect(request.params.get('client_id')).toBe(AWKWARD.id);
    expect(request.params.get('client_secret')).toBe(AWKWARD.secret);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('the body carries grant_type, scope and the manifest params, nothing else', async () => {
    const { connection } = await setup(PLAIN, 'basic', {}, { params: { audience: 'https://api.example.com/' } });
    await connection.execute('whoami');
    expect(Object.fromEntries(server.tokenRequests[0]!.params)).toEqual({
      grant_type: 'client_credentials',
      scope: 'reports:read invoices:read',
      audience: 'https://api.example.com/',
    });
  });

  it('a wrong secret: invalid_client, one token request, a message that names the app credentials', async () => {
    const wrong = 'wrong-cc-canary-secret';
    registerSecret(wrong, Buffer.from(`${PLAIN.id}:${wrong}`).toString('base64'));
    server = await startFakeOAuth({ clients: [{ ...PLAIN, auth: 'basic' }], now: clock.now });
    connector = await loadConnector(authManifest(server.url, ccAuth({ client_auth: 'basic' }), schema));
    const log = eventLog();
    const connection = connector.connect({
      connectionId: 'cc-wrong',
      credentials: { client_id: PLAIN.id, client_secret: wrong },
      clock,
      onEvent: log.listener,
      allowPrivateNetwork: true,
      allowInsecureHttp: true,
    });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ oauthError: 'invalid_client', status: 401 });
    expect(error.message).toContain('check the app credentials');
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/whoami']).toBeUndefined();
  });
});

describe('expiry', () => {
  it('requests a new token on expiry: exactly 2 token requests across one expiry', async () => {
    const { connection, log } = await setup(PLAIN, 'post');
    await connection.execute('whoami');
    clockMs += 300_000;
    await connection.execute('whoami');
    expect(server.tokenRequestCount()).toBe(1);
    clockMs += 300_000; // 600 s: expired
    await connection.execute('whoami');
    await connection.execute('whoami');
    expect(server.tokenRequestCount()).toBe(2);
    expect(server.grants).toEqual({ client_credentials: 2 });
    expect(server.counts['/api/whoami']).toBe(4);
    expect(log.events.filter((event) => event.type === 'token.acquired')).toHaveLength(2);
    expect(log.events.map((event) => event.type)).not.toContain('token.refreshed');
  });

  it('a 401 invalid_token re-requests a token (no refresh token exists) and replays once', async () => {
    const { connection } = await setup(PLAIN, 'post');
    await connection.execute('whoami');
    server.invalidateAccessTokens();
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.grants).toEqual({ client_credentials: 2 });
    expect(server.counts['/api/whoami']).toBe(3);
  });
});

describe('single flight', () => {
  it('1 000 concurrent executes with no token cause exactly one token request', async () => {
    const { connection } = await setup(PLAIN, 'basic', { tokenDelayMs: 20 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => connection.execute('items')));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.counts['/api/items']).toBe(1000);
  });

  it('1 000 concurrent executes with an expired token cause exactly one more token request', async () => {
    const { connection } = await setup(PLAIN, 'basic', { tokenDelayMs: 20 });
    await connection.execute('items');
    clockMs += 600_000;
    const results = await Promise.all(Array.from({ length: 1000 }, () => connection.execute('items')));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(server.tokenRequestCount()).toBe(2);
    expect(server.counts['/api/items']).toBe(1001);
  });
});
