/**
 * The SSRF guard: which addresses a connector may reach unless the host allows the private
 * network. A manifest or a redirect must not turn the SDK into a probe of the host's own
 * network or of a cloud metadata service.
 *
 * ipaddr.js names the special-purpose ranges; only what it calls 'unicast' is reachable, and
 * any range it names later is refused by default. The decisions, per range:
 *
 *   range (ipaddr.js name)                  decision
 *   unicast, IPv4                           reachable
 *   unicast, IPv6 inside 2000::/3           reachable (IANA allocates global unicast only there)
 *   unicast, IPv6 outside 2000::/3          refused: IPv4-compatible ::a.b.c.d (deprecated, the OS
 *                                           may route it to the IPv4 host), fec0::/10 site-local
 *                                           (older ipaddr.js does not name it), unallocated space
 *   ipv4Mapped ::ffff:a.b.c.d               judged by the embedded IPv4: the socket connects to it
 *   rfc6145 ::ffff:0:a.b.c.d                judged by the embedded IPv4 (SIIT translates to it)
 *   rfc6052 64:ff9b::/96 (NAT64)            judged by the embedded IPv4: DNS64 hands these out for
 *                                           public IPv4 hosts, and a translator reaches the rest
 *   rfc6052 64:ff9b:1::/48 (local NAT64)    refused: a site's own translator, embedding not fixed
 *   6to4 2002:AABB:CCDD::/48                judged by the embedded IPv4 AA.BB.CC.DD (its tunnel end)
 *   teredo 2001::/32                        refused: a tunnel whose endpoints hide in the address
 *   private, loopback, linkLocal,           refused: the host's own networks (169.254.169.254 and
 *   uniqueLocal, carrierGradeNat            100.100.100.200 are cloud metadata services)
 *   unspecified, broadcast, multicast       refused: 0.0.0.0 and :: reach the local host
 *   reserved                                refused: 192.0.0.0/24, documentation nets, 198.18.0.0/15
 *                                           benchmarking, 240.0.0.0/4; 2001::/23, 2001:db8::/32, 3fff::/20
 *   benchmarking, amt, as112, as112v6,      refused: special-purpose, never an API server
 *   discard, orchid2, deprecatedOrchid,
 *   droneRemoteIdProtocolEntityTags,
 *   segmentRouting, deprecatedSiteLocal
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestRefusedError } from '../errors.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** Whether an IP address is anything but public unicast (see the table above); false for a non-IP. */
export function isPrivateAddress(address: string): boolean {
  const parsed = parse(address);
  return parsed !== undefined && !isPublic(parsed);
}

/**
 * Node's parsers decide what an address is, as the socket will: ipaddr.js alone would also take
 * shorthand IPv4 forms (host names here) and reads ::a.b.c.d as IPv4-mapped, where the socket
 * sees IPv4-compatible ::AABB:CCDD. The WHATWG URL parser prints IPv6 in plain hex groups.
 */
function parse(address: string): Address | undefined {
  const family = isIP(address);
  if (family === 4) return ipaddr.IPv4.parse(address);
  if (family !== 6) return undefined;
  // A zone (%eth0) does not change the range, and URL does not take one.
  const bare = address.split('%', 1)[0]!;
  return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
}

function isPublic(address: Address): boolean {
  if (address instanceof ipaddr.IPv4) return address.range() === 'unicast';
  const parts = address.parts;
  switch (address.range()) {
    case 'unicast':
      return address.match(GLOBAL_UNICAST);
    case 'ipv4Mapped':
    case 'rfc6145':
      return isPublic(embeddedIPv4(parts[6]!, parts[7]!));
    case 'rfc6052':
      return address.match(NAT64_WELL_KNOWN) && isPublic(embeddedIPv4(parts[6]!, parts[7]!));
    case '6to4':
      return isPublic(embeddedIPv4(parts[1]!, parts[2]!));
    default:
      return false;
  }
}

/** The IPv4 address two 16-bit IPv6 groups carry. */
function embeddedIPv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The URL host as an IP address when it is an IP literal (brackets removed), else undefined. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

/**
 * Why a host name's addresses are refused, or undefined when all are public. Any private one
 * refuses the name: a mixed answer is how DNS rebinding gets in.
 */
export function refusalOf(hostname: string, addresses: readonly LookupAddress[]): string | undefined {
  const blocked = addresses.find((entry) => isPrivateAddress(entry.address));
  return blocked && `${hostname} resolves to the private address ${blocked.address} (allowPrivateNetwork is off)`;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the socket connector that refuses host names resolving to a private address.
 * IP literals never reach a lookup, so the client checks those itself with `isPrivateAddress`.
 */
export function createGuardedLookup(redact: (text: string) => string) {
  return function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (error, addresses) => {
      if (error) return callback(error, []);
      const refusal = refusalOf(hostname, addresses);
      if (refusal !== undefined) return callback(new RequestRefusedError(redact(`refusing to connect: ${refusal}`)), []);
      if (options.all) return callback(null, addresses);
      // dns.lookup never succeeds without an address.
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
