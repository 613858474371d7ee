/**
 * Set-Cookie parsing: the only door to set-cookie-parser. It turns header lines into plain
 * attribute data; what a user agent does with them (RFC 6265 §5.3 storage) is the cookie jar's
 * business (`sdk/store/cookie-jar.ts`).
 */
import { parseSetCookie, splitCookiesString } from 'set-cookie-parser';

export interface ParsedCookie {
  name: string;
  /** Verbatim, never percent-decoded: it is echoed back byte for byte. */
  value: string;
  /** As sent (the jar lowercases it and drops a leading dot). */
  domain?: string;
  path?: string;
  /** Epoch ms; absent when the attribute is missing or unparseable. */
  expires?: number;
  /** Seconds. */
  maxAge?: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  /** The whole Set-Cookie line, for diagnosis (it holds the value: never log it). */
  raw: string;
}

// silent: the parser would otherwise console.warn the dropped line; split is done by us to keep `raw`.
const OPTIONS = { decodeValues: false, silent: true, split: false } as const;

/**
 * Parses Set-Cookie header values (an array holds one line per entry; a single string may be
 * several lines joined by commas). Malformed lines, empty names and names that exist on
 * `Object.prototype` (`__proto__`, `constructor`, dropped by the parser) are skipped.
 *
 * @example parseSetCookies(response.setCookies) // [{ name: 'sid', value: 'a1', path: '/', secure: true, … }]
 */
export function parseSetCookies(headerValues: string[] | string | undefined): ParsedCookie[] {
  if (headerValues === undefined) return [];
  const lines = typeof headerValues === 'string' ? splitCookiesString(headerValues) : headerValues;
  const cookies: ParsedCookie[] = [];
  for (const raw of lines) {
    const parsed = parseSetCookie(raw, OPTIONS)[0];
    // RFC 6265 §5.2 steps 2 and 5: a line without "name=" is ignored entirely.
    if (!parsed?.name) continue;
    const expires = parsed.expires?.getTime();
    cookies.push({
      name: parsed.name,
      value: parsed.value,
      domain: parsed.domain || undefined,
      path: parsed.path || undefined,
      expires: expires !== undefined && Number.isFinite(expires) ? expires : undefined,
      maxAge: parsed.maxAge,
      secure: parsed.secure === true,
      httpOnly: parsed.httpOnly === true,
      sameSite: parsed.sameSite || undefined,
      raw,
    });
  }
  return cookies;
}
