/**
 * Rendering without the engine: the Liquid subset that request templates are nearly always
 * written in, compiled at load to plain code. liquidjs evaluates through generators and costs
 * about 10 µs for a signing template such as
 *
 *   {% capture canon %}{{ request.method }}\n{{ request.path }}{% endcapture %}{{ canon | hmac: credentials.secret, "sha256" }}
 *
 * (bench: the HMAC-signed row). The subset: text; `{{ operand }}` and
 * `{{ operand | filter: arg, name: arg | … }}` outputs whose filters are the SDK's own
 * (filters.ts directFilter) and whose operands and arguments are simple paths, quoted strings
 * without escapes, or numbers; and `{% capture name %}…{% endcapture %}` of such text, not nested.
 * Whitespace control (`{{-`, `-%}`), other tags and anything else leave the template to the
 * engine.
 *
 * It keeps the engine's semantics, and falls back to the engine whenever it would have to decide
 * something the engine decides: a variable that is not an own property (strict variables, `size`,
 * `first`…), a value it does not print as Liquid does (arrays, objects), a filter that throws (the
 * engine then throws its own error, with its position), memory beyond a bound far below the
 * engine's limit. Filters are pure or keep their values per request (nonce, uuid), so rendering
 * again in the engine gives the same text. test/security/fuzz-templates.test.ts checks that both
 * paths agree on random templates and scopes.
 */
import { directFilter, type ArgumentValue, type DirectContext, type DirectFilter } from './filters.js';

/** What a direct render returns when the engine must render the template instead. */
export const FALLBACK: unique symbol = Symbol('connector-sdk.fallback');
/** What lookup returns for a variable it cannot resolve as the engine would. */
export const MISS: unique symbol = Symbol('connector-sdk.miss');

export type DirectRender = (scope: object) => string | typeof FALLBACK;

type Operand = { readonly literal: string | number } | { readonly path: readonly string[] };
interface Filter {
  readonly call: DirectFilter;
  readonly args: readonly { readonly name?: string; readonly operand: Operand }[];
}
interface Output {
  readonly operand: Operand;
  readonly filters: readonly Filter[];
}
interface Capture {
  readonly capture: string;
  readonly parts: readonly Part[];
}
type Part = string | Output | Capture;

const OUTPUT = /\{\{-?\s*([^{}]*?)\s*-?\}\}/g;
const TAG = /\{%(-?)\s*([^{}]*?)\s*(-?)%\}/g;
const CAPTURE = /^capture\s+([A-Za-z_][A-Za-z0-9_]*)$/;
/** `a.b.c`: a variable path as the fast paths take it (the root without `-`, as Liquid reads it). */
export const SIMPLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
/** One token of an output expression; only plain spaces separate tokens (other blanks go to the engine). */
const TOKEN = / *(?:(\|)|(:)|(,)|'([^'\\]*)'|"([^"\\]*)"|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)) */y;
/** Liquid literals, never variables. */
const KEYWORDS = new Set(['nil', 'null', 'true', 'false', 'empty', 'blank']);
/** Filters may charge this much to the memory limit before the engine renders instead (its limit: ENGINE_OPTIONS.memoryLimit). */
const MEMORY_BOUND = 1_000_000;

/** The direct render of `source`, or undefined when it is outside the subset. */
export function compileDirect(source: string): DirectRender | undefined {
  const parts = partsOf(source);
  if (parts === undefined) return undefined;
  return parts.every((part) => typeof part === 'string' || ('operand' in part && part.filters.length === 0 && 'path' in part.operand))
    ? interpolation(parts as (string | Output)[])
    : (scope) => renderAll(parts, scope);
}

/** Own-property lookup; MISS when the engine would decide (not own, an array on the way, undefined). */
export function lookup(scope: object, path: readonly string[]): unknown {
  let value: unknown = scope;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return MISS;
    value = (value as Record<string, unknown>)[key];
  }
  return value === undefined ? MISS : value;
}

/** The parts of a template: text, outputs and (not nested) captures; undefined outside the subset. */
function partsOf(source: string): Part[] | undefined {
  const parts: Part[] = [];
  let open: { name: string; parts: Part[] } | undefined;
  let last = 0;
  for (const tag of source.matchAll(TAG)) {
    const [whole, trimLeft, body = '', trimRight] = tag;
    if (trimLeft || trimRight) return undefined;
    const text = textParts(source.slice(last, tag.index));
    if (text === undefined) return undefined;
    (open?.parts ?? parts).push(...text);
    const capture = CAPTURE.exec(body);
    if (capture && !open) open = { name: capture[1] as string, parts: [] };
    else if (body === 'endcapture' && open) {
      parts.push({ capture: open.name, parts: open.parts });
      open = undefined;
    } else return undefined;
    last = tag.index + whole.length;
  }
  const tail = textParts(source.slice(last));
  if (open || tail === undefined) return undefined;
  parts.push(...tail);
  return parts;
}

/** Text with outputs and no tags, as parts; undefined outside the subset. */
function textParts(text: string): Part[] | undefined {
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(OUTPUT)) {
    // `{{-` and `-}}` trim the text around them by Liquid's own whitespace rules: the engine's job.
    if (match[0].startsWith('{{-') || match[0].endsWith('-}}')) return undefined;
    const output = outputOf(match[1] ?? '');
    if (output === undefined) return undefined;
    parts.push(text.slice(last, match.index), output);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  const literals = parts.filter((part): part is string => typeof part === 'string');
  if (literals.some((literal) => literal.includes('{{') || literal.includes('{%'))) return undefined;
  return parts.filter((part) => part !== '');
}

/** `operand | filter: args | …`, or undefined outside the subset. */
function outputOf(expression: string): Output | undefined {
  if (SIMPLE_PATH.test(expression)) return KEYWORDS.has(rootOf(expression)) ? undefined : { operand: { path: expression.split('.') }, filters: [] };
  const tokens = tokensOf(expression);
  if (tokens === undefined) return undefined;
  let at = 0;
  const operand = operandOf(tokens[at++]);
  if (operand === undefined) return undefined;
  const filters: Filter[] = [];
  while (at < tokens.length) {
    const name = tokens[at + 1];
    if (tokens[at] !== '|' || typeof name !== 'object' || !('path' in name) || name.path.length !== 1) return undefined;
    const call = directFilter(name.path[0] as string);
    if (call === undefined) return undefined;
    at += 2;
    const args: Filter['args'][number][] = [];
    if (tokens[at] === ':') {
      do {
        at++;
        const named = tokens[at + 1] === ':' ? tokens[at] : undefined;
        if (named !== undefined) {
          if (typeof named !== 'object' || !('path' in named) || named.path.length !== 1) return undefined;
          at += 2;
        }
        const value = operandOf(tokens[at++]);
        if (value === undefined) return undefined;
        args.push(named === undefined ? { operand: value } : { name: (named as { path: string[] }).path[0], operand: value });
      } while (tokens[at] === ',');
    }
    filters.push({ call, args });
  }
  return { operand, filters };
}

type Token = '|' | ':' | ',' | Operand;

function tokensOf(expression: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const match = TOKEN.exec(expression);
    if (match === null) return undefined;
    const [, bar, colon, comma, single, double, number, path] = match;
    if (bar || colon || comma) tokens.push((bar ?? colon ?? comma) as '|' | ':' | ',');
    else if (single !== undefined || double !== undefined) tokens.push({ literal: (single ?? double) as string });
    else if (number !== undefined) tokens.push({ literal: Number(number) });
    else if (path !== undefined && !KEYWORDS.has(rootOf(path))) tokens.push({ path: path.split('.') });
    else return undefined;
  }
  return tokens;
}

function operandOf(token: Token | undefined): Operand | undefined {
  return typeof token === 'object' ? token : undefined;
}

function rootOf(path: string): string {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
}

/** Text and plain `{{ a.b }}` outputs: a concatenation, the hot path of action templates. */
function interpolation(parts: readonly (string | Output)[]): DirectRender {
  const pieces = parts.map((part) => (typeof part === 'string' ? part : (part.operand as { path: readonly string[] }).path));
  return (scope) => {
    let out = '';
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string | readonly string[];
      if (typeof piece === 'string') {
        out += piece;
        continue;
      }
      const text = printed(lookup(scope, piece));
      if (text === FALLBACK) return FALLBACK;
      out += text;
    }
    return out;
  };
}

/** How Liquid prints a value, for the values it prints plainly; FALLBACK for the rest (MISS, arrays, objects). */
function printed(value: unknown): string | typeof FALLBACK {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return FALLBACK;
}

/** One render's state: the captured variables and what the filters charged (it is its own memory limit). */
class Render implements DirectContext {
  readonly captured = new Map<string, string>();
  readonly memoryLimit: DirectContext['memoryLimit'] = this;
  #used = 0;

  constructor(readonly environments: object) {}

  use(bytes: number): void {
    this.#used += bytes;
    if (this.#used > MEMORY_BOUND) throw FALLBACK;
  }
}

function renderAll(parts: readonly Part[], scope: object): string | typeof FALLBACK {
  try {
    return renderParts(parts, new Render(scope));
  } catch {
    // A filter refused its input (or the memory bound was passed): the engine renders, and says what is wrong.
    return FALLBACK;
  }
}

function renderParts(parts: readonly Part[], render: Render): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else if ('capture' in part) render.captured.set(part.capture, renderParts(part.parts, render));
    else {
      const text = printed(evaluate(part, render));
      if (text === FALLBACK) throw FALLBACK;
      out += text;
    }
  }
  return out;
}

function evaluate(output: Output, render: Render): unknown {
  let value = valueOf(output.operand, render);
  for (const filter of output.filters) {
    const given: ArgumentValue[] = filter.args.map(({ name, operand }) => (name === undefined ? { value: valueOf(operand, render) } : { name, value: valueOf(operand, render) }));
    value = filter.call(value, given, render);
  }
  return value;
}

function valueOf(operand: Operand, render: Render): unknown {
  if ('literal' in operand) return operand.literal;
  const { path } = operand;
  const captured = path.length === 1 ? render.captured.get(path[0] as string) : undefined;
  if (captured !== undefined) return captured;
  // A captured variable read with a property (`canon.size`) is the engine's to resolve.
  if (path.length > 1 && render.captured.has(path[0] as string)) throw FALLBACK;
  const value = lookup(render.environments, path);
  if (value === MISS) throw FALLBACK;
  return value;
}
