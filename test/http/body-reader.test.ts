/**
 * Response bodies (sdk/http/body-reader.ts) over the transport's dispatch and a loopback server:
 * a buffered body read whole by the hop (undici's handler protocol), the size cap (declared and
 * streamed) refused without quoting the body, HEAD/204 bodies, headers as request() gave them,
 * the caller's abort, an upload closed on failure, the body deadline; and a stream handed on for
 * downloads, failing with the SDK's own error when the server cuts it.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { boundDownloadBody } from '../../sdk/http/body-reader.js';

const SECRET_BODY = 'body-secret-5d2f';
let server: Server;
let origin = '';
const sockets = new Set<Socket>();
let route: (response: ServerResponse) => void = (response) => response.end();
let received = 0;
const client = new HttpClient({ allowPrivateNetwork: true });
const send = boundDownloadBody<HttpRequest>(undefined)(client.dispatch);

beforeAll(async () => {
  server = createServer((request, response) => {
    received++;
    // /cut: the server hangs up as soon as a request begins, before reading its body.
    if (request.url === '/cut') request.socket.destroy();
    else request.resume().on('end', () => route(response));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await client.close();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const get = (extra: Partial<HttpRequest> = {}): HttpRequest => ({ method: 'GET', url: new URL(`${origin}/x`), headers: {}, maxRedirects: 0, responseType: 'buffer', ...extra });

describe('response bodies: buffered by the hop, or a bounded download stream', () => {
  it('reads a buffered body whole, in chunks as the server writes it', async () => {
    route = (response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first,');
      setImmediate(() => response.end('second'));
    };
    const response = await send(get());
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect(response.body.toString()).toBe('first,second');
  });

  // With a declared length or without one (chunked), the handler collects what undici hands it: both are read alike.
  it('reads a body of declared length whole, in chunks as the server writes it', async () => {
    route = (response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
      response.write('first,');
      setImmediate(() => response.end('second'));
    };
    const response = await send(get());
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect(response.body.toString()).toBe('first,second');
  });

  it('a body of declared length cut short fails with the SDK\'s own NetworkError, and one that stalls with the body TimeoutError', async () => {
    route = (response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write(SECRET_BODY);
      setImmediate(() => response.socket?.destroy());
    };
    const cut = await send(get()).catch((error: Error) => error);
    expect(cut).toMatchObject({ code: 'CONNECTOR_NETWORK_FAILED' });
    expect(JSON.stringify({ message: (cut as Error).message, stack: (cut as Error).stack })).not.toContain(SECRET_BODY);
    route = (response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('never ends');
    };
    await expect(send(get({ timeouts: { bodyMs: 50 } }))).rejects.toMatchObject({ code: 'CONNECTOR_TIMEOUT', phase: 'body' });
  });

  it('refuses a body over the cap, declared or streamed, without quoting it', async () => {
    route = (response) => response.writeHead(200, { 'content-length': '64' }).end(SECRET_BODY.repeat(4));
    const declared = await send(get({ maxResponseBytes: 32 })).catch((error: Error) => error);
    expect(declared).toMatchObject({ code: 'CONNECTOR_RESPONSE_TOO_LARGE' });
    route = (response) => {
      response.writeHead(200);
      response.write(SECRET_BODY.repeat(2));
      setImmediate(() => response.end(SECRET_BODY.repeat(2)));
    };
    const streamed = await send(get({ maxResponseBytes: 40 })).catch((error: Error) => error);
    expect(streamed).toMatchObject({ code: 'CONNECTOR_RESPONSE_TOO_LARGE' });
    for (const error of [declared, streamed]) expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(SECRET_BODY);
  });

  it('a HEAD answer declaring a length over the cap has an empty body, not a size error', async () => {
    route = (response) => response.writeHead(200, { 'content-length': '999999' }).end();
    expect((await send(get({ method: 'HEAD', maxResponseBytes: 10 }))).body.toString()).toBe('');
  });

  it('hands on a stream for downloads, which the server cutting fails with the SDK\'s own error', async () => {
    route = (response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial');
      setImmediate(() => response.socket?.destroy());
    };
    const response = await send(get({ responseType: 'stream' }));
    const stream = response.body as Readable;
    const failure = await new Promise<Error>((resolve) => {
      stream.on('error', resolve);
      stream.resume();
    });
    expect(failure).toMatchObject({ code: 'CONNECTOR_NETWORK_FAILED' });
  });

  it('a body that does not finish by its deadline is a TimeoutError of the body phase', async () => {
    route = (response) => {
      response.writeHead(200);
      response.write('never ends');
    };
    await expect(send(get({ timeouts: { bodyMs: 50 } }))).rejects.toMatchObject({ code: 'CONNECTOR_TIMEOUT', phase: 'body' });
  });

  // The buffered hop speaks undici's handler protocol itself (bufferedHop): what request() did for it, it must do.
  it('a buffered answer keeps repeated headers and every Set-Cookie line, and skips a 103 Early Hints before it', async () => {
    route = (response) => {
      response.writeEarlyHints({ link: '</style.css>; rel=preload' });
      response.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      response.setHeader('x-many', ['one', 'two']);
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    const response = await send(get());
    expect(response.status).toBe(201);
    expect(response.headers['x-many']).toEqual(['one', 'two']);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.setCookies).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(response.body.toString()).toBe('{"ok":true}');
  });

  it("the caller's abort rejects with its AbortError, before the hop is sent or while the body arrives, and closes that socket", async () => {
    const before = received;
    const early = new AbortController();
    early.abort(new Error('gave up early'));
    const unsent = await send(get({ signal: early.signal })).catch((error: Error) => error);
    expect(unsent).toMatchObject({ name: 'AbortError', cause: { message: 'gave up early' } });
    expect(received).toBe(before);
    const late = new AbortController();
    let closed!: Promise<void>;
    route = (response) => {
      closed = new Promise((resolve) => response.socket?.once('close', () => resolve()));
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial', () => late.abort(new Error('gave up late')));
    };
    const cut = await send(get({ signal: late.signal })).catch((error: Error) => error);
    expect(cut).toMatchObject({ name: 'AbortError', cause: { message: 'gave up late' } });
    await closed;
    route = (response) => response.end('next');
    expect((await send(get())).body.toString()).toBe('next');
    expect(received).toBe(before + 2);
  });

  it('an upload stream is closed when its hop fails: the server hangs up, nothing listens, or the caller aborted first', async () => {
    const { PassThrough } = await import('node:stream');
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    for (const url of [`${origin}/cut`, `http://127.0.0.1:${closedPort}/x`]) {
      const upload = new PassThrough();
      upload.write('first part of an upload');
      const failure = await send({ ...get({ method: 'POST', body: upload, headers: { 'content-type': 'text/plain' } }), url: new URL(url) }).catch((error: Error) => error);
      expect(failure).toMatchObject({ code: 'CONNECTOR_NETWORK_FAILED' });
      expect(upload.destroyed).toBe(true);
    }
    // Aborted before it is sent: nothing reaches the server, and the upload is closed too.
    const before = received;
    const upload = new PassThrough();
    const aborted = await send({ ...get({ method: 'POST', body: upload, signal: AbortSignal.abort() }) }).catch((error: Error) => error);
    expect(aborted).toMatchObject({ name: 'AbortError' });
    expect(upload.destroyed).toBe(true);
    expect(received).toBe(before);
  });
});
