/**
 * A dispatcher the host hands in (ConnectOptions.dispatcher, HttpClientOptions.dispatcher)
 * connects with its own lookup, so the SSRF guard resolves host names itself before each hop;
 * and it opens its own TLS connections, so a client certificate cannot ride along with it.
 */
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, type Connector } from '../../sdk/index.js';
import { ERROR_CODES, RequestRefusedError } from '../../sdk/errors.js';
import { createFixtureDispatcher } from '../../sdk/http/fixture-dispatcher.js';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { record, registerSecret, rejection } from '../helpers/secret-scan.js';
import { createPki, type Pki } from './certificates.js';
import { startLoopback, type Loopback } from './loopback.js';

const API_KEY = 'host-dispatcher-api-key-canary-5e2';
registerSecret(API_KEY);

const LOCALHOST_REFUSED = /^GET http:\/\/localhost:\d+\/[^ ]* refused: localhost resolves to the private address (127\.0\.0\.1|::1) \(allowPrivateNetwork is off\)$/;

let server: Loopback;
let secure: Loopback;
let pki: Pki;
/** The host's dispatcher: a plain undici Agent, connecting wherever its own lookup says. */
let agent: Agent;
let connector: Connector | undefined;

function answer(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
  if (to !== null) res.writeHead(302, { location: to });
  else res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: { path: req.url } }));
}

beforeAll(async () => {
  pki = await createPki(['tenant']);
  for (const line of pki.clients.tenant!.key.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
  [server, secure] = await Promise.all([
    startLoopback(answer),
    startLoopback(answer, { ...pki.server, ca: pki.ca, requestCert: true, rejectUnauthorized: true }),
  ]);
  agent = new Agent();
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  server.received.length = 0;
  secure.received.length = 0;
});

afterAll(async () => {
  await agent.close();
  await Promise.all([server.close(), secure.close()]);
});

const get = (url: string): HttpRequest => ({ method: 'GET', url: new URL(url), headers: {}, maxRedirects: 3, responseType: 'buffer' });

describe('HttpClient with a host dispatcher', () => {
  it('resolves the host name itself: localhost is refused before the dispatcher connects', async () => {
    const client = new HttpClient({ dispatcher: agent });
    const error = await rejection(client.send(get(`http://localhost:${server.port}/private`)));
    await client.close();
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.code).toBe(ERROR_CODES.policy);
    expect(error.message).toMatch(LOCALHOST_REFUSED);
    expect(server.received).toHaveLength(0);
    expect(server.connections()).toBe(0);
  });

  it('with allowPrivateNetwork the same request goes through, once', async () => {
    const client = new HttpClient({ dispatcher: agent, allowPrivateNetwork: true });
    const response = await client.send(get(`http://localhost:${server.port}/private`));
    await client.close();
    expect(response.status).toBe(200);
    expect(server.received.map((r) => r.url)).toEqual(['/private']);
  });

  it('resolves again on every redirect hop: a hop to a name of the private network is refused', async () => {
    // Every request goes to the loopback server whatever its URL names; 8.8.8.8 is never contacted.
    const fixture = createFixtureDispatcher(server.origin);
    const client = new HttpClient({ dispatcher: fixture.dispatcher });
    const target = `http://localhost:${server.port}/internal`;
    const error = await rejection(client.send(get(`http://8.8.8.8/go?to=${encodeURIComponent(target)}`)));
    await client.close();
    await fixture.close();
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toMatch(LOCALHOST_REFUSED);
    expect(error.message).toContain(`GET ${target} refused`);
    expect(server.received.map((r) => r.url.split('?')[0])).toEqual(['/go']);
  });

  // A buffered answer is read through dispatch(), a download through request(): either may throw.
  it.each([
    ['buffer', 'dispatch'],
    ['stream', 'request'],
  ] as const)("a dispatcher whose %s method (%s) throws instead of calling back fails the hop with the SDK's error, and the next hop still goes through", async (responseType, method) => {
    let calls = 0;
    const throwing = Object.assign(Object.create(agent) as Agent, {
      [method](...args: unknown[]) {
        calls++;
        if (calls === 1) throw Object.assign(new Error(`socket gone ${API_KEY}`), { code: 'ECONNRESET' });
        return (agent[method] as (...a: unknown[]) => unknown).apply(agent, args);
      },
    });
    const client = new HttpClient({ dispatcher: throwing, allowPrivateNetwork: true });
    const failure = await rejection(client.send({ ...get(`${server.origin}/first`), responseType }));
    expect(failure).toMatchObject({ code: ERROR_CODES.network });
    expect((failure as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/first failed: connection reset \(ECONNRESET\)$/);
    expect((failure as Error).message).not.toContain(API_KEY);
    const answered = await client.send({ ...get(`${server.origin}/second`), responseType });
    expect(answered.status).toBe(200);
    if (responseType === 'stream') (answered.body as NodeJS.ReadableStream & { destroy(): void }).destroy();
    expect([calls, server.received.length]).toEqual([2, 1]);
    await client.close();
  });

  it('refuses a client certificate together with a dispatcher instead of dropping the certificate', () => {
    let error: unknown;
    try {
      new HttpClient({ dispatcher: agent, tls: { ...pki.clients.tenant!, ca: pki.ca } });
    } catch (caught) {
      error = caught;
      record(caught);
    }
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toMatch(/client certificate \(client_certificate\) cannot be combined with a host-supplied dispatcher/);
  });
});

describe('ConnectOptions.dispatcher', () => {
  const noAuth = () => authManifest(`http://localhost:${server.port}`, { type: 'none' }, { type: 'object', properties: {} });

  it('a connection whose base URL names localhost is refused with the private network off: no request sent', async () => {
    connector = await loadConnector(noAuth());
    const connection = connector.connect({ connectionId: 'host-agent', credentials: {}, dispatcher: agent });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toMatch(LOCALHOST_REFUSED);
    expect(server.received).toHaveLength(0);
  });

  it('with allowPrivateNetwork it reaches the server, once', async () => {
    connector = await loadConnector(noAuth());
    const connection = connector.connect({ connectionId: 'host-agent', credentials: {}, dispatcher: agent, allowPrivateNetwork: true });
    expect((await connection.execute('whoami')).data).toEqual({ path: '/api/whoami' });
    expect(server.received).toHaveLength(1);
  });

  describe('with a manifest client_certificate', () => {
    const mtls = () =>
      authManifest(
        secure.origin,
        { type: 'api_key', in: 'header', name: 'X-API-Key', value: '{{ credentials.api_key }}' },
        credentialFields(['api_key', 'client_cert', 'client_key', 'server_ca'], ['api_key', 'client_key']),
        { client_certificate: { cert: '{{ credentials.client_cert }}', key: '{{ credentials.client_key }}', ca: '{{ credentials.server_ca }}' } },
      );
    const credentials = () => ({ api_key: API_KEY, client_cert: pki.clients.tenant!.cert, client_key: pki.clients.tenant!.key, server_ca: pki.ca });

    it('connect() refuses the combination with a typed error saying what to do; nothing is sent', async () => {
      connector = await loadConnector(mtls());
      let error: unknown;
      try {
        connector.connect({ connectionId: 'mtls', credentials: credentials(), dispatcher: agent, allowPrivateNetwork: true });
      } catch (caught) {
        error = caught;
        record(caught);
      }
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect((error as RequestRefusedError).code).toBe(ERROR_CODES.policy);
      expect((error as Error).message).toBe(
        'a client certificate (client_certificate) cannot be combined with a host-supplied dispatcher (ConnectOptions.dispatcher): ' +
          "the dispatcher opens the connections, so the certificate would never be presented; connect without a dispatcher, and the SDK's own agent presents it",
      );
      expect(secure.received).toHaveLength(0);
      expect(secure.connections()).toBe(0);
    });

    it('without the dispatcher the same connection presents the certificate and is served, once', async () => {
      connector = await loadConnector(mtls());
      const connection = connector.connect({ connectionId: 'mtls', credentials: credentials(), allowPrivateNetwork: true });
      expect((await connection.execute('whoami')).data).toEqual({ path: '/api/whoami' });
      expect(secure.received).toHaveLength(1);
      expect(secure.received[0]?.headers['x-api-key']).toBe(API_KEY);
    });
  });
});
