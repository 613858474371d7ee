/**
 * Regular expressions in author-supplied data schemas (`pattern`, `patternProperties`) run
 * against end-user input on every execute, in the host's process, with no time limit. A pattern
 * with a repeated group that itself repeats or alternates (`(a+)+$`, `(a|a)*`, `(\w+\s?)*`) or a
 * back-reference can backtrack exponentially, so such patterns are refused when the manifest is
 * validated (the "star height" rule of safe-regex), as are patterns that do not compile.
 */
import { error, type Finding } from './finding.js';
import { isRecord } from './json-value.js';
import { escapePointerToken } from '../json-pointer.js';
import { show } from './message-text.js';

const HINT = 'write the pattern without a repeated group that itself repeats or alternates, e.g. ^a+$ instead of ^(a+)+$';

/** Why a pattern is unsafe or unusable, or undefined. */
export function patternProblem(source: string): string | undefined {
  try {
    new RegExp(source, 'u');
  } catch {
    return `pattern ${show(source)} is not a valid regular expression`;
  }
  if (BACK_REFERENCE.test(withoutClasses(source))) {
    return `pattern ${show(source)} uses a back-reference, which can take exponential time`;
  }
  if (nestedRepetition(source)) {
    return `pattern ${show(source)} repeats a group that itself repeats or alternates, which can take exponential time on some inputs`;
  }
  return undefined;
}

/** Appends a finding for every unsafe `pattern` and `patternProperties` key in a data schema. */
export function checkPatterns(pointer: string, schema: unknown, out: Finding[], depth = 0): void {
  if (depth > 64) return;
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => checkPatterns(`${pointer}/${i}`, item, out, depth + 1));
    return;
  }
  if (!isRecord(schema)) return;
  if (typeof schema.pattern === 'string') {
    const problem = patternProblem(schema.pattern);
    if (problem) out.push(error(`${pointer}/pattern`, problem, HINT));
  }
  if (isRecord(schema.patternProperties)) {
    for (const key of Object.keys(schema.patternProperties)) {
      const problem = patternProblem(key);
      if (problem) out.push(error(`${pointer}/patternProperties/${escapePointerToken(key)}`, problem, HINT));
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    // Values, not schemas: a default or an example may hold anything.
    if (VALUE_KEYWORDS.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      // Names here are the author's (a property may be called "default"): every value is a schema.
      for (const [name, sub] of Object.entries(value)) checkPatterns(`${pointer}/${key}/${escapePointerToken(name)}`, sub, out, depth + 2);
      continue;
    }
    checkPatterns(`${pointer}/${escapePointerToken(key)}`, value, out, depth + 1);
  }
}

const VALUE_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas']);
/** A backslash that is not itself escaped, then a digit 1–9 or k<: a back-reference. */
const BACK_REFERENCE = /(?:^|[^\\])(?:\\\\)*\\(?:[1-9]|k<)/;

/**
 * Whether a quantifier that repeats (`*`, `+`, `{n,}`, `{n,m}` with m > 1) applies to a group
 * containing a quantifier or an alternation.
 */
function nestedRepetition(source: string): boolean {
  // Per open group: does it contain a quantifier or a `|`?
  const stack: boolean[] = [];
  let i = 0;
  let lastGroupRisky: boolean | undefined;
  while (i < source.length) {
    const char = source[i]!;
    if (char === '\\') {
      i += 2;
      lastGroupRisky = undefined;
      continue;
    }
    if (char === '[') {
      i = skipClass(source, i);
      lastGroupRisky = undefined;
      continue;
    }
    if (char === '(') {
      stack.push(false);
      i++;
      lastGroupRisky = undefined;
      continue;
    }
    if (char === ')') {
      lastGroupRisky = stack.pop() ?? false;
      i++;
      continue;
    }
    if (char === '|') {
      if (stack.length > 0) stack[stack.length - 1] = true;
      i++;
      lastGroupRisky = undefined;
      continue;
    }
    const quantifier = quantifierAt(source, i);
    if (quantifier) {
      if (lastGroupRisky && quantifier.repeats) return true;
      // A quantified group is a quantifier inside its enclosing group.
      if (stack.length > 0 && (quantifier.repeats || lastGroupRisky)) stack[stack.length - 1] = true;
      i += quantifier.length;
      lastGroupRisky = undefined;
      continue;
    }
    i++;
    lastGroupRisky = undefined;
  }
  return false;
}

function quantifierAt(source: string, i: number): { length: number; repeats: boolean } | undefined {
  const char = source[i];
  const lazy = (end: number) => (source[end] === '?' || source[end] === '+' ? 1 : 0);
  if (char === '*' || char === '+') return { length: 1 + lazy(i + 1), repeats: true };
  if (char === '?') return { length: 1 + lazy(i + 1), repeats: false };
  if (char === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!match) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    return { length: match[0].length + lazy(i + match[0].length), repeats: max > 1 };
  }
  return undefined;
}

/** Index just past the character class starting at `start`. */
function skipClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

function withoutClasses(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; ) {
    if (source[i] === '\\') {
      out += source.slice(i, i + 2);
      i += 2;
    } else if (source[i] === '[') {
      i = skipClass(source, i);
    } else {
      out += source[i];
      i++;
    }
  }
  return out;
}
