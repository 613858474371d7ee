/**
 * The signing stage (sdk/runtime/sign-request.ts) alone, in the transport's place (below the
 * retry and redirect stages, above dispatch) with a test signer, against two loopback origins
 * whose server recomputes an HMAC over exactly what it received: every retried attempt and every
 * same-origin redirect hop is signed anew, a hop to another origin goes unsigned, a FormData
 * body is signed as the bytes sent, and a streamed body is refused naming the action's field.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestSigner } from '../../sdk/auth/request-signer.js';
import { HttpClient } from '../../sdk/http/http-client.js';
import { compose } from '../../sdk/http/pipeline.js';
import { retry } from '../../sdk/http/retry.js';
import type { ActionRequest } from '../../sdk/runtime/action-request.js';
import type { CompiledAction } from '../../sdk/runtime/action.js';
import { signRequest } from '../../sdk/runtime/sign-request.js';

const KEY = 'hmac-key-4c7e';
let clock = 1_000_000;

/** Signs method, path with query, the time and the body: what the server recomputes. */
const signer: RequestSigner = {
  sign(request) {
    const time = String(request.now);
    const mac = createHmac('sha256', KEY).update(`${request.method}\n${request.url.pathname}${request.url.search}\n${time}\n`).update(request.body).digest('hex');
    request.headers['x-time'] = time;
    request.headers['x-signature'] = mac;
  },
};

interface Seen {
  server: 'a' | 'b';
  path: string;
  signed: boolean | 'unsigned';
  contentType?: string;
}

let seen: Seen[] = [];
let routes: Record<string, (response: ServerResponse) => void> = {};
const servers: Server[] = [];
let a = '';
let b = '';
const client = new HttpClient({ allowPrivateNetwork: true });

function verdict(request: IncomingMessage, body: Buffer): boolean | 'unsigned' {
  const signature = request.headers['x-signature'];
  if (signature === undefined) return 'unsigned';
  const expected = createHmac('sha256', KEY).update(`${request.method}\n${request.url}\n${String(request.headers['x-time'])}\n`).update(body).digest('hex');
  return signature === expected;
}

async function start(name: 'a' | 'b'): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'];
      seen.push({ server: name, path: request.url ?? '', signed: verdict(request, Buffer.concat(chunks)), ...(contentType ? { contentType } : {}) });
      const route = routes[`${name}${request.url ?? ''}`];
      if (route) route(response);
      else response.writeHead(200).end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  a = await start('a');
  b = await start('b');
});
beforeEach(() => {
  seen = [];
  routes = {};
});
afterAll(async () => {
  await client.close();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

const send = compose<ActionRequest>(
  [retry({ maxAttempts: 3, maxElapsedMs: 10_000, baseDelayMs: 0, idempotent: true, onRetry: () => (clock += 1000) }), ...client.stages<ActionRequest>(), signRequest(signer, () => clock)],
  client.dispatch,
);

function request(url: string, body?: ActionRequest['body'], applyAuth = true): ActionRequest {
  const target = new URL(url);
  return {
    call: { action: { id: 'upload', applyAuth } as CompiledAction, scope: {}, origin: target.origin },
    method: 'POST',
    url: target,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
    maxRedirects: 3,
    responseType: 'buffer',
  } as ActionRequest;
}

describe('signRequest', () => {
  it('is left out without a signer', () => {
    expect(signRequest(undefined, () => 0)).toBeUndefined();
  });

  it('signs the request as sent, and each retried attempt anew (new time, valid again)', async () => {
    let calls = 0;
    routes['a/items?x=1'] = (response) => (++calls === 1 ? response.writeHead(503).end() : response.writeHead(200).end('ok'));
    expect((await send(request(`${a}/items?x=1`, '{"n":1}'))).status).toBe(200);
    expect(seen.map(({ path, signed }) => [path, signed])).toEqual([
      ['/items?x=1', true],
      ['/items?x=1', true],
    ]);
  });

  it('signs a same-origin redirect hop for its own URL; a hop to another origin goes unsigned', async () => {
    routes['a/start'] = (response) => response.writeHead(307, { location: '/moved' }).end();
    routes['a/moved'] = (response) => response.writeHead(307, { location: `${b}/elsewhere` }).end();
    await send(request(`${a}/start`));
    expect(seen.map(({ server, path, signed }) => [server, path, signed])).toEqual([
      ['a', '/start', true],
      ['a', '/moved', true],
      ['b', '/elsewhere', 'unsigned'],
    ]);
  });

  it('signs a FormData body as the multipart bytes sent, with its boundary', async () => {
    const form = new FormData();
    form.append('name', 'report');
    form.append('file', new Blob(['file content']), 'report.txt');
    await send(request(`${a}/upload`, form));
    expect(seen).toEqual([{ server: 'a', path: '/upload', signed: true, contentType: expect.stringMatching(/^multipart\/form-data; boundary=/) }]);
  });

  it('refuses a streamed body, naming the action\'s field; nothing is sent', async () => {
    const error = await send(request(`${a}/upload`, Readable.from(['chunk']))).catch((failure: Error) => failure);
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/actions/upload/body_format' });
    expect(seen).toEqual([]);
  });

  it('leaves an action with apply_auth false unsigned', async () => {
    await send(request(`${a}/public`, undefined, false));
    expect(seen).toEqual([{ server: 'a', path: '/public', signed: 'unsigned', contentType: 'application/json' }]);
  });
});
