/**
 * The placeholders of test responses and recorded fixtures. Serving a response fills them:
 * `{{access_token}}`, `{{refresh_token}}` and `{{cookie:NAME}}` with a fresh fake value (one
 * per response, however often it appears in it), `{{secret:NAME}}` with the scenario's
 * credential, `{{now}}` / `{{now+N}}` with epoch seconds, `{{now_iso+N}}` with an ISO 8601 instant
 * (as `expires_at` fields carry one) and `{{http_date+N}}` with an HTTP date, all on the virtual
 * clock. Unknown placeholders stay as written.
 */
import { randomBytes } from 'node:crypto';
import { mapJsonStrings } from './json-strings.js';

const PLACEHOLDER =
  /\{\{\s*(access_token|refresh_token|cookie:[^\s{}]+|secret:[A-Za-z0-9_]+|now_iso|now|http_date)\s*(?:([+-])\s*(\d{1,10})\s*)?\}\}/g;

/** Placeholders whose presence makes a route a token endpoint. */
const TOKEN_PLACEHOLDER = /\{\{\s*(?:access_token|refresh_token)\s*\}\}/;

/** What filling one response minted: the values the server must now recognise. */
export interface Minted {
  accessToken?: string;
  refreshToken?: string;
  cookies: Map<string, string>;
}

/** Fills the placeholders of one response: every value it mints is the same throughout it. */
export class PlaceholderFiller {
  readonly minted: Minted = { cookies: new Map() };
  readonly #now: number;
  readonly #credentials: Readonly<Record<string, unknown>>;
  readonly #serial: number;
  readonly #issued: Set<string> | undefined;

  /** `serial` numbers the response, so fake values say where they came from; every value minted is also added to `issued`. */
  constructor(now: number, credentials: Readonly<Record<string, unknown>>, serial: number, issued?: Set<string>) {
    this.#now = now;
    this.#credentials = credentials;
    this.#serial = serial;
    this.#issued = issued;
  }

  text(template: string): string {
    return template.replace(PLACEHOLDER, (whole, name: string, sign: string | undefined, amount: string | undefined) => {
      const offset = amount === undefined ? 0 : Number(amount) * (sign === '-' ? -1 : 1);
      if (name === 'now') return String(Math.floor(this.#now / 1000) + offset);
      if (name === 'http_date') return new Date(this.#now + offset * 1000).toUTCString();
      // Whole seconds, as token endpoints write it: 2026-01-01T01:00:00Z.
      if (name === 'now_iso') return new Date(Math.floor(this.#now / 1000) * 1000 + offset * 1000).toISOString().replace('.000Z', 'Z');
      if (amount !== undefined) return whole;
      if (name === 'access_token') return (this.minted.accessToken ??= this.#mint('at'));
      if (name === 'refresh_token') return (this.minted.refreshToken ??= this.#mint('rt'));
      if (name.startsWith('cookie:')) {
        const cookie = name.slice(7);
        let value = this.minted.cookies.get(cookie);
        if (value === undefined) this.minted.cookies.set(cookie, (value = this.#mint('ck')));
        return value;
      }
      const credential = this.#credentials[name.slice(7)];
      return typeof credential === 'string' || typeof credential === 'number' || typeof credential === 'boolean' ? String(credential) : whole;
    });
  }

  /** A JSON value with every string filled (keys included). */
  json(value: unknown): unknown {
    return mapJsonStrings(value, (text) => this.text(text));
  }

  #mint(kind: string): string {
    const value = fake(kind, this.#serial);
    this.#issued?.add(value);
    return value;
  }
}

/** Whether a response (any of its strings) issues an access or refresh token. */
export function issuesTokens(response: unknown): boolean {
  return TOKEN_PLACEHOLDER.test(JSON.stringify(response) ?? '');
}

/** A fake secret: recognisable in a report (`at3_…`), unique, and made of URL-safe characters only. */
function fake(kind: string, serial: number): string {
  return `${kind}${serial}_${randomBytes(12).toString('hex')}`;
}
