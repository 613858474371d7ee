/**
 * The redirect stage (sdk/http/follow-redirects.ts with redirect-policy.ts) alone, composed with
 * the body stage over the transport's dispatch, against two loopback servers (two origins): the
 * hop limit, 303 → GET without its body, 307 keeping method and body, credential headers
 * dropped on another origin but kept on the same one, a secret body never re-sent to another
 * origin, https → http refused, the `redirects` list — and what each server received.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RequestRefusedError } from '../../sdk/errors.js';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { followRedirects } from '../../sdk/http/follow-redirects.js';
import { boundDownloadBody } from '../../sdk/http/body-reader.js';
import { compose } from '../../sdk/http/pipeline.js';

interface Seen {
  server: 'a' | 'b';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let seen: Seen[] = [];
let routes: Record<string, (response: ServerResponse) => void> = {};
const servers: Server[] = [];
let a = '';
let b = '';
const client = new HttpClient({ allowPrivateNetwork: true });
const send = compose<HttpRequest>([boundDownloadBody(undefined), followRedirects(undefined)], client.dispatch);

async function start(name: 'a' | 'b'): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ server: name, method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      const route = routes[`${name}${request.url ?? ''}`];
      if (route) route(response);
      else response.writeHead(200, { 'content-type': 'text/plain' }).end(`${name} ok`);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const redirect = (status: number, location: string) => (response: ServerResponse) => response.writeHead(status, { location }).end();

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

function post(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'POST',
    url: new URL(url),
    headers: { authorization: 'Bearer t-1', 'x-api-key': 'k-1', 'content-type': 'application/json' },
    body: '{"q":1}',
    maxRedirects: 3,
    credentialHeaders: ['x-api-key'],
    isSecretBody: () => false,
    responseType: 'buffer',
    ...extra,
  };
}

describe('followRedirects', () => {
  it('303 → GET without the body or its headers, on the same origin with the credentials', async () => {
    routes['a/start'] = redirect(303, '/next');
    const response = await send(post(`${a}/start`));
    expect(response.status).toBe(200);
    expect(response.redirects.map(String)).toEqual([`${a}/start`]);
    expect(seen.map(({ server, method, path, body }) => [server, method, path, body])).toEqual([
      ['a', 'POST', '/start', '{"q":1}'],
      ['a', 'GET', '/next', ''],
    ]);
    expect(seen[1]!.headers).toMatchObject({ authorization: 'Bearer t-1', 'x-api-key': 'k-1' });
    expect(seen[1]!.headers['content-type']).toBeUndefined();
  });

  it('307 to another origin keeps method and a non-secret body, and drops every credential header', async () => {
    routes['a/start'] = redirect(307, `${b}/landing`);
    const response = await send(post(`${a}/start`));
    expect(Buffer.from(response.body as Buffer).toString()).toBe('b ok');
    expect(seen.map(({ server, method, body }) => [server, method, body])).toEqual([
      ['a', 'POST', '{"q":1}'],
      ['b', 'POST', '{"q":1}'],
    ]);
    expect(seen[1]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers['x-api-key']).toBeUndefined();
    expect(seen[1]!.headers['content-type']).toBe('application/json');
  });

  it('a body holding a secret is never re-sent to another origin: refused, 0 requests there', async () => {
    routes['a/start'] = redirect(308, `${b}/landing`);
    await expect(send(post(`${a}/start`, { isSecretBody: () => true }))).rejects.toBeInstanceOf(RequestRefusedError);
    expect(seen.map((entry) => entry.server)).toEqual(['a']);
  });

  it('stops after maxRedirects hops with an error, and never follows a request that says 0', async () => {
    routes['a/loop'] = redirect(302, '/loop');
    await expect(send(post(`${a}/loop`, { method: 'GET', body: undefined, maxRedirects: 2 }))).rejects.toThrow(/redirected more than 2 times/);
    expect(seen).toHaveLength(3);
    seen = [];
    const unfollowed = await send(post(`${a}/loop`, { method: 'GET', body: undefined, maxRedirects: 0 }));
    expect(unfollowed.status).toBe(302);
    expect(seen).toHaveLength(1);
  });

  it('https never leads to http: refused before the hop', async () => {
    const hop = followRedirects<HttpRequest>(undefined)(async (request) => ({
      status: 301,
      headers: { location: `${a}/plain` },
      body: Buffer.from(''),
      url: request.url,
      setCookies: [],
      redirects: [],
      redirectSetCookies: [],
      request,
    }));
    await expect(hop(post('https://127.0.0.1:1/secure', { method: 'GET', body: undefined }))).rejects.toThrow(/from https to http/);
    expect(seen).toEqual([]);
  });
});
