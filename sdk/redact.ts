/**
 * The one place that masks secrets. A connection registers every secret it learns (x-secret
 * credentials, tokens, refresh tokens, cookie values, rendered Authorization values) and runs
 * every message, event and log line through `redact` before it leaves the SDK.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values would mask ordinary words; such secrets are masked by field, not by value. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;
  #dirty = false;

  /** Registers a secret and the encodings it travels in (URL, form, JSON, Basic). */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const before = this.#secrets.size;
    for (const form of encodings(value)) if (form.length >= MIN_SECRET_LENGTH) this.#secrets.add(form);
    if (this.#secrets.size !== before) this.#dirty = true;
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

  /** Deep copy of a JSON-like value with every string redacted (for events and error bodies). */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object' || depth > 20) return depth > 20 ? REDACTED : value;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEYS.test(key) ? REDACTED : this.redactValue(item, depth + 1);
    }
    return out;
  }
}

/** Keys whose values are secret whatever they hold (token responses echoed in error bodies). */
const SECRET_KEYS = /^(?:access_?token|refresh_?token|id_?token|client_?secret|password|passwd|secret|authorization|cookie|set-cookie|api_?key|assertion|private_?key|token)$/i;

function encodings(value: string): string[] {
  const uri = encodeURIComponent(value);
  return [
    value,
    uri,
    uri.replace(/%20/g, '+'),
    JSON.stringify(value).slice(1, -1),
    Buffer.from(value, 'utf8').toString('base64'),
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
