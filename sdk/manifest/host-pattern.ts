/**
 * Allowed host patterns for hosts a server chose (a Salesforce instance URL, a Zoho data-centre
 * API domain, a Sage Intacct endpoint): a credential goes to such a host only when it matches a
 * pattern the manifest declares. Patterns are compiled once and validated for the manifest
 * validator; matching is a few string comparisons per pattern (no regular expression is built
 * from a pattern), so it is linear in the host's length.
 *
 * Syntax:
 *
 *   pattern   = host [ ":" port ]                 without a port: only a host without one (URL.host
 *                                                 omits the scheme's default port); with one: that port
 *   host      = [ wildcards "." ] fixed | ip
 *   wildcards = "*" *( ".*" )                     each "*" is exactly one label (never a dot)
 *             | "**"                              one or more labels
 *   fixed     = part *( "." part )                literal labels, Unicode allowed (compared in punycode)
 *   part      = label | "{" alt *( "," alt ) "}"  alternatives for whole labels; an alt may hold dots
 *   ip        = IPv4 | "[" IPv6 "]"               an IP literal matches only that address
 *
 *   *.my.salesforce.com                  acme.my.salesforce.com (not my.salesforce.com itself)
 *   **.my.salesforce.com                 also acme--dev.sandbox.my.salesforce.com
 *   accounts.zoho.{com,eu,in,com.au,jp}  accounts.zoho.com, accounts.zoho.com.au, …
 *   *.zoho.{com,eu,in,com.au,jp}         www.zoho.eu, …
 *   api.example.com:8443                 only on port 8443
 *
 * Rules: wildcards are whole labels and only the leftmost ones (`api.*.example.com`, `a*.x.com`
 * are refused); a pattern with wildcards must keep a registrable domain fixed, so `*`, `*.com`,
 * `*.co.uk`, `*.github.io`, `*.s3.amazonaws.com` are refused (public suffixes per the Public Suffix
 * List, private section included, through tldts); at most 64 hosts after expanding braces; no
 * empty labels or alternatives. Matching is case-insensitive, ignores one trailing dot on either
 * side, compares IDNs in ASCII (`domainToASCII`, the URL parser's mapping), and never lets a name
 * pattern match an IP address: `127.1`, `2130706433` and `0x7f.0.0.1` are the IPv4 127.0.0.1.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { publicSuffixOf } from '../public-suffix.js';
import { RequestRefusedError } from '../errors.js';

export interface HostPattern {
  /** The pattern as written in the manifest. */
  readonly source: string;
  /** Whether a host (`URL.host` form: `name`, `name:port`, `[v6]:port`) matches. Never throws. */
  matches(host: string): boolean;
}

/** A credential would go to a host no declared pattern allows: refused before any request. */
export class HostNotAllowedError extends RequestRefusedError {
  readonly host: string;
  readonly patterns: readonly string[];
  constructor(host: string, patterns: readonly string[]) {
    const list = patterns.length === 0 ? 'no host pattern is declared' : `it matches none of the allowed host patterns ${patterns.map((p) => `"${p}"`).join(', ')}`;
    super(`refusing to send credentials to "${host}": ${list}`);
    this.host = host;
    this.patterns = patterns;
  }
}

/**
 * Returns the URL when its host matches one of the patterns; throws HostNotAllowedError naming
 * the patterns otherwise (also for text that is not a URL).
 *
 * @example requireAllowedHost(instanceUrl, [compileHostPattern('*.my.salesforce.com')])
 */
export function requireAllowedHost(url: string | URL, patterns: readonly HostPattern[]): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    // The text itself is not echoed: it may hold credentials.
    throw new HostNotAllowedError('(not a URL)', patterns.map((pattern) => pattern.source));
  }
  if (!patterns.some((pattern) => pattern.matches(parsed.host))) {
    throw new HostNotAllowedError(parsed.host, patterns.map((pattern) => pattern.source));
  }
  return parsed;
}

/** Returns what is wrong with a host pattern, or undefined when it can be used. */
export function checkHostPattern(pattern: string): string | undefined {
  const parsed = parsePattern(pattern);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** Compiles a host pattern; throws a TypeError with checkHostPattern's message. */
export function compileHostPattern(pattern: string): HostPattern {
  const parsed = parsePattern(pattern);
  if (typeof parsed === 'string') throw new TypeError(parsed);
  return {
    source: pattern,
    matches(host: string): boolean {
      const target = normalizeHost(host);
      if (target === undefined || target.port !== parsed.port) return false;
      if (parsed.kind === 'ip') return target.kind === 'ip' && target.value === parsed.ip;
      if (target.kind !== 'name') return false;
      return matchesName(target.value, parsed);
    },
  };
}

interface NamePattern {
  kind: 'name';
  /** ASCII, lower-case, without a trailing dot: the hosts (or, after wildcards, the suffixes) braces expand to. */
  fixed: ReadonlySet<string>;
  /** How many labels the wildcards stand for: 0 and 0 without wildcards; `**` is 1 to Infinity. */
  minLabels: number;
  maxLabels: number;
  port: number | undefined;
}

interface IpPattern {
  kind: 'ip';
  ip: string;
  port: number | undefined;
}

function matchesName(host: string, pattern: NamePattern): boolean {
  if (pattern.minLabels === 0) return pattern.fixed.has(host);
  for (const fixed of pattern.fixed) {
    const cut = host.length - fixed.length - 1;
    if (cut < 1 || host.charCodeAt(cut) !== 0x2e || !host.endsWith(fixed)) continue;
    // The wildcard labels: the host was validated, so none is empty.
    let labels = 1;
    for (let index = 0; index < cut; index++) if (host.charCodeAt(index) === 0x2e) labels++;
    if (labels >= pattern.minLabels && labels <= pattern.maxLabels) return true;
  }
  return false;
}

const MAX_PATTERN_LENGTH = 1000;
const MAX_EXPANSIONS = 64;
/** Characters a pattern's host part may hold before IDN mapping: letters, marks, digits and the syntax. */
const PATTERN_CHARACTERS = /^[\p{L}\p{M}\p{N}\-_.*{},]+$/u;
/** An ASCII label (after mapping); underscores are allowed, as the URL parser allows them. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** Code points the URL parser treats as delimiters or forbids in a host, and % (it decodes it). */
const FORBIDDEN_IN_HOST = /[\u0000-\u0020#/:<>?@[\\\]^|%\u007f]/;

function parsePattern(pattern: string): NamePattern | IpPattern | string {
  const shown = `"${shorten(pattern)}"`;
  if (pattern.length === 0) return 'the host pattern is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `the host pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pattern) || pattern.includes('/')) {
    return `${shown} is a URL or a path: write the host alone (for example "*.example.com")`;
  }
  if (pattern.startsWith('[')) return parseIPv6Pattern(pattern, shown);
  const colon = pattern.indexOf(':');
  if (colon !== -1 && pattern.indexOf(':', colon + 1) !== -1) return `${shown}: write an IPv6 address in brackets ("[2001:db8::1]")`;
  const port = colon === -1 ? undefined : parsePort(pattern.slice(colon), shown);
  if (typeof port === 'string') return port;
  let host = colon === -1 ? pattern : pattern.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0) return `${shown} has no host`;
  if (!PATTERN_CHARACTERS.test(host)) {
    const bad = [...host].find((char) => !PATTERN_CHARACTERS.test(char))!;
    return `${shown} contains ${JSON.stringify(bad)}, which a host pattern cannot hold`;
  }
  const wildcards = splitWildcards(host, shown);
  if (typeof wildcards === 'string') return wildcards;
  const expanded = expandBraces(wildcards.rest, shown);
  if (typeof expanded === 'string') return expanded;
  const fixed = new Set<string>();
  for (const text of expanded) {
    const ascii = fixedHost(text, shown, wildcards.minLabels);
    if (typeof ascii === 'string') {
      fixed.add(ascii);
      continue;
    }
    if ('problem' in ascii) return ascii.problem;
    if (wildcards.minLabels > 0 || expanded.length > 1) return `${shown}: an IP address cannot take wildcards or alternatives: write each address alone`;
    return { kind: 'ip', ip: ascii.ip, port };
  }
  return { kind: 'name', fixed, minLabels: wildcards.minLabels, maxLabels: wildcards.maxLabels, port };
}

/** `[v6]` or `[v6]:port`. */
function parseIPv6Pattern(pattern: string, shown: string): IpPattern | string {
  const close = pattern.indexOf(']');
  if (close === -1) return `${shown} opens "[" without closing it`;
  const port = parsePort(pattern.slice(close + 1), shown);
  if (typeof port === 'string') return port;
  const ip = normalizeIPv6(pattern.slice(1, close));
  if (ip === undefined) return `${shown} is not a valid IPv6 address`;
  return { kind: 'ip', ip, port };
}

/** The leftmost wildcard labels and what they stand for, and the rest of the host. */
function splitWildcards(host: string, shown: string): { rest: string; minLabels: number; maxLabels: number } | string {
  let rest = host;
  const wildcards: string[] = [];
  for (;;) {
    const match = /^(\*\*?)(?:\.|$)/.exec(rest);
    if (!match) break;
    wildcards.push(match[1]!);
    rest = rest.slice(match[0].length);
  }
  if (rest === '') return `${shown} would match every host: name the domain the wildcard stands under ("*.example.com")`;
  if (wildcards.includes('**') && wildcards.length > 1) return `${shown}: "**" (one or more labels) cannot be combined with other wildcards`;
  if (rest.includes('*')) {
    const label = rest.split('.').find((part) => part.includes('*'))!;
    return label === '*' || label === '**'
      ? `${shown}: wildcards may only be the leftmost labels ("*.example.com")`
      : `${shown}: "*" must be a whole label ("*.example.com"), not part of "${shorten(label)}"`;
  }
  if (wildcards[0] === '**') return { rest, minLabels: 1, maxLabels: Infinity };
  return { rest, minLabels: wildcards.length, maxLabels: wildcards.length };
}

/**
 * One expansion of the fixed part: its ASCII form, or an IPv4 address (canonical), or a problem.
 * Under wildcards, it must not be a public suffix.
 */
function fixedHost(text: string, shown: string, wildcardLabels: number): string | { ip: string } | { problem: string } {
  const ascii = toAsciiHost(text);
  if (ascii !== undefined && isIP(ascii) === 4) {
    return ascii === text ? { ip: ascii } : { problem: `${shown}: write the IPv4 address as ${ascii}` };
  }
  // The URL parser reads a host whose last label is a number as an IPv4 address.
  if (/(?:^|\.)(?:0x[0-9a-f]*|[0-9]+)$/i.test(text)) {
    return { problem: `${shown}: "${shorten(text)}" ends in a number, so it is neither a host name nor an IPv4 address` };
  }
  if (ascii === undefined) return { problem: `${shown}: "${shorten(text)}" is not a valid host name` };
  const badLabel = ascii.split('.').find((label) => !LABEL.test(label));
  if (badLabel === '') return { problem: `${shown} has an empty label ("..")` };
  if (badLabel !== undefined) {
    return { problem: `${shown}: "${shorten(badLabel)}" is not a valid host label (letters, digits and inner hyphens, at most 63)` };
  }
  if (ascii.length + 2 * wildcardLabels > 253) return { problem: `${shown} is longer than a host name can be (253 characters)` };
  if (wildcardLabels > 0) {
    const suffix = publicSuffixOf(ascii);
    if (suffix === null || suffix === ascii) {
      return { problem: `${shown} would match every host under the public suffix "${ascii}": keep the organisation's domain fixed ("*.example.${ascii}")` };
    }
  }
  return ascii;
}

/** `text` with each `{a,b}` group expanded (cartesian product), or a problem message. */
function expandBraces(text: string, shown: string): string[] | string {
  let results = [''];
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf('{', index);
    const close = text.indexOf('}', index);
    if (close !== -1 && (open === -1 || close < open)) return `${shown} closes "}" without opening it`;
    if (open === -1) {
      const tail = text.slice(index);
      if (tail.includes(',')) return `${shown}: "," may only separate alternatives inside "{…}"`;
      results = results.map((prefix) => prefix + tail);
      break;
    }
    const literal = text.slice(index, open);
    if (literal.includes(',')) return `${shown}: "," may only separate alternatives inside "{…}"`;
    if (close === -1) return `${shown} opens "{" without closing it`;
    const inner = text.slice(open + 1, close);
    if (inner.includes('{')) return `${shown}: braces cannot be nested`;
    if ((open > 0 && text[open - 1] !== '.') || (close + 1 < text.length && text[close + 1] !== '.')) {
      return `${shown}: braces must hold whole labels ("api.example.{com,eu}"), not part of one`;
    }
    const alternatives = inner.split(',');
    if (alternatives.some((alternative) => alternative === '')) return `${shown} has an empty alternative in "{${shorten(inner)}}"`;
    if (alternatives.some((alternative) => alternative.startsWith('.') || alternative.endsWith('.'))) {
      return `${shown}: an alternative in "{${shorten(inner)}}" starts or ends with "."`;
    }
    if (results.length * alternatives.length > MAX_EXPANSIONS) return `${shown} expands to more than ${MAX_EXPANSIONS} hosts`;
    results = results.flatMap((prefix) => alternatives.map((alternative) => prefix + literal + alternative));
    index = close + 1;
  }
  return results;
}

function parsePort(text: string, shown: string): number | undefined | string {
  if (text === '') return undefined;
  const port = /^:([1-9][0-9]{0,4})$/.exec(text);
  const value = port ? Number(port[1]) : NaN;
  return value >= 1 && value <= 65535 ? value : `${shown}: "${shorten(text.slice(1))}" is not a port (1 to 65535)`;
}

type Target = { kind: 'name' | 'ip'; value: string; port: number | undefined };

/** A host in URL.host form, as the URL parser would read it; undefined when it is not a host. */
function normalizeHost(input: string): Target | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 1000) return undefined;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close === -1) return undefined;
    const port = parsePort(input.slice(close + 1), '');
    const ip = normalizeIPv6(input.slice(1, close));
    if (typeof port === 'string' || ip === undefined) return undefined;
    return { kind: 'ip', value: ip, port };
  }
  if (isIP(input) === 6) {
    const ip = normalizeIPv6(input);
    return ip === undefined ? undefined : { kind: 'ip', value: ip, port: undefined };
  }
  const colon = input.indexOf(':');
  const port = colon === -1 ? undefined : parsePort(input.slice(colon), '');
  if (typeof port === 'string') return undefined;
  const name = colon === -1 ? input : input.slice(0, colon);
  const ascii = toAsciiHost(name.endsWith('.') ? name.slice(0, -1) : name);
  if (ascii === undefined) return undefined;
  if (isIP(ascii) === 4) return { kind: 'ip', value: ascii, port };
  if (ascii.length > 253 || !ascii.split('.').every((label) => LABEL.test(label))) return undefined;
  return { kind: 'name', value: ascii, port };
}

/**
 * The URL parser's host mapping (UTS #46: lower case, punycode, IPv4 number forms), after
 * refusing what it would otherwise cut or decode: `domainToASCII('a.com/x')` is "a.com" and
 * `%41` becomes "a". Undefined for a host it refuses.
 */
function toAsciiHost(name: string): string | undefined {
  if (name.length === 0 || FORBIDDEN_IN_HOST.test(name)) return undefined;
  const ascii = domainToASCII(name);
  return ascii === '' ? undefined : ascii;
}

function normalizeIPv6(text: string): string | undefined {
  if (isIP(text) !== 6) return undefined;
  try {
    return new URL(`http://[${text}]/`).hostname;
  } catch {
    return undefined;
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
