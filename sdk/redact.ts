/**
 * The one place that masks secrets. A connection registers every secret it learns (x-secret
 * credentials, tokens — issued or read from a store —, refresh tokens, cookie values, rendered
 * Authorization values) and runs every message, error field, event and log line through it
 * before it leaves the SDK.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values would mask ordinary words; such secrets are masked by field, not by value. */
const MIN_SECRET_LENGTH = 4;
/** Deeper values are replaced whole: nothing the SDK builds nests this far. */
const MAX_DEPTH = 20;

export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;
  #dirty = false;

  /** Registers a secret and every encoding it travels in (see `secretEncodings`). */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const before = this.#secrets.size;
    for (const form of secretEncodings(value)) if (form.length >= MIN_SECRET_LENGTH) this.#secrets.add(form);
    if (this.#secrets.size !== before) this.#dirty = true;
  }

  /** Whether `text` holds a registered secret in any of its encodings. */
  holdsSecret(text: string): boolean {
    return this.redact(text) !== text;
  }

  redact(text: string): string {
    if (this.#secrets.size === 0) return text;
    if (this.#dirty || !this.#pattern) {
      const alternatives = [...this.#secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#pattern = new RegExp(alternatives.join('|'), 'g');
      this.#dirty = false;
    }
    return text.replace(this.#pattern, REDACTED);
  }

  /** Deep copy of a JSON-like value with every string (keys included) redacted, for events and error bodies. */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > MAX_DEPTH) return REDACTED;
    if (value instanceof Error) return this.redactError(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    if (value instanceof URL) return this.redact(value.href);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[this.redact(key)] = SECRET_KEYS.test(key) ? REDACTED : this.redactValue(item, depth + 1);
    }
    return out;
  }

  /**
   * Cleans an error in place, and everything it holds: message, stack, every own field (strings
   * redacted, structured values replaced by redacted copies), the whole `cause` chain and an
   * AggregateError's `errors`. Returns the same error, so its class and `instanceof` survive.
   */
  redactError<E>(error: E, seen = new Set<object>()): E {
    if (!(error instanceof Error) || seen.has(error)) return error;
    seen.add(error);
    for (const key of Reflect.ownKeys(error)) {
      if (typeof key !== 'string') continue;
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (!descriptor || !('value' in descriptor) || (!descriptor.writable && !descriptor.configurable)) continue;
      const value: unknown = descriptor.value;
      const clean =
        value instanceof Error
          ? this.redactError(value, seen)
          : key === 'errors' && Array.isArray(value)
            ? value.map((item: unknown) => (item instanceof Error ? this.redactError(item, seen) : this.redactValue(item)))
            : this.redactValue(value);
      if (clean !== value) Object.defineProperty(error, key, { ...descriptor, value: clean });
    }
    return error;
  }
}

/** Keys whose values are secret whatever they hold (token responses echoed in error bodies). */
const SECRET_KEYS = /^(?:access_?token|refresh_?token|id_?token|client_?secret|password|passwd|secret|authorization|cookie|set-cookie|api_?key|assertion|private_?key|token)$/i;

/**
 * Every form a secret may take on its way out: as is; percent-encoded as encodeURIComponent
 * does (also with ' escaped, as a URL's query ends up), as forms do (space as +) and as
 * URLSearchParams does (which also escapes ! ' ( ) ~);
 * JSON-escaped, also with non-ASCII as \u escapes and / as \/ (other servers' JSON encoders);
 * HTML-escaped (error pages that echo a request); Base64 and Base64url.
 */
export function secretEncodings(value: string): string[] {
  const uri = encodeURIComponent(value);
  const json = JSON.stringify(value).slice(1, -1);
  const bytes = Buffer.from(value, 'utf8');
  return [
    ...new Set([
      value,
      uri,
      // A URL's parser escapes ' in a query string (the special-query set) after encodeURIComponent left it.
      uri.replace(/'/g, '%27'),
      uri.replace(/%20/g, '+'),
      new URLSearchParams([['', value]]).toString().slice(1),
      json,
      asciiJson(json),
      json.replace(/\//g, '\\/'),
      escapeHtml(value),
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ]),
  ];
}

function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
