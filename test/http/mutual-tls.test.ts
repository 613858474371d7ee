import type { TLSSocket } from 'node:tls';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../sdk/errors.js';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { createPki, type Pki } from './certificates.js';
import { startLoopback, type Loopback } from './loopback.js';

let pki: Pki;
let other: Pki;
let server: Loopback;

beforeAll(async () => {
  [pki, other] = await Promise.all([createPki(['tenant-a', 'tenant-b']), createPki(['intruder'])]);
  server = await startLoopback(
    (req, res) => {
      // Slow enough that concurrent requests overlap and the pool would share sockets if it could.
      setTimeout(() => res.end(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN)), 5);
    },
    { ...pki.server, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
  );
});

afterAll(async () => {
  await server.close();
});

const get = (): HttpRequest => ({ method: 'GET', url: new URL('/whoami', server.origin), headers: {}, maxRedirects: 0, responseType: 'buffer' });

describe('mutual TLS', () => {
  it('two clients with different certificates calling concurrently each present their own', async () => {
    const tenantA = new HttpClient({ allowPrivateNetwork: true, tls: { ...pki.clients['tenant-a']!, ca: pki.ca } });
    const tenantB = new HttpClient({ allowPrivateNetwork: true, tls: { ...pki.clients['tenant-b']!, ca: pki.ca } });
    const calls = Array.from({ length: 40 }, (_, i): [string, HttpClient] => (i % 2 === 0 ? ['tenant-a', tenantA] : ['tenant-b', tenantB]));
    const seen = await Promise.all(calls.map(async ([name, client]) => [name, String((await client.send(get())).body)]));
    for (const [expected, cn] of seen) expect(cn).toBe(expected);
    await Promise.all([tenantA.close(), tenantB.close()]);
  });

  it('a client without a certificate is refused → NetworkError', async () => {
    const agent = new Agent({ connect: { ca: pki.ca } });
    const anonymous = new HttpClient({ allowPrivateNetwork: true, dispatcher: agent });
    const error = await anonymous.send(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/whoami failed: /);
    await agent.close();
  });

  it('a certificate from another CA is refused → NetworkError', async () => {
    const intruder = new HttpClient({ allowPrivateNetwork: true, tls: { ...other.clients.intruder!, ca: pki.ca } });
    expect(await intruder.send(get()).catch((e: unknown) => e)).toBeInstanceOf(NetworkError);
    await intruder.close();
  });

  it('a server certificate the client does not trust → NetworkError (TLS), sent=false', async () => {
    const untrusting = new HttpClient({ allowPrivateNetwork: true, tls: { ...pki.clients['tenant-a']!, ca: other.ca } });
    const error = await untrusting.send(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ sent: false });
    expect((error as Error).message).toMatch(/TLS handshake failed \([A-Z_]+\)$/);
    await untrusting.close();
  });
});
