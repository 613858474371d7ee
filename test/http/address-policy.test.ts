import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRefusedError } from '../../sdk/errors.js';
import { isPrivateAddress } from '../../sdk/http/address-policy.js';
import { createFixtureDispatcher } from '../../sdk/http/fixture-dispatcher.js';
import { HttpClient, type Dispatcher, type HttpRequest } from '../../sdk/http/http-client.js';
import { startLoopback, type Loopback } from './loopback.js';

describe('isPrivateAddress', () => {
  it.each([
    // IPv4, each range with its first and last address where it has neighbours worth checking.
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified, last'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private, last'],
    ['100.64.0.0', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT (a cloud metadata service)'],
    ['100.127.255.255', 'carrier-grade NAT, last'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, last'],
    ['169.254.0.0', 'link-local'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['169.254.255.255', 'link-local, last'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private, last'],
    ['192.168.0.0', 'private'],
    ['192.168.255.255', 'private, last'],
    ['192.0.0.1', 'reserved: IETF protocol assignments'],
    ['192.0.2.1', 'reserved: TEST-NET-1'],
    ['192.88.99.1', 'reserved: 6to4 relay anycast'],
    ['198.18.0.0', 'reserved: benchmarking'],
    ['198.18.0.1', 'reserved: benchmarking'],
    ['198.19.255.255', 'reserved: benchmarking, last'],
    ['198.51.100.1', 'reserved: TEST-NET-2'],
    ['203.0.113.1', 'reserved: TEST-NET-3'],
    ['192.31.196.1', 'as112'],
    ['192.175.48.1', 'as112'],
    ['192.52.193.1', 'amt'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast, last'],
    ['240.0.0.1', 'reserved: 240.0.0.0/4'],
    ['255.255.255.254', 'reserved: 240.0.0.0/4, last'],
    ['255.255.255.255', 'broadcast'],
    // IPv6.
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::7f00:1', 'IPv4-compatible (deprecated) ::127.0.0.1'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated), refused whatever it embeds (ipaddr.js alone reads it as mapped)'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated), dotted'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['febf:ffff::1', 'link-local, last /16'],
    ['fec0::1', 'site-local (deprecated)'],
    ['feff:ffff::1', 'site-local, last /16'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local (AWS metadata over IPv6)'],
    ['fdff:ffff::1', 'unique local, last /16'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:198.18.0.1', 'IPv4-mapped benchmarking'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['::ffff:0:7f00:1', 'RFC 6145 translated loopback'],
    ['::ffff:0:a9fe:a9fe', 'RFC 6145 translated metadata'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['64:ff9b:1::808:808', 'local-use NAT64 (RFC 8215), refused whatever it embeds'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:a9fe:a9fe::', '6to4 of metadata'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001::1', 'teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:1ff:ffff::1', 'reserved: IETF protocol assignments 2001::/23, last'],
    ['2001:2::1', 'benchmarking'],
    ['2001:3::1', 'amt'],
    ['2001:4:112::1', 'as112v6'],
    ['2620:4f:8000::1', 'as112v6'],
    ['2001:10::1', 'orchid (deprecated)'],
    ['2001:20::1', 'orchid2'],
    ['2001:30::1', 'drone remote ID'],
    ['2001:db8::1', 'reserved: documentation'],
    ['3fff::1', 'reserved: documentation (RFC 9637)'],
    ['5f00::1', 'segment routing'],
    ['100::1', 'discard'],
    ['1::1', 'unallocated, outside 2000::/3'],
    ['4000::1', 'unallocated, outside 2000::/3'],
    ['e000::1', 'unallocated, outside 2000::/3'],
  ])('%s is refused (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ['8.8.8.8', 'public'],
    ['1.0.0.0', 'first after 0.0.0.0/8'],
    ['9.255.255.255', 'just below 10.0.0.0/8'],
    ['11.0.0.0', 'just above 10.0.0.0/8'],
    ['100.63.255.255', 'just below carrier-grade NAT'],
    ['100.128.0.0', 'just above carrier-grade NAT'],
    ['126.255.255.255', 'just below loopback'],
    ['128.0.0.0', 'just above loopback'],
    ['169.253.255.255', 'just below link-local'],
    ['169.255.0.0', 'just above link-local'],
    ['172.15.255.255', 'just below 172.16.0.0/12'],
    ['172.32.0.1', 'just above 172.16.0.0/12'],
    ['192.167.255.255', 'just below 192.168.0.0/16'],
    ['192.169.0.1', 'just above 192.168.0.0/16'],
    ['198.17.255.255', 'just below benchmarking'],
    ['198.20.0.0', 'just above benchmarking'],
    ['223.255.255.255', 'last before multicast'],
    ['2606:4700::1111', 'public IPv6'],
    ['2001:4860:4860::8888', 'public IPv6'],
    ['2000::1', 'first /16 of 2000::/3'],
    ['2001:200::1', 'just above 2001::/23'],
    ['3ffe:ffff::1', 'just below 3fff::/20'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['::ffff:0:808:808', 'RFC 6145 translated public'],
    ['64:ff9b::808:808', 'NAT64 of a public address (DNS64 answers so on IPv6-only hosts)'],
    ['2002:808:808::1', '6to4 of a public address'],
  ])('%s is reachable (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it.each(['example.com', '', '127.1', '0x7f000001'])('%j is not an IP address, so not private by itself (its lookup is checked)', (text) => {
    expect(isPrivateAddress(text)).toBe(false);
  });
});

describe('HttpClient SSRF guard', () => {
  let server: Loopback;
  /** Every request handed to the host dispatcher below: a refused one never gets here. */
  let dispatched = 0;
  let fixture: ReturnType<typeof createFixtureDispatcher>;
  let counting: Dispatcher;
  const guarded = new HttpClient();
  let guardedWithDispatcher: HttpClient;

  beforeAll(async () => {
    server = await startLoopback((req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to !== null) res.writeHead(302, { location: to });
      res.end('reached');
    });
    // Delivers every request to the loopback server whatever its URL names, so a public IP
    // literal (never contacted) can stand for a public API.
    fixture = createFixtureDispatcher(server.origin);
    counting = fixture.dispatcher.compose((dispatch) => (options, handler) => {
      dispatched++;
      return dispatch(options, handler);
    });
    guardedWithDispatcher = new HttpClient({ dispatcher: counting });
  });
  afterAll(async () => {
    await Promise.all([guarded.close(), guardedWithDispatcher.close()]);
    await fixture.close();
    await server.close();
  });

  const get = (url: string): HttpRequest => ({
    method: 'GET',
    url: new URL(url),
    headers: {},
    maxRedirects: 3,
    responseType: 'buffer',
    // Bounds a regression that does connect; a passing run never opens a socket.
    timeouts: { connectMs: 2000 },
  });
  /** Never contacted: the fixture dispatcher delivers the request to the loopback server. */
  const PUBLIC_IP = '8.8.8.8';

  it.each([
    (port: number) => `http://127.0.0.1:${port}/`,
    (port: number) => `http://127.1:${port}/`,
    (port: number) => `http://0x7f000001:${port}/`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/`,
    (port: number) => `http://[::1]:${port}/`,
    (port: number) => `http://0.0.0.0:${port}/`,
    (port: number) => `http://[64:ff9b::7f00:1]:${port}/`,
    (port: number) => `http://[::ffff:0:7f00:1]:${port}/`,
    (port: number) => `http://[2002:7f00:1::1]:${port}/`,
    (port: number) => `http://[::7f00:1]:${port}/`,
    () => 'http://198.18.0.1/',
    () => 'http://240.0.0.1/',
    () => 'http://[fec0::1]/',
    () => 'http://169.254.169.254/latest/meta-data/',
    () => 'http://10.0.0.1/',
  ])('refuses %s before connecting, with its own agents and with a host dispatcher', async (target) => {
    const url = target(server.port);
    const ip = new URL(url).hostname.replace(/^\[|\]$/g, '');
    for (const client of [guarded, guardedWithDispatcher]) {
      const error = await client.send(get(url)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect((error as Error).message).toMatch(new RegExp(` refused: ${ip.replace(/[.]/g, '\\.')} is a private address \\(allowPrivateNetwork is off\\)$`));
    }
    expect(dispatched).toBe(0);
    expect(server.connections()).toBe(0);
  });

  it('refuses a host name that resolves to a private address, in the connect lookup', async () => {
    const error = await guarded.send(get(`http://localhost:${server.port}/`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toMatch(
      /^refusing to connect: localhost resolves to the private address (127\.0\.0\.1|::1) \(allowPrivateNetwork is off\)$/,
    );
    expect(server.connections()).toBe(0);
  });

  it('checks every redirect hop: a redirect to a private IP literal is refused', async () => {
    const before = { dispatched, received: server.received.length };
    const target = `http://127.0.0.1:${server.port}/internal`;
    const error = await guardedWithDispatcher.send(get(`http://${PUBLIC_IP}/go?to=${encodeURIComponent(target)}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as Error).message).toBe(`GET ${target} refused: 127.0.0.1 is a private address (allowPrivateNetwork is off)`);
    expect(dispatched - before.dispatched).toBe(1);
    expect(server.received.slice(before.received).map((r) => r.url.split('?')[0])).toEqual(['/go']);
  });

  it('lets loopback through when the host allows the private network', async () => {
    const open = new HttpClient({ allowPrivateNetwork: true });
    const before = server.received.length;
    const response = await open.send(get(`http://127.0.0.1:${server.port}/`));
    expect(String(response.body)).toBe('reached');
    expect(server.received.length - before).toBe(1);
    await open.close();
  });
});
