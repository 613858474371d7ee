import { Readable } from 'node:stream';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, NetworkError, RequestRefusedError, ResponseError, TimeoutError } from '../../sdk/errors.js';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { startLoopback, type Loopback } from './loopback.js';
import { heldMemory } from '../helpers/memory.js';

const CANARY = 'SECRET-canary-9c1e77';
const MB = 1024 * 1024;

let server: Loopback;
let refusedOrigin: string;
const client = new HttpClient({ allowPrivateNetwork: true });

beforeAll(async () => {
  server = await startLoopback((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/json':
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly'], 'X-Custom': 'yes' });
        res.end(JSON.stringify({ ok: true }));
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, body }));
        return;
      case '/bytes': {
        // Chunked (no content-length), written with backpressure from one reused buffer.
        const total = Number(url.searchParams.get('size'));
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const pump = () => {
          while (sent < total) {
            const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      case '/declared-big':
        res.writeHead(200, { 'content-length': String(20 * MB) });
        if (req.method === 'HEAD') res.end();
        else res.write('x');
        return;
      case '/stall':
        return;
      case '/trickle': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('.'), 200);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/reset-mid-body':
        res.writeHead(200, { 'content-length': '1000' });
        res.write('x'.repeat(100));
        setTimeout(() => req.socket.resetAndDestroy(), 50);
        return;
      case '/close-before-headers':
        req.socket.destroy();
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  const closed = await startLoopback(() => undefined);
  refusedOrigin = closed.origin;
  await closed.close();
});

afterAll(async () => {
  await client.close();
  await server.close();
});

function get(path: string, overrides: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url: new URL(path, server.origin), headers: {}, maxRedirects: 0, responseType: 'buffer', ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & { code?: string };
}

/** Message, cause chain and own properties of an error, for canary checks. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined; e = (e as { cause?: unknown }).cause) {
    parts.push(String(e), (e as Error).stack ?? '', JSON.stringify(e));
  }
  return parts.join('\n');
}

describe('HttpClient: answers', () => {
  it('buffers a JSON answer with lower-case headers and every Set-Cookie line', async () => {
    const response = await client.send(get('/json'));
    expect(response.status).toBe(200);
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect(JSON.parse(String(response.body))).toEqual({ ok: true });
    expect(response.headers['x-custom']).toBe('yes');
    expect(response.setCookies).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(response.url.href).toBe(`${server.origin}/json`);
    expect(response.redirects).toEqual([]);
  });

  it('sends string, byte, FormData and stream bodies', async () => {
    const send = async (body: HttpRequest['body'], headers: Record<string, string> = {}) =>
      JSON.parse(String((await client.send(get('/echo', { method: 'POST', body, headers }))).body)) as Record<string, unknown>;
    expect(await send('{"a":1}', { 'content-type': 'application/json' })).toEqual({ method: 'POST', contentType: 'application/json', body: '{"a":1}' });
    expect((await send(new TextEncoder().encode('bytes'))).body).toBe('bytes');
    const form = new FormData();
    form.set('field', 'value');
    const multipart = await send(form);
    expect(multipart.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart.body).toContain('name="field"\r\n\r\nvalue');
    expect((await send(Readable.from(['str', 'eam']))).body).toBe('stream');
  });

  it('keeps connections alive: 20 sequential requests need at most 2 sockets', async () => {
    const before = server.connections();
    const own = new HttpClient({ allowPrivateNetwork: true });
    for (let i = 0; i < 20; i++) await own.send(get('/json'));
    await own.close();
    // undici may open a second socket when a request follows the previous body's end at once.
    expect(server.connections() - before).toBeLessThanOrEqual(2);
  });

  it('streams a 50 MB download with bounded memory', async () => {
    const held = heldMemory();
    const baseline = held();
    let peak = 0;
    const response = await client.send(get(`/bytes?size=${50 * MB}`, { responseType: 'stream', timeouts: { bodyMs: 60_000 } }));
    expect(response.body).toBeInstanceOf(Readable);
    let total = 0;
    let nextSample = 0;
    for await (const chunk of response.body as Readable) {
      total += (chunk as Buffer).length;
      if (total >= nextSample) {
        nextSample += 4 * MB;
        peak = Math.max(peak, held() - baseline);
      }
    }
    expect(total).toBe(50 * MB);
    expect(peak).toBeLessThan(10 * MB);
  });
});

describe('HttpClient: limits', () => {
  it('stops reading past maxResponseBytes with a typed error naming the limit, not the content; the pool recovers', async () => {
    const agent = new Agent({ connections: 1 });
    const limited = new HttpClient({ allowPrivateNetwork: true, dispatcher: agent });
    const error = await failure(limited.send(get(`/bytes?size=${5 * MB}`, { maxResponseBytes: MB })));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.code).toBe(ERROR_CODES.responseTooLarge);
    expect(error.message).toContain('1048576-byte limit');
    expect(error.message).not.toContain('xxxx');
    // One connection in the pool: this only works if the failed body released it.
    expect((await limited.send(get('/json'))).status).toBe(200);
    await agent.close();
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const error = await failure(client.send(get('/declared-big')));
    expect(error).toMatchObject({ code: ERROR_CODES.responseTooLarge });
    expect(error.message).toContain(`${10 * MB}-byte limit`);
  });

  it('a HEAD answer declaring a large Content-Length is not "too large"', async () => {
    const response = await client.send(get('/declared-big', { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual(Buffer.alloc(0));
  });

  it('applies no byte cap to streamed bodies', async () => {
    const response = await client.send(get(`/bytes?size=${2 * MB}`, { responseType: 'stream', maxResponseBytes: MB }));
    let total = 0;
    for await (const chunk of response.body as Readable) total += (chunk as Buffer).length;
    expect(total).toBe(2 * MB);
  });
});

describe('HttpClient: timeouts', () => {
  it('headers timeout → TimeoutError(headers)', async () => {
    const started = Date.now();
    const error = await failure(client.send(get('/stall', { timeouts: { headersMs: 300 } })));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'headers', code: ERROR_CODES.timeout });
    expect(error.message).toBe(`GET ${server.origin}/stall timed out waiting for the headers after 300 ms`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the body deadline is total: a 1 byte / 200 ms trickle ends at bodyMs', async () => {
    const agent = new Agent({ connections: 1 });
    const single = new HttpClient({ allowPrivateNetwork: true, dispatcher: agent });
    const started = Date.now();
    const error = await failure(single.send(get('/trickle', { timeouts: { bodyMs: 500 } })));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'body' });
    // Headers arrive with the first byte (200 ms), then 500 ms of body: ~700 ms, never the idle-timer's forever.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await single.send(get('/json'))).status).toBe(200);
    await agent.close();
  });

  it('the body deadline also ends a stream the caller reads', async () => {
    const started = Date.now();
    const response = await client.send(get('/trickle', { responseType: 'stream', timeouts: { bodyMs: 500 } }));
    const error = await failure(
      (async () => {
        for await (const _ of response.body as Readable) void _;
      })(),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('aborting through the signal rejects with the standard AbortError, its cause the signal\'s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('host gave up');
    setTimeout(() => controller.abort(reason), 50);
    const error = await failure(client.send(get('/stall', { signal: controller.signal })));
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError', cause: reason });
  });
});

describe('HttpClient: network failures', () => {
  it('connection refused → NetworkError, sent=false', async () => {
    const error = await failure(client.send(get('/x', { url: new URL(`${refusedOrigin}/token`), method: 'POST', body: 'a=b' })));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ sent: false, method: 'POST', url: `${refusedOrigin}/token` });
    expect(error.message).toBe(`POST ${refusedOrigin}/token failed: connection refused (ECONNREFUSED)`);
  });

  it('reset in the middle of the body → NetworkError, sent=true', async () => {
    const error = await failure(client.send(get('/reset-mid-body')));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ sent: true });
  });

  it('reset in the middle of a streamed body → the stream fails with NetworkError', async () => {
    const response = await client.send(get('/reset-mid-body', { responseType: 'stream' }));
    const error = await failure(
      (async () => {
        for await (const _ of response.body as Readable) void _;
      })(),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ sent: true });
  });

  it('socket closed after the request was written, before headers → NetworkError, sent=true', async () => {
    const error = await failure(client.send(get('/close-before-headers', { method: 'POST', body: 'refresh_token=x' })));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ sent: true });
  });

  it('error messages carry no header value, cookie, body or credential query value; redact is applied', async () => {
    const redacting = new HttpClient({ allowPrivateNetwork: true, redact: (text) => text.replaceAll('tenant-42', '[R]') });
    // The query names the tenant, which the host's redact hook masks.
    const error = await failure(
      redacting.send(
        get('/x', {
          url: new URL(`${server.origin}/reset-mid-body?api_key=${CANARY}&page=2&tenant=tenant-42`),
          method: 'POST',
          headers: { authorization: `Bearer ${CANARY}`, cookie: `sid=${CANARY}`, 'x-api-key': CANARY },
          body: `client_secret=${CANARY}`,
          credentialQueryParams: ['api_key'],
        }),
      ),
    );
    await redacting.close();
    expect(error.message).toContain(`${server.origin}/reset-mid-body?api_key=***&page=2&tenant=[R]`);
    expect(everything(error)).not.toContain(CANARY);
    expect(everything(error)).not.toContain('tenant-42');
    expect((error as { cause?: unknown }).cause).toBeUndefined();
  });

  it('a line break in a header value → RequestRefusedError without the value; nothing is sent', async () => {
    const before = server.received.length;
    const error = await failure(client.send(get('/json', { headers: { 'x-token': `${CANARY}\r\nx-injected: 1` } })));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain('"x-token"');
    expect(everything(error)).not.toContain(CANARY);
    expect(server.received.length).toBe(before);
  });

  it('refuses an invalid header name and non-http URLs', async () => {
    expect(await failure(client.send(get('/json', { headers: { 'bad name': 'v' } })))).toBeInstanceOf(RequestRefusedError);
    expect(await failure(client.send(get('/json', { url: new URL('file:///etc/passwd') })))).toBeInstanceOf(RequestRefusedError);
  });

  it('a closed client refuses to send', async () => {
    const closing = new HttpClient({ allowPrivateNetwork: true });
    await closing.send(get('/json'));
    await closing.close();
    expect(await failure(closing.send(get('/json')))).toBeInstanceOf(RequestRefusedError);
  });
});
