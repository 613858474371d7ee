/**
 * The one door to jsonpath-plus. Paths come from manifests, so script and filter expressions
 * are refused at validation and evaluation runs with `eval: false` besides. Paths are compiled
 * once; plain member paths (`$.a.b[0]`) skip the library on the hot path.
 */
import { JSONPath } from 'jsonpath-plus';

export interface CompiledJsonPath {
  /** The path as written in the manifest. */
  readonly source: string;
  /** With the leading `$` Locoia leaves out. */
  readonly normalized: string;
  /** Every match, in document order. */
  all(json: unknown): unknown[];
  /** The first match, or undefined when nothing matches. */
  first(json: unknown): unknown;
}

// Called without `new` and autostart off, JSONPath returns a reusable instance: no per-call setup.
const evaluator = JSONPath({ autostart: false, eval: false, wrap: true, resultType: 'value', path: '$', json: null });

/** Locoia writes `access_token` for `$.access_token`. */
export function normalizeJsonPath(path: string): string {
  const trimmed = path.trim();
  if (trimmed.startsWith('$')) return trimmed;
  return trimmed.startsWith('[') ? `$${trimmed}` : `$.${trimmed}`;
}

/** Returns what is wrong with a path, or undefined when it can be used. */
export function checkJsonPath(path: string): string | undefined {
  const normalized = normalizeJsonPath(path);
  if (normalized.length === 0 || normalized === '$.') return 'the JSONPath is empty';
  if (hasScript(normalized)) {
    return 'script and filter expressions ("?(…)", "(…)") are not allowed in JSONPaths: select by name or index';
  }
  if (/\.\.\.|\.$|\[\s*\]/.test(normalized)) return `"${shorten(path)}" is not a valid JSONPath`;
  let depth = 0;
  for (const char of stripQuoted(normalized)) {
    if (char === '[') depth++;
    else if (char === ']' && --depth < 0) break;
  }
  if (depth !== 0) return `"${shorten(path)}" has unbalanced brackets`;
  return undefined;
}

export function compileJsonPath(path: string): CompiledJsonPath {
  const normalized = normalizeJsonPath(path);
  const problem = checkJsonPath(path);
  if (problem) throw new TypeError(problem);
  const members = memberPath(normalized);
  if (members) {
    return {
      source: path,
      normalized,
      all(json) {
        const value = walk(json, members);
        return value === undefined ? [] : [value];
      },
      first: (json) => walk(json, members),
    };
  }
  return {
    source: path,
    normalized,
    all: (json) =>
      json === null || typeof json !== 'object'
        ? []
        : (evaluator.evaluate(normalized, json, undefined, undefined) as unknown[]),
    first(json) {
      return this.all(json)[0];
    },
  };
}

/** `$.a.b[0]["c d"]` → ['a', 'b', 0, 'c d']; undefined when the path needs the library (wildcards, `..`, slices). */
function memberPath(normalized: string): (string | number)[] | undefined {
  if (normalized === '$') return [];
  const out: (string | number)[] = [];
  const token = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\]/y;
  let index = 1;
  while (index < normalized.length) {
    token.lastIndex = index;
    const match = token.exec(normalized);
    if (!match) return undefined;
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else out.push((match[3] ?? match[4]) as string);
    index = token.lastIndex;
  }
  return out;
}

/** Own properties only: a body's `__proto__` key is data, never the prototype. */
function walk(json: unknown, members: readonly (string | number)[]): unknown {
  let value = json;
  for (const member of members) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, member)) return undefined;
    value = (value as Record<string | number, unknown>)[member];
  }
  return value;
}

function hasScript(normalized: string): boolean {
  return /[()]/.test(stripQuoted(normalized));
}

function stripQuoted(text: string): string {
  return text.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
