/**
 * JWT bearer grant (RFC 7523, service-account style) against the loopback authorization server,
 * which verifies the RS256 signature with the public key (node:crypto) and checks iss, sub,
 * aud, scope, iat, exp (exp − iat ≤ 3600, iat not in its future) and jti replay. Keys are
 * generated here, never committed. Bad keys end in a CredentialsError that holds no key bytes.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsError, loadConnector, MemoryTokenStore, ReauthorizationRequired, type Connector } from '../../sdk/index.js';
import type { AuthJwtBearer } from '../../sdk/manifest/types.gen.js';
import { JWT_BEARER_GRANT, startFakeOAuth, type JwtBearerPolicy, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const SERVICE_ACCOUNT = 'sync-bot@acme-project.iam.example.com';
const KEY_ID = 'a1b2c3d4e5f6';
const SCOPE = 'https://www.example.com/auth/drive.readonly';

/** Registers every base64 line of a PEM with the scanner, so any fragment of the key is caught. */
function registerPem(pem: string): string {
  for (const line of pem.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
  return pem;
}

let publicKey: KeyObject;
let pkcs8: string;
let pkcs1: string;
let otherPkcs8: string;

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = pair.publicKey;
  pkcs8 = registerPem(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  pkcs1 = registerPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  otherPkcs8 = registerPem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
});

let server: FakeOAuth;
let connector: Connector | undefined;
let hostClockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
let serverSkewMs = 0;
const hostClock = { now: () => hostClockMs };

async function setup(options: { privateKey?: string; auth?: Partial<AuthJwtBearer>; policy?: Partial<JwtBearerPolicy> } = {}) {
  server = await startFakeOAuth({
    now: () => hostClockMs - serverSkewMs,
    expiresIn: 3600,
    jwtBearer: {
      keys: { [KEY_ID]: publicKey },
      issuer: SERVICE_ACCOUNT,
      subject: SERVICE_ACCOUNT,
      audience: '', // the token URL, set below once known
      scope: SCOPE,
      maxLifetimeSeconds: 3600,
      skewSeconds: 5,
      ...options.policy,
    },
  });
  if (!options.policy?.audience) server.options.jwtBearer!.audience = server.tokenUrl;
  const auth: AuthJwtBearer = {
    type: 'jwt_bearer',
    token_url: server.tokenUrl,
    issuer: '{{ credentials.client_email }}',
    scope: SCOPE,
    private_key: '{{ credentials.private_key }}',
    key_id: '{{ credentials.private_key_id }}',
    ...options.auth,
  };
  connector = await loadConnector(
    authManifest(server.url, auth, credentialFields(['client_email', 'private_key', 'private_key_id'], ['private_key'])),
  );
  const log = eventLog();
  const store = new MemoryTokenStore();
  const connection = connector.connect({
    connectionId: 'sa-1',
    store,
    credentials: { client_email: SERVICE_ACCOUNT, private_key: options.privateKey ?? pkcs8, private_key_id: KEY_ID },
    clock: hostClock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  return { connection, log, store };
}

function decode(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

beforeEach(() => {
  hostClockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  serverSkewMs = 0;
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server?.close();
});

describe('the assertion', () => {
  it('is RS256-signed with the right claims; the server verifies it with the public key and the token works', async () => {
    const { connection } = await setup();
    const result = await connection.execute('whoami');
    expect(result.data).toEqual({ path: '/api/whoami', client_id: SERVICE_ACCOUNT, username: SERVICE_ACCOUNT, scope: SCOPE });
    expect(server.tokenRequestCount()).toBe(1);
    expect(server.grants).toEqual({ [JWT_BEARER_GRANT]: 1 });
    expect(server.assertionRejections).toEqual([]);

    const request = server.tokenRequests[0]!;
    expect([...request.params.keys()].sort()).toEqual(['assertion', 'grant_type']);
    expect(request.params.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const assertion = request.params.get('assertion') ?? '';
    registerSecret(assertion);
    const [header, claims] = assertion.split('.');
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT', kid: KEY_ID });
    const now = Math.floor(hostClockMs / 1000);
    expect(decode(claims)).toEqual({
      iss: SERVICE_ACCOUNT,
      sub: SERVICE_ACCOUNT,
      aud: server.tokenUrl,
      scope: SCOPE,
      iat: now - 30, // back-dated for clock skew
      exp: now - 30 + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(server.counts['/api/whoami']).toBe(1);
  });

  it('a fresh jti per assertion: exactly 2 token requests across one expiry, both accepted', async () => {
    const { connection } = await setup();
    await connection.execute('whoami');
    hostClockMs += 3600_000;
    await connection.execute('whoami');
    expect(server.tokenRequestCount()).toBe(2);
    expect(server.assertions).toHaveLength(2);
    const [first, second] = server.assertions;
    expect(first?.jti).not.toBe(second?.jti);
    expect(Number(second?.iat) - Number(first?.iat)).toBe(3600);
    expect(server.counts['/api/whoami']).toBe(2);
  });

  it('a 401 from the API: one new assertion, one replay', async () => {
    const { connection } = await setup();
    await connection.execute('whoami');
    server.invalidateAccessTokens();
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.assertions).toHaveLength(2);
    expect(server.counts['/api/whoami']).toBe(3);
  });

  it('explicit subject (impersonation) and audience, a shorter lifetime', async () => {
    const audience = 'https://oauth2.example.com/token';
    const { connection } = await setup({
      auth: { subject: 'jane@acme.example', audience, lifetime_seconds: 600 },
      policy: { subject: 'jane@acme.example', audience },
    });
    await connection.execute('whoami');
    expect(server.assertions[0]).toMatchObject({ sub: 'jane@acme.example', aud: audience });
    expect(Number(server.assertions[0]?.exp) - Number(server.assertions[0]?.iat)).toBe(600);
    expect(server.tokenRequestCount()).toBe(1);
  });
});

describe('key formats', () => {
  it('a PKCS#1 key ("BEGIN RSA PRIVATE KEY") works', async () => {
    expect(pkcs1).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const { connection } = await setup({ privateKey: pkcs1 });
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('a PEM with literal "\\n" sequences (pasted from an env file) works', async () => {
    const flattened = pkcs8.trim().replace(/\n/g, '\\n');
    expect(flattened).not.toContain('\n');
    const { connection } = await setup({ privateKey: flattened });
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(server.assertionRejections).toEqual([]);
    expect(server.tokenRequestCount()).toBe(1);
  });
});

describe('the server refuses', () => {
  it('an assertion signed with another key: invalid_grant, one request, ReauthorizationRequired', async () => {
    const { connection } = await setup({ privateKey: otherPkcs8 });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ oauthError: 'invalid_grant' });
    expect(server.assertionRejections).toEqual(['the signature does not verify']);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('a lifetime beyond the provider cap', async () => {
    const { connection } = await setup({ policy: { maxLifetimeSeconds: 1800 } });
    await rejection(connection.execute('whoami'));
    expect(server.assertionRejections).toEqual(['exp - iat exceeds 1800 s']);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('clock skew: a host 20 s ahead is absorbed by the back-dated iat; 60 s ahead puts iat in the server\'s future', async () => {
    serverSkewMs = 20_000;
    const first = await setup();
    expect((await first.connection.execute('whoami')).status).toBe(200);
    await connector?.close();
    await server.close();

    serverSkewMs = 60_000;
    const second = await setup();
    await rejection(second.connection.execute('whoami'));
    expect(server.assertionRejections).toEqual(['iat is in the future']);
    expect(server.tokenRequestCount()).toBe(1);
  });
});

describe('unusable keys → CredentialsError without key bytes, no request', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'an encrypted key without passphrase',
      () =>
        registerPem(
          generateKeyPairSync('rsa', {
            modulusLength: 2048,
            privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key-passphrase-canary' },
            publicKeyEncoding: { type: 'spki', format: 'pem' },
          }).privateKey,
        ),
      /encrypted/,
    ],
    [
      'an encrypted PKCS#1 key (Proc-Type: 4,ENCRYPTED) without passphrase',
      () =>
        registerPem(
          generateKeyPairSync('rsa', { modulusLength: 2048 })
            .privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key-passphrase-canary' })
            .toString(),
        ),
      /encrypted/,
    ],
    ['an EC key', () => registerPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /RS256 needs an RSA key/],
    ['garbage', () => {
      const garbage = '-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZS1jYW5hcnkta2V5LWJ5dGVzLW5vdC1hLWtleQ==\n-----END PRIVATE KEY-----\n';
      registerSecret('Z2FyYmFnZS1jYW5hcnkta2V5LWJ5dGVzLW5vdC1hLWtleQ==');
      return garbage;
    }, /not a PEM private key/],
  ];

  it.each(cases)('%s', async (_name, key, reason) => {
    registerSecret('key-passphrase-canary');
    const { connection, log, store } = await setup({ privateKey: key() });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ code: 'CONNECTOR_CREDENTIALS_INVALID', field: 'private_key' });
    expect(error.message).toMatch(reason);
    expect(error.message).not.toMatch(/-----|PRIVATE KEY|[A-Za-z0-9+/]{40,}/);
    expect(server.tokenRequestCount()).toBe(0);
    expect(server.counts['/api/whoami']).toBeUndefined();
    for (const event of log.events) expect(JSON.stringify(event)).not.toContain('-----');
    // Nothing was refused by a server: the shared record is not flagged for re-authorization.
    expect((await store.get('sa-1'))?.reauthorizationRequired).toBeUndefined();
    expect(await rejection(connection.ensureToken())).toBeInstanceOf(CredentialsError);
    expect(server.tokenRequestCount()).toBe(0);
  });
});
