/**
 * The Public Suffix List (through tldts, with its private domains): cookie domains
 * (store/cookie-jar.ts) and host patterns that would match a whole suffix (manifest/host-pattern.ts).
 * tldts is loaded on the first question, not at import: its list is the largest module the SDK
 * loads, and `connector validate` of a manifest without wildcard host patterns never needs it.
 */
import { createRequire } from 'node:module';

type GetPublicSuffix = (host: string, options: { allowPrivateDomains: boolean; extractHostname: boolean }) => string | null;

let getPublicSuffix: GetPublicSuffix | undefined;

/**
 * The public suffix of a host name (lower-case ASCII, no port), or null when it has none.
 *
 * @example publicSuffixOf('shop.example.co.uk') // 'co.uk'
 */
export function publicSuffixOf(host: string): string | null {
  getPublicSuffix ??= (createRequire(import.meta.url)('tldts') as { getPublicSuffix: GetPublicSuffix }).getPublicSuffix;
  return getPublicSuffix(host, { allowPrivateDomains: true, extractHostname: false });
}
