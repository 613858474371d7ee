/**
 * RFC 7009 revocation (catalogue case 46): connection.revoke() posts the refresh token with the
 * client's authentication; 200 (also for a token the server no longer knows) forgets the
 * tokens locally, 503 keeps them for a later try, other answers are typed errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, loadConnector, MemoryTokenStore, type Connector } from '../../sdk/index.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const SECRET = 'revoke-client-canary-secret';
registerSecret(SECRET);
let server: FakeOAuth;
let connector: Connector;

beforeEach(async () => {
  server = await startFakeOAuth({ clients: [{ id: 'revoke-client', secret: SECRET }], users: { alice: 'alice-canary-password' } });
  registerSecret('alice-canary-password');
  connector = await loadConnector(
    authManifest(
      server.url,
      {
        type: 'oauth2_password',
        token_url: server.tokenUrl,
        revocation_url: server.revocationUrl,
        username: '{{ credentials.username }}',
        password: '{{ credentials.password }}',
        client_id: 'revoke-client',
        client_secret: '{{ credentials.client_secret }}',
        client_auth: 'basic',
      },
      credentialFields(['username', 'password', 'client_secret'], ['password', 'client_secret']),
    ),
  );
});

afterEach(async () => {
  await connector.close();
  await server.close();
});

function connect(store = new MemoryTokenStore()) {
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'revoke-user',
    credentials: { username: 'alice', password: 'alice-canary-password', client_secret: SECRET },
    store,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log, store };
}

describe('connection.revoke()', () => {
  it('sends the refresh token with client authentication, then forgets the tokens', async () => {
    const { connection, log, store } = connect();
    await connection.execute('whoami');
    const refreshToken = (await store.get('revoke-user'))?.refreshToken;
    expect(await connection.revoke()).toBe('revoked');
    expect(server.revocations).toHaveLength(1);
    expect(server.revocations[0]?.params.get('token')).toBe(refreshToken);
    expect(server.revocations[0]?.params.get('token_type_hint')).toBe('refresh_token');
    expect(server.revocations[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`revoke-client:${SECRET}`).toString('base64')}`);
    expect(await store.get('revoke-user')).toBeUndefined();
    expect(log.events.filter((event) => event.type === 'token.revoked')).toEqual([expect.objectContaining({ outcome: 'revoked' })]);
    // The next call authorizes afresh.
    await connection.execute('whoami');
    expect(server.grants).toEqual({ password: 2 });
  });

  it('503: the tokens are kept (still valid) and the revocation can be tried again', async () => {
    const { connection, store } = connect();
    await connection.execute('whoami');
    const before = await store.get('revoke-user');
    server.inject('/oauth/revoke', 503);
    expect(await connection.revoke()).toBe('retry_later');
    expect(await store.get('revoke-user')).toEqual(before);
    await connection.execute('whoami');
    expect(server.grants).toEqual({ password: 1 });
    expect(await connection.revoke()).toBe('revoked');
    expect(server.revocations).toHaveLength(2);
  });

  it('a refused revocation is a typed error and the tokens stay', async () => {
    const { connection, store } = connect();
    await connection.execute('whoami');
    const before = await store.get('revoke-user');
    server.inject('/oauth/revoke', { status: 400, body: { error: 'invalid_client' } });
    const error = await rejection(connection.revoke());
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 400, oauthError: 'invalid_client' });
    expect(error.message).toContain('/auth/revocation_url');
    expect(await store.get('revoke-user')).toEqual(before);
  });

  it('nothing to revoke: no request', async () => {
    const { connection } = connect();
    expect(await connection.revoke()).toBe('revoked');
    expect(server.revocations).toHaveLength(0);
  });
});
