/**
 * Plain-http token and revocation endpoints (RFC 6749 §3.2; oauth4webapi refuses them unless
 * told otherwise): the standard grants refuse them before anything is sent, unless the host
 * (connect's allowInsecureHttp) or the manifest (allow_insecure_http, which the validator warns
 * about) opted in. An https endpoint needs no opt-in. Real loopback servers count every request.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  loadConnector,
  MemoryTokenStore,
  RequestRefusedError,
  validateManifest,
  type Connector,
  type ConnectorManifest,
  type TokenStore,
} from '../../sdk/index.js';
import type { Authentication } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';
import { createPki, type Pki } from '../http/certificates.js';
import { startLoopback, type Loopback } from '../http/loopback.js';

const CLIENT = { id: 'plain-http-client', secret: 'plain-http-canary-secret' };
const USER = { username: 'alice', password: 'alice-plain-http-canary-password' };
const SERVICE_ACCOUNT = 'bot@plain-http.example.com';
registerSecret(CLIENT.secret, USER.password);

let publicKey: KeyObject;
let privateKey: string;
let server: FakeOAuth;
let connectors: Connector[] = [];
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = pair.publicKey;
  privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  for (const line of privateKey.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
});

beforeEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  server = await startFakeOAuth({
    now: clock.now,
    clients: [CLIENT],
    users: { [USER.username]: USER.password },
    jwtBearer: { keys: { only: publicKey }, issuer: SERVICE_ACCOUNT, subject: SERVICE_ACCOUNT, audience: '', maxLifetimeSeconds: 3600, skewSeconds: 5 },
  });
  server.options.jwtBearer!.audience = server.tokenUrl;
});

afterEach(async () => {
  await Promise.all(connectors.map((connector) => connector.close()));
  connectors = [];
  await server.close();
});

const client = { client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' };
const GRANTS: [string, () => Authentication][] = [
  ['oauth2_password', () => ({ type: 'oauth2_password', token_url: server.tokenUrl, username: '{{ credentials.username }}', password: '{{ credentials.password }}', ...client })],
  ['oauth2_client_credentials', () => ({ type: 'oauth2_client_credentials', token_url: server.tokenUrl, ...client })],
  ['jwt_bearer', () => ({ type: 'jwt_bearer', token_url: server.tokenUrl, issuer: SERVICE_ACCOUNT, private_key: '{{ credentials.private_key }}' })],
];

function codeAuth(): Authentication {
  return { type: 'oauth2_authorization_code', authorization_url: server.authorizeUrl, token_url: server.tokenUrl, redirect_uri: server.callbackUrl, ...client };
}

function manifest(auth: Authentication): ConnectorManifest {
  const fields = ['client_id', 'client_secret', 'username', 'password', 'private_key'];
  return authManifest(server.url, auth, credentialFields(fields, ['client_secret', 'password', 'private_key']));
}

async function connect(auth: Authentication, options: { allowInsecureHttp?: boolean; store?: TokenStore } = {}) {
  const connector = await loadConnector(manifest(auth));
  connectors.push(connector);
  const store = options.store ?? new MemoryTokenStore();
  const connection = connector.connect({
    connectionId: 'plain',
    credentials: { client_id: CLIENT.id, client_secret: CLIENT.secret, ...USER, private_key: privateKey },
    store,
    clock,
    onEvent: eventLog().listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: options.allowInsecureHttp,
  });
  return { connection, store };
}

/** The refusal a host sees: typed, naming the field and both ways to opt in. */
function expectRefusal(error: Error & { code?: string }, field: string): void {
  expect(error).toBeInstanceOf(RequestRefusedError);
  expect(error.code).toBe('CONNECTOR_REQUEST_REFUSED');
  expect(error.message).toContain(`${field} is a plain http URL (${server.url})`);
  expect(error.message).toContain('"allow_insecure_http": true in /auth');
  expect(error.message).toContain('allowInsecureHttp: true to connect()');
  expect(error.message).toContain('--allow-insecure-http');
}

/** A user agent: the authorization URL's redirect, followed to the callback the server records. */
async function authorizedCallback(url: string): Promise<string> {
  const answer = await fetch(url, { redirect: 'manual' });
  const location = answer.headers.get('location') ?? '';
  await (await fetch(location)).text();
  return location;
}

describe('a plain-http token URL', () => {
  it.each(GRANTS)('%s: refused before anything is sent; nothing is stored', async (_type, auth) => {
    const { connection, store } = await connect(auth());
    expectRefusal(await rejection(connection.execute('whoami')), '/auth/token_url');
    expect(server.counts).toEqual({});
    expect(await store.get('plain')).toBeUndefined();
  });

  it.each(GRANTS)('%s: the host\'s allowInsecureHttp lets it through (one token request)', async (_type, auth) => {
    const { connection } = await connect(auth(), { allowInsecureHttp: true });
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it.each(GRANTS)('%s: the manifest\'s allow_insecure_http lets it through, and the validator warns about it', async (_type, auth) => {
    const optedIn = { ...auth(), allow_insecure_http: true } as Authentication;
    const { diagnostics } = validateManifest(manifest(optedIn));
    expect(diagnostics.filter((d) => d.pointer === '/auth/allow_insecure_http')).toEqual([
      expect.objectContaining({ severity: 'warning', message: expect.stringContaining('plain-http token endpoints') }),
    ]);
    expect(validateManifest(manifest(auth())).diagnostics.filter((d) => d.pointer === '/auth/allow_insecure_http')).toEqual([]);
    const { connection } = await connect(optedIn);
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(1);
  });
});

describe('the authorization code grant', () => {
  it('the code exchange is refused before it is sent', async () => {
    const { connection } = await connect(codeAuth());
    await connection.completeAuthorization(await authorizedCallback(await connection.authorizationUrl())).then(
      () => expect.fail('the exchange should be refused'),
      (error: Error) => expectRefusal(error, '/auth/token_url'),
    );
    expect(server.counts['/oauth/authorize']).toBe(1);
    expect(server.tokenRequestCount()).toBe(0);
  });

  it('the refresh is refused before it is sent when the host no longer opts in; the refresh token is kept', async () => {
    const store = new MemoryTokenStore();
    const first = await connect(codeAuth(), { allowInsecureHttp: true, store });
    await first.connection.completeAuthorization(await authorizedCallback(await first.connection.authorizationUrl()));
    const refreshToken = (await store.get('plain'))?.refreshToken;
    expect(refreshToken).toMatch(/^rt-canary-/);
    clockMs += 3600_000;
    const strict = await connect(codeAuth(), { store });
    expectRefusal(await rejection(strict.connection.execute('whoami')), '/auth/token_url');
    expect(server.tokenRequestCount()).toBe(1);
    expect((await store.get('plain'))?.refreshToken).toBe(refreshToken);
    // The refresh token was never presented, so it still works once the host opts in again.
    expect((await first.connection.execute('whoami')).status).toBe(200);
    expect(server.grants).toEqual({ authorization_code: 1, refresh_token: 1 });
  });
});

describe('a plain-http revocation URL', () => {
  it('revoke() is refused before it is sent, and the tokens stay', async () => {
    const auth = { ...GRANTS[0]![1](), revocation_url: server.revocationUrl } as Authentication;
    const store = new MemoryTokenStore();
    await (await connect(auth, { allowInsecureHttp: true, store })).connection.execute('whoami');
    const before = await store.get('plain');
    const strict = await connect(auth, { store });
    expectRefusal(await rejection(strict.connection.revoke()), '/auth/revocation_url');
    expect(server.revocations).toHaveLength(0);
    expect(await store.get('plain')).toEqual(before);
  });
});

describe('an https token URL', () => {
  let pki: Pki;
  let tls: Loopback;
  let issued = 0;

  beforeAll(async () => {
    pki = await createPki(['tenant']);
    for (const pem of [pki.server.key, pki.clients.tenant!.key]) {
      for (const line of pem.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
    }
    tls = await startLoopback(
      (req, res, body) => {
        const form = new URLSearchParams(body);
        const token = req.url === '/token' && form.get('grant_type') === 'client_credentials' && form.get('client_secret') === CLIENT.secret;
        const call = req.url === '/api/whoami' && req.headers.authorization === `Bearer at-canary-tls-${issued}`;
        if (token) issued++;
        const status = token || call ? 200 : 401;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(token ? { access_token: `at-canary-tls-${issued}`, token_type: 'Bearer', expires_in: 3600 } : { data: { ok: call } }));
      },
      { ...pki.server, ca: pki.ca },
    );
    registerSecret('at-canary-tls-1');
  });

  afterAll(async () => {
    await tls.close();
  });

  it('needs no opt-in: one token request, one API call', async () => {
    const connector = await loadConnector(
      authManifest(
        tls.origin,
        { type: 'oauth2_client_credentials', token_url: `${tls.origin}/token`, ...client },
        credentialFields(['client_id', 'client_secret', 'cert', 'key', 'ca'], ['client_secret', 'key']),
        { client_certificate: { cert: '{{ credentials.cert }}', key: '{{ credentials.key }}', ca: '{{ credentials.ca }}' } },
      ),
    );
    connectors.push(connector);
    const { cert, key } = pki.clients.tenant!;
    const connection = connector.connect({
      connectionId: 'tls',
      credentials: { client_id: CLIENT.id, client_secret: CLIENT.secret, cert, key, ca: pki.ca },
      allowPrivateNetwork: true,
    });
    expect((await connection.execute('whoami')).data).toEqual({ ok: true });
    expect(tls.received.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /token', 'GET /api/whoami']);
  });
});
