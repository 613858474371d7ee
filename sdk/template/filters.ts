/**
 * The SDK's Liquid filters, registered on the one engine of liquid.ts (the door to liquidjs;
 * nothing else registers filters). Every filter is pure — no files, no environment variables,
 * no network, no clock: times come from the scope's `now` — except `nonce` and `uuid`, which
 * draw random bytes once per request (see request-values.ts). docs/templates.md documents them
 * with examples.
 *
 * | Filter | Syntax | Result |
 * | --- | --- | --- |
 * | `md5`, `sha1`, `sha256`, `sha512` | `{{ text \| sha256 }}`, `\| sha256: "base64"` | digest of the UTF-8 text: hex (default), `"base64"`, `"base64url"` or `"hex"`; also `output: "…"` |
 * | `hmac` | `{{ message \| hmac: key }}`, `\| hmac: key, "sha1"`, `\| hmac: key, algorithm: "sha512", key_encoding: "hex", output: "base64"` | HMAC of the UTF-8 message. key: positional, required; algorithm: 2nd positional or `algorithm:` — `sha1`, `sha256` (default), `sha512`; `key_encoding:` `text` (default, UTF-8) / `hex` / `base64` / `base64url`; `output:` `hex` (default) / `base64` / `base64url` |
 * | `hmac_sha256` | `{{ message \| hmac_sha256: key }}` | liquidjs's (Shopify's) name for `hmac: key, "sha256"`; takes `key_encoding:` and `output:` too |
 * | `base64_encode`, `base64url_encode` | `{{ text \| base64_encode }}` | Base64 (padded) / Base64url (unpadded) of the UTF-8 text |
 * | `base64_decode`, `base64url_decode` | `{{ b64 \| base64url_decode }}` | the decoded bytes as UTF-8 text; base64url_decode refuses anything but the URL alphabet (padding optional) |
 * | `hex_encode`, `hex_decode` | `{{ text \| hex_encode }}` | lowercase hex of the UTF-8 text / hex (either case, even length) decoded to UTF-8 text |
 * | `uri_encode` | `{{ text \| uri_encode }}` | RFC 3986 percent-encoding (`url_encode` writes spaces as `+`) |
 * | `nonce` | `{{ "name" \| nonce }}`, `\| nonce: 32`, `\| nonce: 16, "base64url"`, `\| nonce: bytes: 16, output: "base64"` | random bytes (default 16, 1…1024) as hex (default) / base64 / base64url; ONE value per request and name |
 * | `uuid` | `{{ "name" \| uuid }}` | a random UUID v4; ONE value per request and name |
 * | `unix_time` | `{{ now \| unix_time }}`, `{{ "now" \| time_add: 300 \| unix_time }}` | epoch seconds (whole) |
 * | `unix_time_ms` | `{{ now \| unix_time_ms }}` | epoch milliseconds |
 * | `iso8601` | `{{ now \| iso8601 }}`, `\| iso8601: "milliseconds"` | `2023-11-14T22:13:20Z` / `2023-11-14T22:13:20.000Z` (UTC) |
 * | `http_date` | `{{ now \| http_date }}` | IMF-fixdate (RFC 9110 / RFC 1123): `Tue, 14 Nov 2023 22:13:20 GMT` |
 * | `strftime` | `{{ now \| strftime: "%Y%m%dT%H%M%SZ" }}` | liquidjs's strftime in UTC, English names; `%c %x %X` (host-locale formats) are refused |
 * | `time_add` | `{{ now \| time_add: 300 }}`, `\| time_add: -60` | the time plus so many seconds (negative allowed), as epoch seconds |
 * | `date`, `date_to_xmlschema`, `date_to_rfc822`, `date_to_string`, `date_to_long_string` | liquidjs's | unchanged, except that `"now"` / `"today"` are the scope's `now` and the engine formats in UTC with English names |
 *
 * Times: every time filter takes epoch seconds (a number or a string of digits), the string
 * `"now"` (or `"today"`, liquidjs's alias) meaning the scope's `now`, an ISO 8601 date
 * (`2023-11-14`, UTC) or date-time with a zone (`2023-11-14T22:13:20Z`, `…+01:00`), or an
 * IMF-fixdate; years 0000–9999. A time without a zone would depend on the host's time zone and
 * is refused.
 *
 * Nonces and uuids: `{{ "n" | nonce }}` in a header and `{{ "n" | nonce }}` in the body of the
 * same request are the same value; the next request gets a new one. The input is a name: other
 * names give other values within the request. The request is the scope object the templates
 * are rendered with (request-values.ts says exactly how).
 *
 * Limits: text inputs (and hmac keys) of at most 10 MB (MAX_INPUT_BYTES); what encoders and
 * decoders produce is charged to the engine's memory limit like liquidjs's own filters; nonces
 * of at most 1024 bytes; at most 64 nonces and uuids per request. Errors never contain a value:
 * inputs and keys may be secrets.
 *
 * Arguments: positional ones first, then named ones (`name: value`); an unknown name, a
 * surplus argument or a literal value out of range is refused when the template is parsed (so
 * by `connector validate`), values from variables when rendering. Options are looked up in
 * arrays and Maps, never on plain objects: `constructor: "x"` is an unknown option.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { FilterImplOptions, Liquid, Template, TypeGuards as TypeGuardsModule, toValue as ToValue, toValueSync as ToValueSync } from 'liquidjs';
import { requestValuesOf } from './request-values.js';

/** The most bytes of text (UTF-8) a filter reads: hash and hmac inputs and keys, encoder and decoder inputs. */
export const MAX_INPUT_BYTES = 10_000_000;
/** The most random bytes one nonce has. */
export const MAX_NONCE_BYTES = 1024;
/** The time filters accept years 0000 to 9999 (IMF-fixdate and ISO 8601 have four-digit years). */
const MIN_TIME = -62_167_219_200; // 0000-01-01T00:00:00Z
const MAX_TIME = 253_402_300_800; // 10000-01-01T00:00:00Z, exclusive

/** What liquid.ts passes in: the parts of the liquidjs module this one needs at run time. */
export interface LiquidParts {
  readonly TypeGuards: typeof TypeGuardsModule;
  readonly toValueSync: typeof ToValueSync;
  /** Unwraps liquidjs's drops: `nil` arrives as a NullDrop, `empty` as an EmptyDrop. */
  readonly toValue: typeof ToValue;
}

/** `this` of a filter call (liquidjs's FilterImpl, which the package does not export by name). */
type FilterThis = ThisParameterType<Extract<FilterImplOptions, (...args: never[]) => unknown>>;
/** A filter argument token: a value token, or a `[name, value]` pair for `name: value`. */
type FilterArgument = object | readonly [string?, object?];

type Output = 'hex' | 'base64' | 'base64url';
const OUTPUTS: readonly Output[] = ['hex', 'base64', 'base64url'];
const ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
const KEY_ENCODINGS = ['text', 'hex', 'base64', 'base64url'] as const;

interface Param {
  readonly name: string;
  /** Given by position (in the order of the params) or by name; false: by name only. */
  readonly positional: boolean;
  readonly required?: string;
  /** What is wrong with a given value (not null), or undefined. Also run on literals at parse time. */
  readonly check?: (value: unknown) => string | undefined;
}

type Args = Readonly<Record<string, unknown>>;

interface FilterSpec {
  readonly params: readonly Param[];
  /** Reads a time: `"now"` as its input means the scope's now (for the validator). */
  readonly clock?: boolean;
  /** `filter` is the name it is registered under (for messages). */
  readonly handler: (this: FilterThis, input: unknown, args: Args, filter: string) => unknown;
}

const oneOf =
  (choices: readonly string[]) =>
  (value: unknown): string | undefined =>
    typeof value === 'string' && choices.includes(value) ? undefined : `must be ${listOf(choices.map((c) => `"${c}"`))}`;

const outputParam = (positional: boolean): Param => ({ name: 'output', positional, check: oneOf(OUTPUTS) });

const hashSpec = (algorithm: string): FilterSpec => ({
  params: [outputParam(true)],
  handler(input, args, filter) {
    return createHash(algorithm)
      .update(bytesOf(filter, input))
      .digest((args.output as Output | undefined) ?? 'hex');
  },
});

const hmacParams = (withAlgorithm: boolean): Param[] => [
  { name: 'key', positional: true, required: 'a key: {{ message | hmac: credentials.secret }}' },
  ...(withAlgorithm ? [{ name: 'algorithm', positional: true, check: oneOf(ALGORITHMS) }] : []),
  { name: 'key_encoding', positional: false, check: oneOf(KEY_ENCODINGS) },
  outputParam(false),
];

function hmac(input: unknown, args: Args, filter: string): string {
  const key = keyOf(filter, args.key, (args.key_encoding as string | undefined) ?? 'text');
  return createHmac((args.algorithm as string | undefined) ?? 'sha256', key)
    .update(bytesOf(filter, input))
    .digest((args.output as Output | undefined) ?? 'hex');
}

const wholeBytes = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_NONCE_BYTES
    ? undefined
    : `must be a whole number from 1 to ${MAX_NONCE_BYTES}`;

const finiteSeconds = (value: unknown): string | undefined =>
  secondsOf(value) === undefined ? 'must be a number of seconds (negative allowed)' : undefined;

const LOCALE_FORMATS = /%[-_0^#:]*\d*[EO]?([cxX])/;
const strftimeFormat = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return 'must be a text such as "%Y-%m-%dT%H:%M:%SZ"';
  for (const [directive] of value.matchAll(/%[-_0^#:]*\d*[EO]?./g)) {
    if (LOCALE_FORMATS.test(directive)) return `must not use %${directive.at(-1)}: it depends on the host's locale; spell the fields out (%Y-%m-%d %H:%M:%S)`;
  }
  return undefined;
};

const SPECS = new Map<string, FilterSpec>([
  ['md5', hashSpec('md5')],
  ['sha1', hashSpec('sha1')],
  ['sha256', hashSpec('sha256')],
  ['sha512', hashSpec('sha512')],
  [
    'hmac',
    { params: hmacParams(true), handler: hmac },
  ],
  [
    'hmac_sha256',
    { params: hmacParams(false), handler: hmac },
  ],
  ['base64_encode', encoder((text) => Buffer.from(text, 'utf8').toString('base64'))],
  ['base64url_encode', encoder((text) => Buffer.from(text, 'utf8').toString('base64url'))],
  ['hex_encode', encoder((text) => Buffer.from(text, 'utf8').toString('hex'))],
  // Lenient as it always was (Buffer skips what is not Base64); the new decoders are strict.
  ['base64_decode', encoder((text) => Buffer.from(text, 'base64').toString('utf8'))],
  [
    'base64url_decode',
    encoder((text, filter) => {
      if (!isBase64(text, true)) throw new Error(`${filter}: the input is not base64url (A-Z a-z 0-9 - _, padding optional)`);
      return Buffer.from(text, 'base64url').toString('utf8');
    }),
  ],
  [
    'hex_decode',
    encoder((text, filter) => {
      if (!HEX.test(text)) throw new Error(`${filter}: the input is not hex (pairs of 0-9 a-f A-F)`);
      return Buffer.from(text, 'hex').toString('utf8');
    }),
  ],
  // RFC 3986 percent-encoding (liquid's url_encode writes spaces as "+", which only forms accept).
  ['uri_encode', encoder((text) => encodeURIComponent(text))],
  [
    'nonce',
    {
      params: [
        { name: 'bytes', positional: true, check: wholeBytes },
        outputParam(true),
      ],
      handler(input, args, filter) {
        const name = nameOf(filter, input);
        const size = (args.bytes as number | undefined) ?? 16;
        const bytes = requestValuesOf(this.context.environments).get(`nonce:${size}:${name}`, () => randomBytes(size));
        return bytes.toString((args.output as Output | undefined) ?? 'hex');
      },
    },
  ],
  [
    'uuid',
    {
      params: [],
      handler(input, _args, filter) {
        const name = nameOf(filter, input);
        return requestValuesOf(this.context.environments).get(`uuid:${name}`, () => randomUUID());
      },
    },
  ],
  ['unix_time', timeSpec([], (seconds) => Math.floor(seconds))],
  ['unix_time_ms', timeSpec([], (seconds) => Math.round(seconds * 1000))],
  [
    'iso8601',
    timeSpec([{ name: 'precision', positional: true, check: oneOf(['seconds', 'milliseconds']) }], (seconds, args) => {
      if (args.precision === 'milliseconds') return new Date(Math.round(seconds * 1000)).toISOString();
      return `${new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 19)}Z`;
    }),
  ],
  ['http_date', timeSpec([], (seconds) => httpDate(Math.floor(seconds)))],
  [
    'time_add',
    timeSpec([{ name: 'seconds', positional: true, required: 'a number of seconds: {{ now | time_add: 300 }}', check: finiteSeconds }], (seconds, args) => {
      const sum = seconds + (secondsOf(args.seconds) as number);
      if (!(sum >= MIN_TIME && sum < MAX_TIME)) throw new Error('time_add: the result is outside the years 0000 to 9999');
      return sum;
    }),
  ],
]);

/** liquidjs's date filters, kept, with "now" and "today" read from the scope. */
const CLOCK_BUILTINS = ['date', 'date_to_xmlschema', 'date_to_rfc822', 'date_to_string', 'date_to_long_string'];

/** The names of every filter that reads a time (for the validator's `"now"` rule). */
export const CLOCK_FILTERS: ReadonlySet<string> = new Set([...[...SPECS].filter(([, spec]) => spec.clock).map(([name]) => name), 'strftime', ...CLOCK_BUILTINS]);

/** The names of the filters this module registers (liquidjs's others stay as they are). */
export const SDK_FILTERS: readonly string[] = [...SPECS.keys(), 'strftime', ...CLOCK_BUILTINS];

/**
 * Registers the SDK's filters on the engine and returns the parse-time check of their
 * arguments. Call once, on the engine built with ENGINE_OPTIONS.
 */
export function registerFilters(engine: Liquid, parts: LiquidParts): (templates: readonly Template[]) => TemplateFacts {
  type Handler = (this: FilterThis, ...args: unknown[]) => unknown;
  const builtins = new Map<string, Handler>();
  for (const name of CLOCK_BUILTINS) {
    const builtin = engine.filters[name];
    const handler = (typeof builtin === 'function' ? builtin : builtin?.handler) as Handler | undefined;
    if (typeof handler !== 'function') throw new Error(`liquidjs has no ${name} filter`);
    builtins.set(name, handler);
    engine.registerFilter(name, function (this: FilterThis, input: unknown, ...args: unknown[]) {
      return handler.call(this, input === 'now' || input === 'today' ? scopeNow(name, this) : input, ...args);
    });
  }
  const date = builtins.get('date') as Handler;
  SPECS.set(
    'strftime',
    timeSpec([{ name: 'format', positional: true, required: 'a format: {{ now | strftime: "%Y-%m-%d" }}', check: strftimeFormat }], function (seconds, args) {
      // liquidjs's date filter: its strftime charges every padding width to the memory limit.
      return date.call(this, seconds, args.format, 0);
    }),
  );
  for (const [name, spec] of SPECS) {
    engine.registerFilter(name, function (this: FilterThis, input: unknown, ...argv: unknown[]) {
      const args = bindArguments(name, spec, this.token.args.map((token, i) => argumentOf(token, argv[i], parts)));
      return spec.handler.call(this, parts.toValue(input), args, name);
    });
  }
  return (templates) => inspect(templates, parts);
}

/** What a filter sees of liquidjs's render context when direct-render.ts calls it: the scope and the memory limit. */
export interface DirectContext {
  readonly environments: object;
  readonly memoryLimit: { use(bytes: number): void };
}

/** One of the SDK's filters called without the engine: the input, the arguments as the template gives them (evaluated), the context. */
export type DirectFilter = (input: unknown, given: readonly ArgumentValue[], context: DirectContext) => unknown;

/**
 * The SDK's filter `name` for direct-render.ts, or undefined: liquidjs's own filters, and
 * strftime (which calls liquidjs's date filter), need the engine. The SDK's handlers read
 * nothing of their `this` but `context.environments` and `context.memoryLimit`, so the same
 * handler runs with the same arguments either way.
 */
export function directFilter(name: string): DirectFilter | undefined {
  const spec = name === 'strftime' ? undefined : SPECS.get(name);
  if (!spec) return undefined;
  return (input, given, context) => spec.handler.call({ context } as unknown as FilterThis, input, bindArguments(name, spec, given), name);
}

/** What the parse-time check learned about a template. */
export interface TemplateFacts {
  /** A `"now"` (or `"today"`) literal goes into a time filter: the template reads the scope's now. */
  readonly readsClock: boolean;
}

export interface ArgumentValue {
  readonly name?: string;
  /** The value; UNKNOWN at parse time for anything but a literal. */
  readonly value: unknown;
}
const UNKNOWN: unique symbol = Symbol('unknown');

/** An argument as the filter got it: `parts` when rendering (the value is evaluated), undefined when parsing (a literal or UNKNOWN). */
function argumentOf(token: FilterArgument, value: unknown, parts: LiquidParts | undefined): ArgumentValue {
  const evaluated = parts && Array.isArray(token) ? (value as readonly unknown[] | undefined)?.[1] : value;
  const plain = parts ? parts.toValue(evaluated) : evaluated;
  return Array.isArray(token) ? { name: String(token[0]), value: plain } : { value: plain };
}

/** Matches arguments to the spec's params; throws the first problem (never naming a value). */
function bindArguments(filter: string, spec: FilterSpec, given: readonly ArgumentValue[]): Args {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const seen: string[] = [];
  const positional = positionalOf(spec);
  let next = 0;
  let named = false;
  for (const argument of given) {
    let param: Param | undefined;
    if (argument.name !== undefined) {
      named = true;
      param = spec.params.find((candidate) => candidate.name === argument.name);
      if (!param) throw new Error(`${filter} has no option "${argument.name}": ${optionsOf(filter, spec)}`);
    } else {
      if (named) throw new Error(`${filter}: give arguments by position first, then by name`);
      param = positional[next++];
      if (!param) throw new Error(`${filter} takes ${countOf(positional.length)}${spec.params.length > positional.length ? ' (the others by name)' : ''}: ${optionsOf(filter, spec)}`);
    }
    if (seen.includes(param.name)) throw new Error(`${filter}: ${param.name} is given twice`);
    seen.push(param.name);
    const value = argument.value;
    if (value === UNKNOWN || value === null || value === undefined) {
      if (value !== UNKNOWN) continue; // nil: the default
      out[param.name] = UNKNOWN;
      continue;
    }
    const problem = param.check?.(value);
    if (problem) throw new Error(`${filter}: ${param.name} ${problem}`);
    out[param.name] = value;
  }
  for (const param of spec.params) {
    if (param.required && !seen.includes(param.name)) throw new Error(`${filter} needs ${param.required}`);
  }
  return out;
}

const positionals = new WeakMap<FilterSpec, readonly Param[]>();

function positionalOf(spec: FilterSpec): readonly Param[] {
  let params = positionals.get(spec);
  if (!params) {
    params = spec.params.filter((param) => param.positional);
    positionals.set(spec, params);
  }
  return params;
}

function optionsOf(filter: string, spec: FilterSpec): string {
  if (spec.params.length === 0) return `write {{ … | ${filter} }}`;
  const parts = spec.params.map((param) => (param.positional ? param.name : `${param.name}: …`));
  return `it takes ${parts.join(', ')}`;
}

function countOf(n: number): string {
  return n === 0 ? 'no arguments' : n === 1 ? 'one argument' : `at most ${n} arguments`;
}

function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** A filter that turns text into text, charging what it makes to the memory limit. */
function encoder(transform: (text: string, filter: string) => string): FilterSpec {
  return {
    params: [],
    handler(input, _args, filter) {
      const text = textOf(filter, input);
      const out = transform(text, filter);
      this.context.memoryLimit.use(out.length);
      return out;
    },
  };
}

/** A time filter: its input is resolved to epoch seconds first. */
function timeSpec(params: readonly Param[], format: (this: FilterThis, seconds: number, args: Args) => unknown): FilterSpec {
  return {
    params,
    clock: true,
    handler(input, args, filter) {
      return format.call(this, timeOf(filter, input, this), args);
    },
  };
}

/** Text in, as Liquid prints scalars; lists and objects are refused (they would print as "[object Object]"). */
function textOf(filter: string, value: unknown, what = 'the input'): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else throw new Error(`${filter}: ${what} must be text, not ${Array.isArray(value) ? 'a list' : `a ${typeof value === 'object' ? 'object' : typeof value}`}`);
  // UTF-8 never has fewer bytes than UTF-16 code units, so the length is a cheap first test.
  if (text.length > MAX_INPUT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
    throw new Error(`${filter}: ${what} is larger than 10 MB (${MAX_INPUT_BYTES} bytes of UTF-8)`);
  }
  return text;
}

function bytesOf(filter: string, value: unknown): Buffer {
  return Buffer.from(textOf(filter, value), 'utf8');
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function isBase64(text: string, url: boolean): boolean {
  const body = text.replace(/={1,2}$/, '');
  if (!(url ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9+/]*$/).test(body)) return false;
  if (body.length % 4 === 1) return false;
  return body.length === text.length || text.length % 4 === 0;
}

function keyOf(filter: string, value: unknown, encoding: string): Buffer {
  if (value === undefined || value === null) throw new Error(`${filter} needs a key: the key is nil`);
  const text = textOf(filter, value, 'the key');
  switch (encoding) {
    case 'hex':
      if (!HEX.test(text)) throw new Error(`${filter}: the key is not hex (key_encoding: "hex")`);
      return Buffer.from(text, 'hex');
    case 'base64':
    case 'base64url':
      if (!isBase64(text, encoding === 'base64url')) throw new Error(`${filter}: the key is not ${encoding} (key_encoding: "${encoding}")`);
      return Buffer.from(text, encoding);
    default:
      return Buffer.from(text, 'utf8');
  }
}

/** A nonce's or uuid's name: the input as text, at most 256 characters. */
function nameOf(filter: string, value: unknown): string {
  if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`${filter}: the input names the value and must be text: {{ "request" | ${filter} }}`);
  }
  const name = String(value ?? '');
  if (name.length > 256) throw new Error(`${filter}: the name in front of it is longer than 256 characters`);
  return name;
}

/** A number of seconds: a finite number or a decimal string. */
function secondsOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^[+-]?\d{1,20}(?:\.\d{1,9})?$/.test(value)) return Number(value);
  return undefined;
}

function scopeNow(filter: string, self: FilterThis): number {
  const scope = self.context.environments as Record<string, unknown>;
  const now = Object.hasOwn(scope, 'now') ? scope.now : undefined;
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new Error(`${filter}: "now" is the scope's now, and this field is rendered without one`);
  }
  return now;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})))?$/;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** A time filter's input as epoch seconds (see the module comment for what is accepted). */
function timeOf(filter: string, value: unknown, self: FilterThis): number {
  let seconds: number | undefined;
  if (value === 'now' || value === 'today') seconds = scopeNow(filter, self);
  else if (value instanceof Date) seconds = value.getTime() / 1000;
  else if (typeof value === 'number' || typeof value === 'string') seconds = secondsOf(value) ?? (typeof value === 'string' ? parseTime(value) : undefined);
  if (seconds === undefined || Number.isNaN(seconds)) {
    throw new Error(`${filter} takes a time: epoch seconds, "now", or an ISO 8601 time with a zone (2023-11-14T22:13:20Z)`);
  }
  if (!(seconds >= MIN_TIME && seconds < MAX_TIME)) throw new Error(`${filter}: the time is outside the years 0000 to 9999`);
  return seconds;
}

function parseTime(text: string): number | undefined {
  if (text.length > 64) return undefined;
  const iso = ISO_TIME.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = iso;
    // A date-time needs a zone; a date alone is UTC (as Date.parse reads it).
    if (h !== undefined && zulu === undefined && sign === undefined) return undefined;
    const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
    if (Number(oh ?? 0) > 23 || Number(om ?? 0) > 59) return undefined;
    return utc(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number(fraction ?? 0), offset);
  }
  const imf = IMF_FIXDATE.exec(text);
  if (imf) {
    const [, day, d, mon, y, h, mi, s] = imf;
    const seconds = utc(Number(y), MONTHS.indexOf(mon as string) + 1, Number(d), Number(h), Number(mi), Number(s), 0, 0);
    return seconds !== undefined && DAYS[new Date(seconds * 1000).getUTCDay()] === day ? seconds : undefined;
  }
  return undefined;
}

/** Epoch seconds of a calendar time at an offset (minutes east of UTC), or undefined for a day or time that does not exist. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, fraction: number, offset: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCDate() !== d) return undefined; // 2023-02-30
  return date.getTime() / 1000 + fraction - offset * 60;
}

/** IMF-fixdate: `Tue, 14 Nov 2023 22:13:20 GMT`. */
function httpDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCFullYear()).padStart(4, '0')} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} GMT`;
}

interface ValueLike {
  readonly initial: { readonly postfix: readonly unknown[] };
  readonly filters: readonly { readonly name: string; readonly args: readonly FilterArgument[]; readonly token?: { getPosition?(): [number, number] } }[];
}

function isValueLike(value: unknown): value is ValueLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { filters?: unknown }).filters) &&
    Array.isArray((value as { initial?: { postfix?: unknown } }).initial?.postfix)
  );
}

/**
 * The parse-time check: every use of an SDK filter in the templates (outputs, assign, echo,
 * inside if/for/case/capture/liquid) has arguments the filter takes, and literal values it
 * accepts. Throws the first problem with its position.
 */
function inspect(templates: readonly Template[], parts: LiquidParts): TemplateFacts {
  let readsClock = false;
  const stack: Template[] = [...templates];
  while (stack.length > 0) {
    const template = stack.pop() as Template;
    if (template.arguments) {
      for (const argument of template.arguments()) {
        if (!isValueLike(argument)) continue;
        const [first, ...rest] = argument.initial.postfix;
        const clockLiteral = rest.length === 0 && parts.TypeGuards.isQuotedToken(first) && (first.content === 'now' || first.content === 'today');
        for (const filter of argument.filters) {
          if (clockLiteral && CLOCK_FILTERS.has(filter.name)) readsClock = true;
          const spec = SPECS.get(filter.name);
          if (!spec) continue;
          try {
            bindArguments(filter.name, spec, filter.args.map((token) => argumentOf(token, literalOf(Array.isArray(token) ? token[1] : token, parts), undefined)));
          } catch (error) {
            const [row, col] = filter.token?.getPosition?.() ?? [];
            throw new Error(`${(error as Error).message}${row === undefined ? '' : `, line:${row}, col:${col}`}`);
          }
        }
      }
    }
    if (template.children) stack.push(...parts.toValueSync(template.children(false, true)));
  }
  return { readsClock };
}

/** A literal argument's value (quoted text, a number, nil); UNKNOWN for variables and ranges. */
function literalOf(token: unknown, parts: LiquidParts): unknown {
  if (token === undefined) return null;
  if (parts.TypeGuards.isQuotedToken(token) || parts.TypeGuards.isNumberToken(token)) return token.content;
  if (parts.TypeGuards.isLiteralToken(token)) {
    const value = parts.toValue(token.content);
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  }
  return UNKNOWN;
}
