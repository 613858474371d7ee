import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRefusedError } from '../../sdk/errors.js';
import { isPrivateAddress } from '../../sdk/http/address-policy.js';
import { HttpClient, type HttpRequest } from '../../sdk/http/http-client.js';
import { startLoopback, type Loopback } from './loopback.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.100.100.200',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'example.com', ''])(
    '%s is not',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('HttpClient SSRF guard', () => {
  let server: Loopback;
  const guarded = new HttpClient();

  beforeAll(async () => {
    server = await startLoopback((req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to !== null) res.writeHead(302, { location: to });
      res.end('reached');
    });
  });
  afterAll(async () => {
    await guarded.close();
    await server.close();
  });

  const get = (url: string): HttpRequest => ({ method: 'GET', url: new URL(url), headers: {}, maxRedirects: 0, responseType: 'buffer' });

  it.each([
    (port: number) => `http://127.0.0.1:${port}/`,
    (port: number) => `http://127.1:${port}/`,
    (port: number) => `http://0x7f000001:${port}/`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/`,
    (port: number) => `http://[::1]:${port}/`,
    (port: number) => `http://0.0.0.0:${port}/`,
    () => 'http://169.254.169.254/latest/meta-data/',
    () => 'http://10.0.0.1/',
  ])('refuses %s before connecting', async (target) => {
    const url = target(server.port);
    const started = Date.now();
    const error = await guarded.send(get(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toMatch(/is a private address \(allowPrivateNetwork is off\)/);
    // Refused before any socket: nothing can hang (169.254.169.254 would otherwise wait for a connect timeout).
    expect(Date.now() - started).toBeLessThan(500);
    expect(server.connections()).toBe(0);
  });

  it('refuses a host name that resolves to a private address, in the connect lookup', async () => {
    const error = await guarded.send(get(`http://localhost:${server.port}/`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toMatch(/^refusing to connect to localhost: it resolves to the private address (127\.0\.0\.1|::1)/);
    expect(server.connections()).toBe(0);
  });

  it('checks every redirect hop: a redirect to a private IP literal is refused', async () => {
    // A host-supplied dispatcher skips the name check, so the first hop reaches the server by name.
    const agent = new Agent();
    const viaName = new HttpClient({ dispatcher: agent });
    const target = `http://127.0.0.1:${server.port}/internal`;
    const error = await viaName
      .send({ ...get(`http://localhost:${server.port}/go?to=${encodeURIComponent(target)}`), maxRedirects: 3 })
      .catch((e: unknown) => e);
    await agent.close();
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toBe(`GET ${target} refused: 127.0.0.1 is a private address (allowPrivateNetwork is off)`);
    expect(server.received.map((r) => r.url.split('?')[0])).toEqual(['/go']);
  });

  it('lets loopback through when the host allows the private network', async () => {
    const open = new HttpClient({ allowPrivateNetwork: true });
    const response = await open.send(get(`http://127.0.0.1:${server.port}/`));
    expect(String(response.body)).toBe('reached');
    await open.close();
  });
});
