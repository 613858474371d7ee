/**
 * JWT client authentication (RFC 7523 §2.2, OpenID Connect's private_key_jwt and
 * client_secret_jwt) on the standard grants. A loopback token endpoint verifies each
 * client_assertion with jose: algorithm, kid, iss = sub = client_id, aud = the token URL (or the
 * declared audience), a jti never seen before, iat and a 60-second exp; and that no secret
 * travels besides the assertion. Every token request signs a new assertion.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector, ManifestError, type Connector } from '../../sdk/index.js';
import type { AuthOAuth2ClientCredentials } from '../../sdk/manifest/types.gen.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const CLIENT_ID = 'svc-reporting';
const CLIENT_SECRET = 'client-secret-canary-2291-with-enough-length-for-hs256';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
registerSecret(CLIENT_SECRET, PEM);
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

let server: RoutedServer;
let connector: Connector | undefined;
const verdicts: string[] = [];
const seenJti = new Set<string>();

beforeEach(async () => {
  verdicts.length = 0;
  seenJti.clear();
  server = await startRouted();
  server.routes.set('/api/whoami', (_req, res) => sendJson(res, 200, { data: 'ok' }));
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server.close();
});

/** The token endpoint: verifies the assertion with `key`, expecting `audience`, then grants. */
function tokenEndpoint(key: Parameters<typeof jwtVerify>[1], algorithm: string, audience: () => string, kid?: string): void {
  server.routes.set('/oauth/token', (req, res, body) => {
    const form = new URLSearchParams(body);
    const check = async (): Promise<string> => {
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== CLIENT_ID) return 'wrong grant or client_id';
      if (form.has('client_secret') || req.headers.authorization !== undefined) return 'a secret travelled besides the assertion';
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'wrong assertion type';
      const assertion = form.get('client_assertion') ?? '';
      if (kid !== undefined && decodeProtectedHeader(assertion).kid !== kid) return 'wrong kid';
      const { payload } = await jwtVerify(assertion, key, { algorithms: [algorithm], issuer: CLIENT_ID, subject: CLIENT_ID, audience: audience(), currentDate: new Date(NOW) });
      return claimsProblem(payload) ?? 'valid';
    };
    check()
      .catch((error: unknown) => `refused: ${(error as { code?: string }).code ?? 'invalid'}`)
      .then((verdict) => {
        verdicts.push(verdict);
        if (verdict !== 'valid') return sendJson(res, 401, { error: 'invalid_client', error_description: verdict });
        sendJson(res, 200, { access_token: `at-${verdicts.length}`, token_type: 'Bearer', expires_in: 600 });
      });
  });
}

function claimsProblem(payload: JWTPayload): string | undefined {
  if (typeof payload.jti !== 'string' || seenJti.has(payload.jti)) return 'jti missing or replayed';
  seenJti.add(payload.jti);
  if (payload.iat !== Math.floor(NOW / 1000) || payload.exp !== (payload.iat ?? 0) + 60) return 'iat/exp not a 60 s window from now';
  return undefined;
}

async function connect(overrides: Partial<AuthOAuth2ClientCredentials>) {
  const auth: AuthOAuth2ClientCredentials = {
    type: 'oauth2_client_credentials',
    token_url: `${server.origin}/oauth/token`,
    client_id: '{{ credentials.client_id }}',
    allow_insecure_http: true,
    ...overrides,
  };
  connector = await loadConnector(authManifest(server.origin, auth, credentialFields(['client_id', 'client_secret', 'private_key', 'key_id'], ['client_secret', 'private_key'])));
  return connector.connect({
    connectionId: 'cc',
    credentials: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, private_key: PEM, key_id: 'key-2026' },
    clock: { now: () => NOW },
    allowPrivateNetwork: true,
  });
}

describe('JWT client authentication', () => {
  it('private_key_jwt (ES256, kid): verified with the public key; a new assertion for every token request', async () => {
    tokenEndpoint(publicKey, 'ES256', () => `${server.origin}/oauth/token`, 'key-2026');
    const connection = await connect({
      client_auth: 'private_key_jwt',
      client_assertion: { algorithm: 'ES256', key: '{{ credentials.private_key }}', key_id: '{{ credentials.key_id }}' },
    });
    await connection.execute('whoami');
    await connection.reset();
    await connection.execute('whoami');
    expect(verdicts).toEqual(['valid', 'valid']);
    expect(seenJti.size).toBe(2);
    expect(server.hits('/oauth/token')).toBe(2);
  });

  it('client_secret_jwt (HS256 with the client secret), with a declared audience', async () => {
    tokenEndpoint(new TextEncoder().encode(CLIENT_SECRET), 'HS256', () => 'https://login.example.com');
    const connection = await connect({
      client_secret: '{{ credentials.client_secret }}',
      client_auth: 'client_secret_jwt',
      client_assertion: { audience: 'https://login.example.com' },
    });
    await connection.execute('whoami');
    expect(verdicts).toEqual(['valid']);
  });

  it('an assertion signed with another key is refused by the server: a refused client, one token request', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    tokenEndpoint(other, 'ES256', () => `${server.origin}/oauth/token`);
    const connection = await connect({ client_auth: 'private_key_jwt', client_assertion: { algorithm: 'ES256', key: '{{ credentials.private_key }}' } });
    const error = await rejection(connection.execute('whoami'));
    expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(verdicts).toEqual(['refused: ERR_JWS_SIGNATURE_VERIFICATION_FAILED']);
  });

  it('the validator: private_key_jwt needs client_assertion.key; client_secret is then not required', async () => {
    const error = await rejection(connect({ client_auth: 'private_key_jwt', client_assertion: { algorithm: 'ES256' } }));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toContain('/auth/client_assertion: missing required property "key"');
    const noSecret = await rejection(connect({ client_auth: 'post' }));
    expect(noSecret.message).toContain('/auth: missing required property "client_secret"');
  });
});
