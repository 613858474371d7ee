/**
 * The SSRF guard: which addresses a connector may reach unless the host allows the private
 * network. A manifest or a redirect must not turn the SDK into a probe of the host's own
 * network or of a cloud metadata service.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { RequestRefusedError } from '../errors.js';

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT; also some clouds' metadata services
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is loopback, link-local, private or unspecified (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  // BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 rules.
  return family !== 0 && PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL host as an IP address when it is an IP literal (brackets removed), else undefined. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the socket connector that refuses host names resolving to a private address
 * (any of them: a mixed answer is how DNS rebinding gets in). IP literals never reach a lookup,
 * so the client checks those itself with `isPrivateAddress`.
 */
export function createGuardedLookup(redact: (text: string) => string) {
  return function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (error, addresses) => {
      if (error) return callback(error, []);
      const blocked = addresses.find((entry) => isPrivateAddress(entry.address));
      if (blocked) {
        return callback(
          new RequestRefusedError(
            redact(`refusing to connect to ${hostname}: it resolves to the private address ${blocked.address} (allowPrivateNetwork is off)`),
          ),
          [],
        );
      }
      if (options.all) return callback(null, addresses);
      // dns.lookup never succeeds without an address.
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
