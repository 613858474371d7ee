/**
 * Client TLS certificates (mutual TLS) combined with an API key, end to end through
 * loadConnector/connect/execute. A throw-away PKI is made with the openssl CLI during setup
 * (test/http/certificates.ts; no private key is committed); the https server requires a client
 * certificate from its CA and answers with the certificate's CN.
 */
import { createPrivateKey } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, HttpError, loadConnector, NetworkError, type Connector } from '../../sdk/index.js';
import type { ClientTLSCertificate, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { createPki, type KeyPair, type Pki } from '../http/certificates.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const API_KEY = 'mtls-api-key-canary-42';
const PASSPHRASE = 'client-key-passphrase-canary';
registerSecret(API_KEY, PASSPHRASE);

function registerPem(pem: string): void {
  for (const line of pem.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
}

let pki: Pki;
let foreign: Pki;
let server: Loopback;
let connector: Connector | undefined;

beforeAll(async () => {
  [pki, foreign] = await Promise.all([createPki(['tenant-a', 'tenant-b']), createPki(['intruder'])]);
  for (const pair of [...Object.values(pki.clients), ...Object.values(foreign.clients), pki.server]) registerPem(pair.key);
  server = await startLoopback(
    (req, res) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? null;
      const status = req.headers['x-api-key'] === API_KEY ? 200 : 401;
      // Slow enough that concurrent calls overlap, so a shared pool would mix certificates.
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status === 200 ? { data: { cn, path: req.url } } : { error: 'bad api key', cn }));
      }, 5);
    },
    { ...pki.server, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
  );
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  server.received.length = 0;
});

afterAll(async () => {
  await server.close();
});

const certificate: ClientTLSCertificate = {
  cert: '{{ credentials.client_cert }}',
  key: '{{ credentials.client_key }}',
  ca: '{{ credentials.server_ca }}',
};

function manifest(extra: Partial<ConnectorManifest> = {}, fields: string[] = []): ConnectorManifest {
  return authManifest(
    server.origin,
    { type: 'api_key', in: 'header', name: 'X-API-Key', value: '{{ credentials.api_key }}' },
    credentialFields(['api_key', 'client_cert', 'client_key', 'server_ca', ...fields], ['api_key', 'client_key', ...fields]),
    { client_certificate: certificate, ...extra },
  );
}

function connect(pair: KeyPair, options: { id?: string; apiKey?: string; extra?: Record<string, string> } = {}) {
  if (!connector) throw new Error('load first');
  const log = eventLog();
  const connection = connector.connect({
    connectionId: options.id ?? 'mtls-1',
    credentials: { api_key: options.apiKey ?? API_KEY, client_cert: pair.cert, client_key: pair.key, server_ca: pki.ca, ...options.extra },
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
  return { connection, log };
}

describe('client certificate + API key', () => {
  it('the server sees the client certificate and the key', async () => {
    connector = await loadConnector(manifest());
    const { connection } = connect(pki.clients['tenant-a']!);
    const result = await connection.execute('whoami');
    expect(result.data).toEqual({ cn: 'tenant-a', path: '/api/whoami' });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.headers['x-api-key']).toBe(API_KEY);
  });

  it('two connections with different certificates calling concurrently each see their own CN (no shared socket)', async () => {
    connector = await loadConnector(manifest());
    const a = connect(pki.clients['tenant-a']!, { id: 'tenant-a' }).connection;
    const b = connect(pki.clients['tenant-b']!, { id: 'tenant-b' }).connection;
    const connectionsBefore = server.connections();
    const calls = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? (['tenant-a', a] as const) : (['tenant-b', b] as const)));
    const seen = await Promise.all(
      calls.map(async ([name, connection]) => [name, ((await connection.execute('whoami')).data as { cn: string }).cn]),
    );
    for (const [expected, cn] of seen) expect(cn).toBe(expected);
    expect(server.received).toHaveLength(40);
    // At least one TLS connection per certificate; never one shared by both.
    expect(server.connections() - connectionsBefore).toBeGreaterThanOrEqual(2);
  });

  it('the certificate does not replace the API key: a wrong key is still a 401', async () => {
    const wrong = 'mtls-wrong-api-key-canary';
    registerSecret(wrong);
    connector = await loadConnector(manifest());
    const { connection } = connect(pki.clients['tenant-a']!, { apiKey: wrong });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401 });
    expect(server.received).toHaveLength(1);
  });

  it('an encrypted client key opens with its passphrase from the credentials', async () => {
    const pair = pki.clients['tenant-b']!;
    const encrypted = createPrivateKey(pair.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();
    registerPem(encrypted);
    connector = await loadConnector(manifest({ client_certificate: { ...certificate, passphrase: '{{ credentials.key_passphrase }}' } }, ['key_passphrase']));
    const { connection } = connect({ cert: pair.cert, key: encrypted }, { extra: { key_passphrase: PASSPHRASE } });
    expect(((await connection.execute('whoami')).data as { cn: string }).cn).toBe('tenant-b');
    expect(server.received).toHaveLength(1);
  });
});

describe('a connection without a valid certificate', () => {
  // The default retry policy applies: a refused handshake is not retried (it would fail the same way).
  const once: Partial<ConnectorManifest> = {};

  it('a certificate from another CA: the handshake is refused → NetworkError, no request reaches the API', async () => {
    connector = await loadConnector(manifest(once));
    const { connection, log } = connect(foreign.clients.intruder!);
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/api\/whoami failed: /);
    expect(server.received).toHaveLength(0);
    // Under TLS 1.3 the server refuses the certificate after the client has finished its handshake:
    // the client only sees the socket close, like any reset, so the bounded retry policy applies.
    expect(log.events.map((event) => event.type)).toEqual(['request', 'request.retry', 'request', 'request.retry', 'request']);
  });

  it('a key that does not belong to the certificate → a typed error naming no key bytes', async () => {
    connector = await loadConnector(manifest(once));
    const { connection } = connect({ cert: pki.clients['tenant-a']!.cert, key: pki.clients['tenant-b']!.key });
    const error = await rejection(connection.execute('whoami'));
    expect(ConnectorError.isConnectorError(error)).toBe(true);
    expect(error.message).not.toMatch(/-----|PRIVATE KEY/);
    expect(server.received).toHaveLength(0);
  });

  it('garbage instead of a certificate → a typed error, no request', async () => {
    connector = await loadConnector(manifest(once));
    const { connection } = connect({ cert: 'not a certificate', key: pki.clients['tenant-a']!.key });
    const error = await rejection(connection.execute('whoami'));
    expect(ConnectorError.isConnectorError(error)).toBe(true);
    expect(error.message).not.toMatch(/-----|PRIVATE KEY/);
    expect(server.received).toHaveLength(0);
  });

  it('the server is not trusted without the CA → NetworkError (TLS), sent=false', async () => {
    connector = await loadConnector(manifest(once));
    const { connection, log } = connect(pki.clients['tenant-a']!, { extra: { server_ca: foreign.ca } });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ sent: false, retryable: false });
    expect(error.message).toMatch(/TLS handshake failed/);
    expect(server.received).toHaveLength(0);
    // A refused handshake would fail the same way again: no retry.
    expect(log.events.map((event) => event.type)).toEqual(['request']);
  });
});
