/**
 * A host behind a forward proxy hands in undici's ProxyAgent (ConnectOptions.dispatcher): a
 * buffered answer (read through undici's handler protocol) and a download (request() and its
 * stream) both go through a real CONNECT proxy on loopback, and the caps and the caller's abort
 * hold there too. The target accepts connections only through the proxy's tunnels.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { startLoopback, type Loopback } from './loopback.js';

const PAYLOAD = JSON.stringify({ data: { items: Array.from({ length: 50 }, (_, i) => ({ id: i })) } });

let target: Loopback;
let proxy: Server;
let proxyOrigin = '';
const tunnels: string[] = [];
const proxySockets = new Set<Socket>();
let agent: ProxyAgent;
let client: HttpClient;

beforeAll(async () => {
  target = await startLoopback((req, res) => {
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"partial":');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] }).end(PAYLOAD);
  });
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    proxySockets.add(socket);
    socket.on('close', () => proxySockets.delete(socket));
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyOrigin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  agent = new ProxyAgent(proxyOrigin);
  client = new HttpClient({ dispatcher: agent, allowPrivateNetwork: true });
});

afterAll(async () => {
  await client.close();
  await agent.close();
  for (const socket of proxySockets) socket.destroy();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await target.close();
});

const get = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({ method: 'GET', url: new URL(`${target.origin}${path}`), headers: { accept: 'application/json' }, maxRedirects: 0, responseType: 'buffer', ...extra });

describe('HttpClient through a host ProxyAgent and a CONNECT proxy', () => {
  it('reads buffered answers and downloads through the tunnel, with every Set-Cookie line', async () => {
    const first = await client.send(get('/one'));
    const second = await client.send(get('/two'));
    const download = await client.send(get('/three', { responseType: 'stream' }));
    const chunks: Buffer[] = [];
    for await (const chunk of download.body as Readable) chunks.push(chunk as Buffer);
    expect([first.status, second.status, download.status]).toEqual([200, 200, 200]);
    expect(JSON.parse((first.body as Buffer).toString())).toEqual(JSON.parse(PAYLOAD));
    expect((second.body as Buffer).toString()).toBe(PAYLOAD);
    expect(Buffer.concat(chunks).toString()).toBe(PAYLOAD);
    expect(first.setCookies).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(target.received.map((r) => [r.url, r.headers.accept])).toEqual([
      ['/one', 'application/json'],
      ['/two', 'application/json'],
      ['/three', 'application/json'],
    ]);
    // Every hop went through the proxy, to the target (how many tunnels undici keeps open is its own affair).
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([`127.0.0.1:${target.port}`]));
    expect(target.connections()).toBe(tunnels.length);
  });

  it('the byte cap and the caller\'s abort hold through the proxy', async () => {
    const before = target.received.length;
    const tooLarge = await client.send(get('/big', { maxResponseBytes: 100 })).catch((error: Error) => error);
    expect(tooLarge).toMatchObject({ code: 'CONNECTOR_RESPONSE_TOO_LARGE' });
    const controller = new AbortController();
    const stalled = client.send(get('/stall', { signal: controller.signal }));
    await until(() => target.received.length === before + 2);
    controller.abort(new Error('the host gave up'));
    await expect(stalled).rejects.toMatchObject({ name: 'AbortError', cause: { message: 'the host gave up' } });
    expect((await client.send(get('/after'))).status).toBe(200);
    expect(target.received.map((r) => r.url).slice(before)).toEqual(['/big', '/stall', '/after']);
  });
});

/** Polls until the condition holds (the server has seen a request): no fixed sleep. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
