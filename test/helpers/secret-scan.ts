/**
 * The suite-wide secret scanner. Tests register the secrets they use (credentials, tokens a
 * test server issues, cookies) and route every error, event and output line they see through
 * `record`; after each file, `secret-scan.setup.ts` fails if anything recorded contains one of
 * them, in any encoding the SDK or a server may produce.
 *
 * The check is independent of the code under test: the encodings are computed here (see
 * `secretForms`), never taken from the SDK's redactor. What is looked at, per recorded value:
 * - an error: its message, its stack, JSON.stringify of it (every own enumerable field),
 *   util.inspect of it (which shows the cause chain and an AggregateError's errors), every string
 *   its fields hold (each on its own: JSON.stringify and util.inspect escape a string once more,
 *   which would hide a secret a field holds JSON-escaped), and the same, recursively, for every
 *   `cause`, every element of `errors` and every error held in a field;
 * - anything else: JSON.stringify, util.inspect and every string it holds, plus the above for
 *   every error nested in it; a string is looked at as it is.
 * Texts are taken when the value is recorded (a later in-place scrub does not hide a leak).
 * Reports never print a secret: a short prefix of its raw form, the encoding that matched and
 * where, with every secret in the quoted context masked.
 */
import { inspect, types } from 'node:util';

/** Every encoding the scanner looks for; `raw` first. */
export const ENCODINGS = [
  'raw',
  'uri', // encodeURIComponent
  'form', // encodeURIComponent with + for space (HTML forms)
  'url-query', // what a URL's parser makes of an encodeURIComponent value in a query: ' → %27
  'urlsearchparams', // URLSearchParams, which also escapes ! ' ( ) ~
  'json', // JSON string escaping
  'json-ascii', // JSON with non-ASCII as \u escapes (Python's json.dumps, many servers)
  'base64',
  'base64-unpadded',
  'base64url',
] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface SecretForm {
  encoding: Encoding;
  text: string;
}

/** Secrets and forms shorter than this would match ordinary text; they are not looked for. */
export const MIN_FORM_LENGTH = 4;

/** The distinct forms of `secret`, each labelled with the first encoding that produces it. */
export function secretForms(secret: string): SecretForm[] {
  if (secret.length < MIN_FORM_LENGTH) return [];
  const bytes = Buffer.from(secret, 'utf8');
  const uri = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const base64 = bytes.toString('base64');
  const all: [Encoding, string][] = [
    ['raw', secret],
    ['uri', uri],
    ['form', uri.replace(/%20/g, '+')],
    ['url-query', new URL(`http://x.test/?q=${uri}`).search.slice(3)],
    ['urlsearchparams', new URLSearchParams([['', secret]]).toString().slice(1)],
    ['json', json],
    ['json-ascii', json.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)],
    ['base64', base64],
    ['base64-unpadded', base64.replace(/=+$/, '')],
    ['base64url', bytes.toString('base64url')],
  ];
  const forms: SecretForm[] = [];
  const texts = new Set<string>();
  for (const [encoding, text] of all) {
    if (text.length < MIN_FORM_LENGTH || texts.has(text)) continue;
    texts.add(text);
    forms.push({ encoding, text });
  }
  return forms;
}

/** One text taken from a recorded value, and where it came from (`HttpError.cause.message`). */
export interface Surface {
  where: string;
  text: string;
}

/** A secret found in a surface. */
export interface Hit {
  secret: string;
  encoding: Encoding;
  where: string;
  /** The surface's text around the hit, every secret in it masked. */
  context: string;
}

/** Cause chains, AggregateErrors and inspect are followed this deep. */
const MAX_DEPTH = 8;
/** Fields are read this deep, and at most this many strings per recorded value. */
const MAX_FIELD_DEPTH = 32;
const MAX_STRINGS = 10_000;
const INSPECT = { depth: 8, showHidden: false } as const;

/**
 * Every text the scanner looks at for `value` (see the file comment). Besides the whole
 * JSON.stringify and util.inspect, each string held in a field is a surface of its own: both
 * escape it once more, which would hide a secret a field holds JSON-escaped.
 */
export function surfacesOf(value: unknown, label = labelOf(value)): Surface[] {
  const out: Surface[] = [];
  const visited = new Set<object>();
  let strings = 0;

  const whole = (where: string, item: unknown) => {
    out.push({ where: `${where} (JSON.stringify)`, text: stringify(item) });
    out.push({ where: `${where} (util.inspect)`, text: inspectText(item) });
  };

  const visitError = (error: Error, where: string, depth: number) => {
    if (visited.has(error)) return;
    visited.add(error);
    out.push({ where: `${where}.message`, text: String(read(error, 'message') ?? '') });
    const stack = read(error, 'stack');
    if (stack !== undefined) out.push({ where: `${where}.stack`, text: String(stack) });
    whole(where, error);
    fields(error, where, depth, ['cause', 'errors']);
    if (depth >= MAX_DEPTH) return;
    const cause = read(error, 'cause');
    if (cause !== undefined && cause !== null) visit(cause, `${where}.cause`, depth + 1);
    const errors = read(error, 'errors');
    if (Array.isArray(errors)) errors.forEach((item, index) => visit(item, `${where}.errors[${index}]`, depth + 1));
  };

  /** The own enumerable fields of an object, every string in them and every error they hold. */
  const fields = (item: object, where: string, depth: number, skip: string[] = []) => {
    const keys = Object.keys(item).filter((key) => !skip.includes(key));
    if (keys.length > 0) out.push({ where: `${where} (field names)`, text: keys.join('\n') });
    for (const key of keys) walk(read(item, key), `${where}.${key}`, depth + 1);
  };

  const walk = (item: unknown, where: string, depth: number) => {
    if (typeof item === 'string') {
      if (strings++ < MAX_STRINGS) out.push({ where, text: item });
      return;
    }
    if (item === null || typeof item !== 'object' || depth > MAX_FIELD_DEPTH) return;
    if (isError(item)) return visitError(item, where, depth);
    if (visited.has(item)) return;
    visited.add(item);
    if (item instanceof Map) {
      let index = 0;
      for (const [key, entry] of item) {
        walk(key, `${where}<key ${index}>`, depth + 1);
        walk(entry, `${where}<value ${index++}>`, depth + 1);
      }
    } else if (item instanceof Set) {
      let index = 0;
      for (const entry of item) walk(entry, `${where}<${index++}>`, depth + 1);
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => walk(element, `${where}[${index}]`, depth + 1));
    } else {
      fields(item, where, depth);
    }
  };

  const visit = (item: unknown, where: string, depth: number) => {
    if (item === undefined || item === null) return;
    if (isError(item)) return visitError(item, where, depth);
    if (typeof item !== 'string') whole(where, item);
    walk(item, where, depth);
  };

  visit(value, label, 0);
  return out;
}

/**
 * Finds registered secrets, in every form, in texts. Indexed by the first three characters of
 * each form, so a text is read once whatever the number of secrets.
 */
export class SecretMatcher {
  readonly #index = new Map<number, { secret: string; form: SecretForm }[]>();
  /** A hash of every form's first two characters: most positions of a text are skipped on it. */
  readonly #pairs = new Uint8Array(65_536);
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  get size(): number {
    return this.#secrets.size;
  }

  add(secret: string): void {
    if (typeof secret !== 'string' || secret.length < MIN_FORM_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    for (const form of secretForms(secret)) {
      this.#pairs[pairAt(form.text, 0)] = 1;
      const key = keyAt(form.text, 0);
      const bucket = this.#index.get(key);
      if (bucket) bucket.push({ secret, form });
      else this.#index.set(key, [{ secret, form }]);
    }
  }

  /** Every occurrence of a form in `text`: start, end, secret and encoding. */
  find(text: string): { start: number; end: number; secret: string; encoding: Encoding }[] {
    const found: { start: number; end: number; secret: string; encoding: Encoding }[] = [];
    if (this.#index.size === 0 || text.length < MIN_FORM_LENGTH) return found;
    const pairs = this.#pairs;
    for (let i = 0; i + MIN_FORM_LENGTH <= text.length; i++) {
      if (pairs[pairAt(text, i)] === 0) continue;
      const bucket = this.#index.get(keyAt(text, i));
      if (!bucket) continue;
      for (const { secret, form } of bucket) {
        if (text.startsWith(form.text, i)) found.push({ start: i, end: i + form.text.length, secret, encoding: form.encoding });
      }
    }
    return found;
  }

  /** The secrets in the surfaces, one hit per (surface, secret, encoding). */
  hits(surfaces: readonly Surface[]): Hit[] {
    const hits: Hit[] = [];
    for (const surface of surfaces) {
      const found = this.find(surface.text);
      const reported = new Set<string>();
      for (const match of found) {
        const id = `${match.secret}\u0000${match.encoding}`;
        if (reported.has(id)) continue;
        reported.add(id);
        hits.push({ secret: match.secret, encoding: match.encoding, where: surface.where, context: masked(surface.text, found, match.start) });
      }
    }
    return hits;
  }
}

/** The pure check: which of `secrets` (in any form) does `value` carry, and where. */
export function findSecrets(value: unknown, secrets: Iterable<string>): Hit[] {
  return new SecretMatcher(secrets).hits(surfacesOf(value));
}

/** A short prefix of a secret, for messages: never more than half of it. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, Math.min(6, Math.floor(secret.length / 2)))}…`;
}

/** One line per recorded value and secret: prefix, encodings, where, masked context. */
export function describeHits(item: string, hits: readonly Hit[]): string[] {
  const bySecret = new Map<string, Hit[]>();
  for (const hit of hits) bySecret.set(hit.secret, [...(bySecret.get(hit.secret) ?? []), hit]);
  return [...bySecret].map(([secret, list]) => {
    const encodings = [...new Set(list.map((hit) => hit.encoding))].join(', ');
    const wheres = [...new Set(list.map((hit) => hit.where))];
    const shown = wheres.slice(0, 6).join('; ') + (wheres.length > 6 ? `; … (${wheres.length - 6} more)` : '');
    return `${secretHint(secret)} (${encodings}) in ${item}: ${shown} — ${list[0]?.context ?? ''}`;
  });
}

export interface ScanReport {
  recorded: number;
  leaks: string[];
}

/** A registry of secrets and recorded values; the module's functions use one for the whole file. */
export class SecretScanner {
  readonly #matcher = new SecretMatcher();
  readonly #items: { label: string; surfaces: Surface[] }[] = [];
  #cache: { secrets: number; items: number; leaks: string[] } | undefined;

  registerSecret(...values: string[]): void {
    for (const value of values) this.#matcher.add(value);
  }

  record(value: unknown, label?: string): void {
    const name = label ?? labelOf(value);
    this.#items.push({ label: `#${this.#items.length + 1} ${name}`, surfaces: surfacesOf(value, name) });
  }

  scanReport(): ScanReport {
    const cache = this.#cache;
    // Only the items recorded since the last report need reading, unless a secret was added.
    const from = cache && cache.secrets === this.#matcher.size ? cache.items : 0;
    const leaks = from > 0 && cache ? [...cache.leaks] : [];
    for (const item of this.#items.slice(from)) leaks.push(...describeHits(item.label, this.#matcher.hits(item.surfaces)));
    this.#cache = { secrets: this.#matcher.size, items: this.#items.length, leaks };
    return { recorded: this.#items.length, leaks: [...leaks] };
  }
}

const scanner = new SecretScanner();

export function registerSecret(...values: string[]): void {
  scanner.registerSecret(...values);
}

/**
 * Records an error (message, stack, fields, util.inspect, the whole cause chain and an
 * AggregateError's errors), an event, or a line of output. `label` names it in reports.
 */
export function record(value: unknown, label?: string): void {
  scanner.record(value, label);
}

/** An onEvent listener that records and also keeps the events for assertions. */
export function eventLog(): { events: { type: string; [key: string]: unknown }[]; listener: (event: unknown) => void } {
  const events: { type: string; [key: string]: unknown }[] = [];
  return {
    events,
    listener: (event) => {
      record(event);
      events.push(event as { type: string });
    },
  };
}

/** Awaits a promise that must reject, records the error and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; [key: string]: unknown }> {
  try {
    await promise;
  } catch (error) {
    record(error);
    return error as Error & { code?: string; [key: string]: unknown };
  }
  throw new Error('expected the promise to reject');
}

/** What this file recorded, and every leak found in it (no secret printed). */
export function scanReport(): ScanReport {
  return scanner.scanReport();
}

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

function labelOf(value: unknown): string {
  if (isError(value)) {
    const code = (value as { code?: unknown }).code;
    return `${String(read(value, 'name') ?? 'Error')}${typeof code === 'string' ? `(${code})` : ''}`;
  }
  if (value !== null && typeof value === 'object') {
    const type = (value as { type?: unknown }).type;
    return typeof type === 'string' ? `event ${type}` : Array.isArray(value) ? 'array' : 'object';
  }
  return typeof value;
}

/** A property, or a note when its getter throws. */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch (error) {
    return `[getter threw: ${String(error)}]`;
  }
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, bigints) ?? String(value);
  } catch {
    // Circular: what a safe logger would print, every object once.
    const seen = new WeakSet<object>();
    try {
      return (
        JSON.stringify(value, (key, item: unknown) => {
          const plain = bigints(key, item);
          if (plain !== null && typeof plain === 'object') {
            if (seen.has(plain)) return '[Circular]';
            seen.add(plain);
          }
          return plain;
        }) ?? String(value)
      );
    } catch (error) {
      return `[not serializable: ${String(error)}]`;
    }
  }
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? String(value) : value;
}

function inspectText(value: unknown): string {
  try {
    return inspect(value, INSPECT);
  } catch (error) {
    return `[not inspectable: ${String(error)}]`;
  }
}

function pairAt(text: string, i: number): number {
  return (text.charCodeAt(i) * 31 + text.charCodeAt(i + 1)) & 0xffff;
}

/** Three UTF-16 units as one number (exact: below 2^48). */
function keyAt(text: string, i: number): number {
  return (text.charCodeAt(i) * 65_536 + text.charCodeAt(i + 1)) * 65_536 + text.charCodeAt(i + 2);
}

/** Up to 60 characters either side of `at`, every found secret replaced by `[secret:encoding]`. */
function masked(text: string, found: readonly { start: number; end: number; encoding: Encoding }[], at: number): string {
  const spans = [...found].sort((a, b) => a.start - b.start || b.end - a.end);
  const from = Math.max(0, at - 60);
  const to = Math.min(text.length, at + 60);
  let out = '';
  let cursor = from;
  for (const span of spans) {
    if (span.end <= cursor || span.start >= to) continue;
    if (span.start > cursor) out += text.slice(cursor, span.start);
    out += `[secret:${span.encoding}]`;
    cursor = span.end;
  }
  if (cursor < to) out += text.slice(cursor, to);
  return `${from > 0 ? '…' : ''}${out.replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`;
}
