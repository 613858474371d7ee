/**
 * RFC 6901 JSON pointer reference tokens: the one escaping used for every pointer the SDK builds
 * (manifest diagnostics, template locations, data validation paths).
 */

/** Escapes one reference token: `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string): string {
  return token.includes('~') || token.includes('/') ? token.replaceAll('~', '~0').replaceAll('/', '~1') : token;
}

/** Reverses escapePointerToken (`~1` first, so `~01` stays `~1`). */
export function unescapePointerToken(token: string): string {
  return token.includes('~') ? token.replaceAll('~1', '/').replaceAll('~0', '~') : token;
}
