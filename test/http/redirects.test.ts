import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRefusedError, ResponseError } from '../../sdk/errors.js';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { loadConnector, type Connector } from '../../sdk/index.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { createPki, type Pki } from './certificates.js';
import { startLoopback, type Loopback } from './loopback.js';

const CANARY = 'SECRET-canary-redirect-51d0';
const credentials = {
  authorization: `Bearer ${CANARY}`,
  cookie: `sid=${CANARY}`,
  'proxy-authorization': `Basic ${CANARY}`,
  'x-api-key': CANARY,
  'x-trace': 'kept',
};

/** Two origins (two ports) and an https one; each answers `/go?to=<url>&status=<code>` with a redirect. */
let a: Loopback;
let b: Loopback;
let secure: Loopback;
let pki: Pki;
const client = new HttpClient({ allowPrivateNetwork: true });

function redirecting(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const to = url.searchParams.get('to');
  if (url.pathname === '/go' && to !== null) {
    res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to, 'set-cookie': `hop=${url.searchParams.get('status') ?? 302}` });
    res.end('redirect body');
    return;
  }
  if (url.pathname === '/loop') {
    res.writeHead(302, { location: '/loop' });
    res.end();
    return;
  }
  if (url.pathname === '/no-location') {
    res.writeHead(302);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'final=1' });
  res.end(JSON.stringify({ method: req.method, path: req.url, body, headers: req.headers }));
}

beforeAll(async () => {
  pki = await createPki(['client']);
  [a, b, secure] = await Promise.all([startLoopback(redirecting), startLoopback(redirecting), startLoopback(redirecting, pki.server)]);
});

afterAll(async () => {
  await client.close();
  await Promise.all([a.close(), b.close(), secure.close()]);
});

const go = (from: Loopback, to: string, status = 302) => new URL(`/go?to=${encodeURIComponent(to)}&status=${status}`, from.origin);

function request(url: URL, overrides: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url, headers: { ...credentials }, maxRedirects: 5, responseType: 'buffer', credentialHeaders: ['x-api-key'], ...overrides };
}

const json = (body: Buffer | Readable) => JSON.parse(String(body)) as { method: string; path: string; body: string; headers: Record<string, string> };

describe('redirects', () => {
  it('cross-origin: authorization, cookie, proxy-authorization and declared credential headers never reach the second origin', async () => {
    const before = b.received.length;
    const response = await client.send(request(go(a, `${b.origin}/sink`)));
    expect(response.status).toBe(200);
    expect(response.url.href).toBe(`${b.origin}/sink`);
    const atSink = b.received.slice(before);
    expect(atSink).toHaveLength(1);
    expect(atSink[0]?.headers).not.toHaveProperty('authorization');
    expect(atSink[0]?.headers).not.toHaveProperty('cookie');
    expect(atSink[0]?.headers).not.toHaveProperty('proxy-authorization');
    expect(atSink[0]?.headers).not.toHaveProperty('x-api-key');
    expect(atSink[0]?.headers['x-trace']).toBe('kept');
    expect(atSink[0]?.headers.host).toBe(`127.0.0.1:${b.port}`);
    expect(JSON.stringify(atSink)).not.toContain(CANARY);
  });

  it('credential headers are matched case-insensitively', async () => {
    const before = b.received.length;
    await client.send(request(go(a, `${b.origin}/sink`), { headers: { Authorization: `Bearer ${CANARY}`, 'X-Api-Key': CANARY } }));
    expect(JSON.stringify(b.received.slice(before))).not.toContain(CANARY);
  });

  it('once dropped, credentials are not restored when the journey returns to the first origin', async () => {
    const before = a.received.length;
    const back = go(b, `${a.origin}/final`).href;
    const response = await client.send(request(go(a, back)));
    expect(response.redirects.map((u) => u.origin)).toEqual([a.origin, b.origin]);
    const final = a.received.slice(before).at(-1);
    expect(final?.url).toBe('/final');
    expect(final?.headers).not.toHaveProperty('authorization');
  });

  it('same origin keeps every header', async () => {
    const response = await client.send(request(go(a, '/same')));
    expect(json(response.body).headers).toMatchObject({ authorization: credentials.authorization, cookie: credentials.cookie, 'x-api-key': CANARY });
  });

  it('resolves a relative Location and reports each hop with its Set-Cookie lines', async () => {
    const second = go(a, '../done?x=1', 307);
    const response = await client.send(request(go(a, second.pathname + second.search, 303)));
    expect(response.url.href).toBe(`${a.origin}/done?x=1`);
    expect(response.redirects.map((u) => u.pathname)).toEqual(['/go', '/go']);
    expect(response.redirectSetCookies).toEqual([['hop=303'], ['hop=307']]);
    expect(response.setCookies).toEqual(['final=1']);
  });

  it('maxRedirects 0: the 3xx is the answer and the target is never contacted', async () => {
    const before = b.received.length;
    const response = await client.send(request(go(a, `${b.origin}/sink`), { maxRedirects: 0, method: 'POST', body: `secret=${CANARY}` }));
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${b.origin}/sink`);
    expect(String(response.body)).toBe('redirect body');
    expect(b.received.length).toBe(before);
  });

  it('a redirect loop → ResponseError after maxRedirects hops', async () => {
    const before = a.received.length;
    const error = await client.send(request(new URL('/loop', a.origin), { maxRedirects: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as Error).message).toBe(`GET ${a.origin}/loop: it redirected more than 3 times`);
    expect(a.received.length - before).toBe(4);
  });

  it('a redirect without Location is the answer', async () => {
    expect((await client.send(request(new URL('/no-location', a.origin)))).status).toBe(302);
  });

  it.each([301, 302])('%i turns POST into GET without the body or its headers', async (status) => {
    const response = await client.send(
      request(go(a, '/after', status), { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    const seen = json(response.body);
    expect(seen.method).toBe('GET');
    expect(seen.body).toBe('');
    expect(seen.headers).not.toHaveProperty('content-type');
  });

  it('303 turns PUT into GET; 301 keeps PUT with its body', async () => {
    expect(json((await client.send(request(go(a, '/after', 303), { method: 'PUT', body: 'x' }))).body)).toMatchObject({ method: 'GET', body: '' });
    expect(json((await client.send(request(go(a, '/after', 301), { method: 'PUT', body: 'x' }))).body)).toMatchObject({ method: 'PUT', body: 'x' });
  });

  it.each([307, 308])('%i re-sends a string or byte body with its method', async (status) => {
    const text = await client.send(request(go(a, '/after', status), { method: 'POST', body: 'payload' }));
    expect(json(text.body)).toMatchObject({ method: 'POST', body: 'payload' });
    const bytes = await client.send(request(go(a, '/after', status), { method: 'POST', body: new TextEncoder().encode('bytes') }));
    expect(json(bytes.body)).toMatchObject({ method: 'POST', body: 'bytes' });
  });

  it('307 with a stream body is not followed: the 3xx is the answer', async () => {
    const before = b.received.length;
    const response = await client.send(request(go(a, `${b.origin}/sink`, 307), { method: 'POST', body: Readable.from(['once']) }));
    expect(response.status).toBe(307);
    expect(b.received.length).toBe(before);
  });

  it('https → http is refused', async () => {
    const tlsClient = new HttpClient({ allowPrivateNetwork: true, tls: { ...pki.clients.client!, ca: pki.ca } });
    const before = a.received.length;
    const error = await tlsClient.send(request(go(secure, `${a.origin}/sink?token=${CANARY}`), { credentialQueryParams: ['to', 'token'] })).catch((e: unknown) => e);
    await tlsClient.close();
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toContain(`it redirected from https to http (${a.origin}/sink?token=***)`);
    expect((error as Error).message).not.toContain(CANARY);
    expect(a.received.length).toBe(before);
  });

  it('a Location that is not http(s) is refused', async () => {
    const error = await client.send(request(go(a, 'file:///etc/passwd'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
  });
});

describe('a body re-sent to another origin (307/308 keep it)', () => {
  const secretBody = `{"username":"ann","password":"${CANARY}"}`;
  const isSecretBody = (text: string) => text.includes(CANARY);
  const post = (url: URL, body: string | Uint8Array, overrides: Partial<HttpRequest> = {}) =>
    request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, isSecretBody, ...overrides });

  it.each([307, 308])('cross-origin %i with a secret body is refused: the other origin receives nothing', async (status) => {
    const before = b.received.length;
    const error = await client.send(post(go(a, `${b.origin}/sink`, status), secretBody)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toBe(
      `POST ${go(a, `${b.origin}/sink`, status).href} refused: it redirected to another origin with ${status} (${b.origin}/sink); ` +
        'the request body holds a credential, so it is not sent there (if that origin is trusted, request it directly)',
    );
    expect((error as Error).message).not.toContain(CANARY);
    expect(b.received.length).toBe(before);
  });

  it('a byte body is checked as UTF-8 text', async () => {
    const before = b.received.length;
    const error = await client.send(post(go(a, `${b.origin}/sink`, 308), new TextEncoder().encode(secretBody))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(b.received.length).toBe(before);
  });

  it('without isSecretBody any body counts as secret: a cross-origin 307 with a body is refused', async () => {
    const before = b.received.length;
    const error = await client.send(post(go(a, `${b.origin}/sink`, 307), 'nothing secret', { isSecretBody: undefined })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(b.received.length).toBe(before);
  });

  it('a 301 that keeps a PUT body is refused the same way when it leaves the origin', async () => {
    const before = b.received.length;
    const error = await client.send(post(go(a, `${b.origin}/sink`, 301), secretBody, { method: 'PUT' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toContain('it redirected to another origin with 301');
    expect(b.received.length).toBe(before);
  });

  it('same-origin 307 re-sends the secret body intact, once', async () => {
    const before = a.received.length;
    const response = await client.send(post(go(a, '/after', 307), secretBody));
    expect(json(response.body)).toMatchObject({ method: 'POST', path: '/after', body: secretBody });
    expect(a.received.slice(before).map((r) => r.url.split('?')[0])).toEqual(['/go', '/after']);
  });

  it('cross-origin 308 with a body that holds no secret is followed with the body', async () => {
    const before = b.received.length;
    const response = await client.send(post(go(a, `${b.origin}/sink`, 308), '{"note":"public"}'));
    expect(json(response.body)).toMatchObject({ method: 'POST', path: '/sink', body: '{"note":"public"}' });
    expect(b.received.length - before).toBe(1);
  });

  it.each([302, 303])('cross-origin %i still turns the POST into a GET without the body', async (status) => {
    const before = b.received.length;
    const response = await client.send(post(go(a, `${b.origin}/sink`, status), secretBody));
    expect(json(response.body)).toMatchObject({ method: 'GET', body: '' });
    expect(b.received.length - before).toBe(1);
    expect(JSON.stringify(b.received.slice(before))).not.toContain(CANARY);
  });
});

describe('a connector action whose body carries a password, redirected by 307 to another origin', () => {
  // Characters that JSON escapes: the body carries the password in its JSON-encoded form.
  const PASSWORD = 'pa"ss\\word-canary-307-e41c';
  registerSecret(PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64'));
  let connector: Connector;

  beforeAll(async () => {
    const to = { to: `${b.origin}/sink`, status: '307' };
    connector = await loadConnector({
      id: 'redirect-body',
      name: 'Redirect body',
      version: '1.0.0',
      base_url: a.origin,
      credentials: {
        type: 'object',
        required: ['username', 'password'],
        properties: { username: { type: 'string' }, password: { type: 'string', 'x-secret': true } },
      },
      auth: { type: 'none' },
      retry: { max_attempts: 1 },
      actions: {
        login: { method: 'POST', path: '/go', query: to, body: { username: '{{ credentials.username }}', password: '{{ credentials.password }}' } },
        note: {
          method: 'POST',
          path: '/go',
          query: to,
          body: { text: '{{ input.text }}' },
          input: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
          output: '$.body',
        },
      },
    });
  });
  afterAll(async () => {
    await connector.close();
  });

  const connect = () => connector.connect({ connectionId: 'redirect-body', credentials: { username: 'ann', password: PASSWORD }, allowPrivateNetwork: true });

  it('the sink never receives the password in any encoding: the redirect is refused', async () => {
    const before = { a: a.received.length, b: b.received.length };
    const error = await rejection(connect().execute('login'));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain('it redirected to another origin with 307');
    expect(a.received.length - before.a).toBe(1);
    expect(b.received.length - before.b).toBe(0);
    const everythingTheSinkSaw = JSON.stringify(b.received);
    for (const form of [PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64')]) {
      expect(everythingTheSinkSaw).not.toContain(form);
    }
  });

  it('a body without a secret follows the same redirect to the other origin, once', async () => {
    const before = b.received.length;
    const result = await connect().execute('note', { text: 'hello' });
    expect(JSON.parse(result.data as string)).toEqual({ text: 'hello' });
    expect(b.received.length - before).toBe(1);
  });
});
