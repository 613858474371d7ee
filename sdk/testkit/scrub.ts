/**
 * Turning secrets into placeholders before a recording touches the disk: each known secret
 * value (a credential marked x-secret, a token, a cookie) becomes its placeholder wherever it
 * appears, raw or in any encoding it travels in — the redactor's list (`secretEncodings`), so
 * the recorder and the redactor never disagree about what a secret looks like.
 * `leaks` is the last check: it finds any known secret still in clear in a text.
 */
import { secretEncodings } from '../redact.js';
import { mapJsonStrings } from './json-strings.js';

interface Entry {
  /** The raw value and its encodings, longest first. */
  forms: string[];
  placeholder: string;
}

/** Shorter values are too likely to be ordinary text. */
const MIN_LENGTH = 3;
const PLACEHOLDER = /\{\{[^{}]*\}\}/g;

export class SecretScrubber {
  readonly #entries = new Map<string, Entry>();

  /** Registers a secret; the first placeholder given for a value wins. */
  add(value: unknown, placeholder: string): void {
    if (typeof value !== 'string' || value.length < MIN_LENGTH || this.#entries.has(value)) return;
    const forms = secretEncodings(value).filter((form) => form.length >= MIN_LENGTH);
    this.#entries.set(value, { forms: forms.sort((a, b) => b.length - a.length), placeholder });
  }

  /** The placeholder registered for exactly this value. */
  placeholderOf(value: string): string | undefined {
    return this.#entries.get(value)?.placeholder;
  }

  /** Every registered secret in `text` replaced by its placeholder; longer secrets first, placeholders left alone. */
  text(text: string): string {
    // Placeholders already in the text (or put there by an earlier secret) are never rewritten.
    let parts = text.split(/(\{\{[^{}]*\}\})/).filter((part) => part !== '');
    for (const entry of this.#sorted()) {
      for (const form of entry.forms) {
        parts = parts.flatMap((part) => (isPlaceholder(part) || !part.includes(form) ? [part] : interleave(part.split(form), entry.placeholder)));
      }
    }
    return parts.join('');
  }

  /** A JSON value with every string (keys included) scrubbed. */
  json(value: unknown): unknown {
    return mapJsonStrings(value, (text) => this.text(text));
  }

  /** The placeholders of the secrets still in clear in `text` (never the secrets themselves). */
  leaks(text: string): string[] {
    const clear = text.replace(PLACEHOLDER, '');
    const found: string[] = [];
    for (const [value, entry] of this.#entries) {
      if (entry.forms.some((form) => clear.includes(form)) || clear.includes(value)) found.push(entry.placeholder);
    }
    return found;
  }

  #sorted(): Entry[] {
    return [...this.#entries.values()].sort((a, b) => (b.forms[0]?.length ?? 0) - (a.forms[0]?.length ?? 0));
  }
}

function isPlaceholder(part: string): boolean {
  return part.startsWith('{{') && part.endsWith('}}') && /^\{\{[^{}]*\}\}$/.test(part);
}

/** `pieces` joined by `placeholder`, the placeholder kept as a part of its own. */
function interleave(pieces: string[], placeholder: string): string[] {
  const out: string[] = [];
  pieces.forEach((piece, i) => {
    if (i > 0) out.push(placeholder);
    if (piece !== '') out.push(piece);
  });
  return out;
}
