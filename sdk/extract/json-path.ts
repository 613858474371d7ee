/**
 * The one door to jsonpath-plus. Paths come from manifests, so script and filter expressions
 * are refused at validation and evaluation runs with `eval: false` besides. Paths are compiled
 * once; plain member paths (`$.a.b[0]`) skip the library on the hot path.
 */
import { createRequire } from 'node:module';
import { ResponseError } from '../errors.js';

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

interface Evaluator {
  evaluate(path: string, json: unknown, callback: undefined, otherTypeCallback: undefined): unknown;
}
type JSONPathFactory = (options: Record<string, unknown>) => Evaluator;
let evaluator: Evaluator | undefined;

/**
 * Loaded on first use: most paths are plain member paths, and `connector validate` never
 * evaluates one. Called without `new` and autostart off, JSONPath returns a reusable instance.
 */
function library(): Evaluator {
  if (!evaluator) {
    const { JSONPath } = createRequire(import.meta.url)('jsonpath-plus') as { JSONPath: JSONPathFactory };
    evaluator = JSONPath({ autostart: false, eval: false, wrap: true, resultType: 'value', path: '$', json: null });
  }
  return evaluator;
}

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
  // `$$…`, `$foo`: jsonpath-plus reads these its own way (or not at all), no other implementation does.
  if (!/^\$(?:$|[.[])/.test(normalized)) return `"${shorten(path)}" is not a valid JSONPath: after the root $ comes . or [`;
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
    all(json) {
      if (json === null || typeof json !== 'object') return [];
      try {
        return library().evaluate(normalized, json, undefined, undefined) as unknown[];
      } catch (error) {
        // `..` recurses once per level: a hostile body nested thousands deep exhausts the stack.
        if (error instanceof RangeError) {
          throw new ResponseError(`the response is nested too deeply to search with ${shorten(normalized)}`);
        }
        // The library's own message may quote the response: name the path only.
        throw new ResponseError(`the JSONPath ${shorten(normalized)} cannot be evaluated on this response`);
      }
    },
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
    if (match[1] !== undefined) {
      if (match[1] === '$') return undefined;
      out.push(match[1]);
    } else if (match[2] !== undefined) out.push(Number(match[2]));
    else {
      const name = (match[3] ?? match[4]) as string;
      if (!isPlainName(name)) return undefined;
      out.push(name);
    }
    index = token.lastIndex;
  }
  return out;
}

/**
 * A quoted name jsonpath-plus reads as that very name. Others mean something to it (`*`, `$`, `..`,
 * `~`, `^`, unions with `,`, slices, `` ` `` escapes, `@type()` selectors, its own `;`, `#` and `%@%`
 * markers) and go to it, so a path means the same whichever way it is evaluated. A name starting
 * with `@` (`@odata.nextLink`) stays here: jsonpath-plus throws for it.
 */
function isPlainName(name: string): boolean {
  return !(
    name === '' ||
    name === '*' ||
    name === '$' ||
    name === '..' ||
    name === '~' ||
    /[,;#^`'"()[\]\\]|%@%|%%@@%%/.test(name) ||
    /^-?\d*:-?\d*:?\d*$/.test(name)
  );
}

/**
 * Own properties only: a body's `__proto__` key is data, never the prototype. Strings below the
 * root have their `length` and indexed characters, as in jsonpath-plus (which skips empty strings).
 */
function walk(json: unknown, members: readonly (string | number)[]): unknown {
  // Like the library path: below a root that is not an object or array, nothing matches.
  if (members.length > 0 && (json === null || typeof json !== 'object')) return undefined;
  let value = json;
  for (const member of members) {
    if (typeof value === 'string' ? value === '' : value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value as object, member)) return undefined;
    value = (value as Record<string | number, unknown>)[member];
  }
  return value;
}

/** `['name']` or `["name"]`. */
const QUOTED_NAME = /\[\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*\]/g;
/**
 * A quoted name whose parentheses jsonpath-plus reads as text: it splits names at `;`, `^`, `,`
 * and `@type()` (and runs a piece that then starts with "(" as a script), so only plain
 * characters may surround them.
 */
const PAREN_SAFE_NAME = /^(?!\??\()[\p{L}\p{N} _\-./:%&+!|()]*$/u;

function hasScript(normalized: string): boolean {
  // jsonpath-plus runs "(…)" and "?(…)" written right after a bracket or a quote ($['?(@.x)']).
  if (/[['"]\??\(/.test(normalized)) return true;
  const outside = normalized.replace(QUOTED_NAME, (whole, single?: string, double?: string) =>
    PAREN_SAFE_NAME.test(single ?? double ?? '') ? "['']" : whole,
  );
  return /[()]/.test(outside);
}

function stripQuoted(text: string): string {
  return text.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
