/**
 * The body stage (sdk/http/body-reader.ts) alone, over the transport's dispatch and a loopback
 * server: a buffered body read whole, the size cap (declared and streamed) refused without
 * quoting the body, HEAD/204 bodies, a stream handed on for downloads and failing with the
 * SDK's own error when the server cuts it, and the body deadline.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { readResponseBody } from '../../sdk/http/body-reader.js';

const SECRET_BODY = 'body-secret-5d2f';
let server: Server;
let origin = '';
const sockets = new Set<Socket>();
let route: (response: ServerResponse) => void = (response) => response.end();
const client = new HttpClient({ allowPrivateNetwork: true });
const send = readResponseBody<HttpRequest>(undefined)(client.dispatch);

beforeAll(async () => {
  server = createServer((request, response) => request.resume().on('end', () => route(response)));
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

describe('readResponseBody', () => {
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

  // A declared length takes undici's own collector (readDeclared), one without takes the stream's events: both are read alike.
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
});
