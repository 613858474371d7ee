/**
 * connectors/app-store-connect.json (auth `jwt`: an ES256 JWT signed locally) against a loopback
 * App Store Connect that verifies every bearer token with jose, as Apple documents: ES256 with
 * the team key's public key, header kid and typ, claims iss, aud appstoreconnect-v1, iat, and an
 * exp no more than 20 minutes after iat and not passed. Proves: no token request at all; one JWT
 * reused until a minute before its exp, then exactly one new one; 1 000 concurrent executes near
 * expiry cause exactly one new signature; a 401 → one new JWT and one replay; a key that is no
 * EC key is a typed CredentialsError naming the credential; the private key in no error or event.
 * Also the Ghost Admin style (HS256 with a hex secret split from `id:secret`).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { CredentialsError, runManifestTests, type Connection, type ConnectorManifest } from '../../sdk/index.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { SampleClock, useSampleProvider, type EventLog } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson } from '../security/support/servers.js';

const MANIFEST = 'connectors/app-store-connect.json';
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
const KEY_ID = '2X9R4HXF34';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
registerSecret(PEM);

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

/** The loopback API: verifies each bearer JWT and counts the distinct ones it saw. */
class FakeAppStoreConnect {
  readonly verdicts: string[] = [];
  readonly tokens = new Set<string>();
  refuseNext = 0;
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res) => void this.#handle(req, res));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = /^Bearer (\S+)$/.exec(String(req.headers.authorization))?.[1] ?? '';
    const verdict = await this.#verify(token);
    this.verdicts.push(verdict);
    if (verdict !== 'valid' || this.refuseNext-- > 0) {
      return sendJson(res, 401, { errors: [{ status: '401', code: 'NOT_AUTHORIZED', title: 'Authentication credentials are missing or invalid.' }] });
    }
    this.tokens.add(token);
    sendJson(res, 200, { data: [{ type: 'apps', id: '1234567890', attributes: { name: 'Example', bundleId: 'com.example.app' } }] });
  }

  async #verify(token: string): Promise<string> {
    try {
      const header = decodeProtectedHeader(token);
      if (header.kid !== KEY_ID || header.typ !== 'JWT') return 'wrong header';
      const { payload } = await jwtVerify(token, publicKey, { algorithms: ['ES256'], issuer: ISSUER, audience: 'appstoreconnect-v1', currentDate: new Date(clock.ms) });
      if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number' || payload.exp - payload.iat > 1200) return 'lifetime over 20 minutes';
      return 'valid';
    } catch (error) {
      return `refused: ${(error as { code?: string }).code ?? 'invalid'}`;
    }
  }
}

const sample = useSampleProvider(() => new FakeAppStoreConnect().start(), MANIFEST, { connectionId: 'asc-1', clock, lazy: true, allowInsecureHttp: false });

async function connect(
  manifest: string | ConnectorManifest = MANIFEST,
  credentials: Record<string, string> = { issuer_id: ISSUER, key_id: KEY_ID, private_key: PEM },
): Promise<{ connection: Connection; log: EventLog }> {
  await sample.load(manifest);
  // The sample's real host goes to the fake API; a manifest with a loopback base URL is reached directly.
  const dispatcher = typeof manifest === 'string' ? sample.dispatcher.dispatcher : undefined;
  return sample.connectWithLog({ credentials, dispatcher });
}

describe('App Store Connect (ES256 JWT signed locally)', () => {
  it('every action with one verified JWT and no token request', async () => {
    const { connection } = await connect();
    await connection.execute('list-apps', { bundle_id: 'com.example.app', fields: ['name', 'bundleId'] });
    await connection.execute('get-app', { app_id: '1234567890' });
    await connection.execute('list-builds', { app_id: '1234567890' });
    await connection.execute('list-users');
    expect(sample.server.verdicts).toEqual(['valid', 'valid', 'valid', 'valid']);
    expect(sample.server.tokens.size).toBe(1);
  });

  it('kept until a minute before exp, then signed again once', async () => {
    const { connection } = await connect();
    await connection.execute('list-apps');
    clock.ms += 1139_000;
    await connection.execute('list-apps');
    expect(sample.server.tokens.size).toBe(1);
    clock.ms += 1000;
    await connection.execute('list-apps');
    expect(sample.server.tokens.size).toBe(2);
    expect(sample.server.verdicts.every((verdict) => verdict === 'valid')).toBe(true);
  });

  it('1 000 concurrent executes as the JWT nears its exp: exactly one new signature', async () => {
    const { connection } = await connect();
    await connection.execute('list-apps');
    clock.ms += 1150_000;
    await Promise.all(Array.from({ length: 1000 }, () => connection.execute('list-apps')));
    expect(sample.server.tokens.size).toBe(2);
    expect(sample.server.verdicts).toHaveLength(1001);
    expect(sample.server.verdicts.every((verdict) => verdict === 'valid')).toBe(true);
  });

  it('a 401 NOT_AUTHORIZED: one new JWT and one replay', async () => {
    const { connection, log } = await connect();
    await connection.execute('list-apps');
    sample.server.refuseNext = 1;
    clock.ms += 5000;
    await connection.execute('list-apps');
    expect(sample.server.verdicts).toEqual(['valid', 'valid', 'valid']);
    expect(sample.server.tokens.size).toBe(2);
    expect(log.events.map((event) => event.type)).toContain('auth.token_rejected');
  });

  it('an RSA key where ES256 needs an EC key: a CredentialsError naming private_key, the key in no message', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    registerSecret(rsa);
    const { connection } = await connect(MANIFEST, { issuer_id: ISSUER, key_id: KEY_ID, private_key: rsa });
    const error = await rejection(connection.execute('list-apps'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.field).toBe('private_key');
    expect(sample.server.verdicts).toEqual([]);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});

describe('Ghost Admin style: HS256 with the hex secret of an id:secret key', () => {
  it('the server verifies the JWT with the hex-decoded secret and the kid from before the colon', async () => {
    const id = '6489a5c2b5e4f20001a1b2c3';
    const secret = randomBytes(32).toString('hex');
    registerSecret(secret);
    const seen: string[] = [];
    const server = await startLoopback((req, res) => {
      const token = /^Ghost (\S+)$/.exec(String(req.headers.authorization))?.[1] ?? '';
      jwtVerify(token, Buffer.from(secret, 'hex'), { algorithms: ['HS256'], audience: '/admin/', currentDate: new Date(clock.ms) })
        .then(({ protectedHeader }) => seen.push(protectedHeader.kid === id ? 'valid' : 'wrong kid'))
        .catch(() => seen.push('refused'))
        .finally(() => sendJson(res, 200, { data: [] }));
    });
    try {
      const manifest = authManifest(server.origin, {
        type: 'jwt',
        signing: {
          algorithm: 'HS256',
          key: "{{ credentials.admin_api_key | split: ':' | last }}",
          key_format: 'hex',
          header: { kid: "{{ credentials.admin_api_key | split: ':' | first }}" },
          claims: { aud: '/admin/' },
        },
        apply: { headers: { Authorization: 'Ghost {{ auth.access_token }}' } },
      }, credentialFields(['admin_api_key'], ['admin_api_key']));
      const { connection } = await connect(manifest, { admin_api_key: `${id}:${secret}` });
      await connection.execute('whoami');
      expect(seen).toEqual(['valid']);
    } finally {
      await server.close();
    }
  });
});
