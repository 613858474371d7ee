/**
 * JSON text with locations: parses a manifest and maps a JSON pointer back to the line and
 * column an author sees in the editor. JSON.parse reads the value (about ten times faster than
 * an AST parser); the momoa AST is built only when there is something to point at.
 */
import { parse as parseAst, type MemberNode, type ObjectNode, type ValueNode } from '@humanwhocodes/momoa';
import type { Diagnostic } from '../errors.js';
import { unescapePointerToken } from '../json-pointer.js';

/** 1-based line and column (UTF-16 code units, as editors count them). */
export interface Position {
  line: number;
  column: number;
}

export interface JsonLimits {
  /** Largest accepted text, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest accepted nesting of objects and arrays. */
  maxDepth: number;
}

export type ParsedJson =
  | { ok: true; value: unknown; locator: JsonLocator }
  | { ok: false; diagnostic: Diagnostic };

/**
 * Parses JSON text within the limits; a syntax error becomes a diagnostic at its line and column.
 *
 * @example
 * const parsed = parseJson('{"id": 1,}', { maxBytes: 8 << 20, maxDepth: 64 });
 * // { ok: false, diagnostic: { line: 1, column: 9, pointer: '', message: 'invalid JSON: trailing comma …' } }
 */
export function parseJson(source: string, limits: JsonLimits): ParsedJson {
  // Editors on Windows may save a byte order mark; it is not part of the JSON.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (exceedsBytes(text, limits.maxBytes)) {
    return fail(1, 1, `the file is larger than ${limits.maxBytes / (1 << 20)} MB`, 'split the connector or remove unused parts');
  }
  const tooDeep = deepestOpening(text, limits.maxDepth);
  if (tooDeep >= 0) {
    const { line, column } = offsetToPosition(text, tooDeep);
    return fail(line, column, `nesting deeper than ${limits.maxDepth} levels`, 'flatten the structure');
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, locator: new JsonLocator(text) };
  } catch (error) {
    return { ok: false, diagnostic: syntaxDiagnostic(text, error as SyntaxError) };
  }
}

/** Maps JSON pointers to positions in one text. Parses the text into an AST on first use. */
/** RFC 6901 §4: an array index is 0 or has no leading zero. */
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

export class JsonLocator {
  readonly #text: string;
  #body?: ValueNode;
  // Member lookup per object, built only for the objects a pointer passes through.
  readonly #members = new WeakMap<ObjectNode, Map<string, MemberNode>>();

  constructor(text: string) {
    this.#text = text;
  }

  /**
   * Where the value at `pointer` starts, or with `at: 'key'` where its property name starts
   * (the place to look for an unknown or incomplete property). A pointer that does not exist
   * resolves to its nearest existing ancestor.
   */
  position(pointer: string, at: 'key' | 'value' = 'value'): Position {
    let node = (this.#body ??= parseAst(this.#text, { mode: 'json' }).body);
    let member: MemberNode | undefined;
    for (const token of pointer === '' ? [] : pointer.slice(1).split('/')) {
      const name = unescapePointerToken(token);
      const child =
        node.type === 'Object' ? this.#membersOf(node).get(name) : node.type === 'Array' && ARRAY_INDEX.test(name) ? node.elements[Number(name)] : undefined;
      if (!child) break;
      node = child.value;
      member = child.type === 'Member' ? child : undefined;
    }
    return toPosition(at === 'key' && member ? member.name.loc.start : node.loc.start);
  }

  #membersOf(node: ObjectNode): Map<string, MemberNode> {
    let members = this.#members.get(node);
    if (!members) {
      // The last of duplicate names wins, as in JSON.parse.
      members = new Map(node.members.map((m) => [m.name.type === 'String' ? m.name.value : m.name.name, m]));
      this.#members.set(node, members);
    }
    return members;
  }
}


function toPosition(location: { line: number; column: number }): Position {
  return { line: location.line, column: location.column };
}

function exceedsBytes(text: string, maxBytes: number): boolean {
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes: only the middle range needs counting.
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(text, 'utf8') > maxBytes;
}

/** Offset of the first `{` or `[` nested deeper than maxDepth, or -1. Skips strings. */
function deepestOpening(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) return i;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return -1;
}

function offsetToPosition(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const TOKEN_NAMES: Record<string, string> = {
  LBrace: '"{"',
  RBrace: '"}"',
  LBracket: '"["',
  RBracket: '"]"',
  Comma: '","',
  Colon: '":"',
  String: 'string',
  Number: 'number',
  Boolean: 'true/false',
  Null: 'null',
};

/**
 * V8 knows best whether the text merely ends too early; momoa knows the line and column of
 * everything else. Its messages name token types, so they are reworded for authors.
 */
function syntaxDiagnostic(text: string, error: SyntaxError): Diagnostic {
  const v8Offset = Number(/at position (\d+)/.exec(error.message)?.[1] ?? Number.NaN);
  const end = text.trimEnd().length;
  if (/end of JSON input/.test(error.message) || v8Offset >= end) {
    const { line, column } = offsetToPosition(text, end);
    return diagnostic(line, column, 'the file ends too early: a closing "}", "]" or quote is missing', 'the file looks truncated');
  }
  try {
    parseAst(text, { mode: 'json' });
  } catch (astError) {
    const { line, column, offset } = astError as { line?: number; column?: number; offset?: number };
    if (line !== undefined && column !== undefined) {
      return describeAstError(text, (astError as Error).message, { line, column }, offset);
    }
  }
  // momoa accepts a few things JSON.parse does not (raw control characters in strings).
  const { line, column } = offsetToPosition(text, Number.isNaN(v8Offset) ? 0 : v8Offset);
  const reason = error.message.replace(/ in JSON at position \d+.*$/s, '');
  return diagnostic(line, column, reason.charAt(0).toLowerCase() + reason.slice(1), 'write tabs and line breaks in strings as \\t and \\n');
}

function describeAstError(text: string, message: string, at: Position, offset: number | undefined): Diagnostic {
  const token = /Unexpected token (\w+)/.exec(message)?.[1];
  if (token !== undefined) {
    const before = offset === undefined ? -1 : previousNonSpace(text, offset);
    if ((token === 'RBrace' || token === 'RBracket') && before >= 0 && text[before] === ',') {
      const comma = offsetToPosition(text, before);
      return diagnostic(comma.line, comma.column, `trailing comma before ${TOKEN_NAMES[token]}`, 'JSON allows no comma after the last item: remove it');
    }
    return diagnostic(at.line, at.column, `unexpected ${TOKEN_NAMES[token] ?? token}`, 'a comma or colon may be missing before it');
  }
  const character = /Unexpected character '(.)'/s.exec(message)?.[1];
  if (character === '/') return diagnostic(at.line, at.column, 'comments are not allowed', 'JSON has no comments: move notes into "description"');
  if (character === "'") return diagnostic(at.line, at.column, 'single quotes are not allowed', 'JSON strings and property names take double quotes');
  if (character !== undefined) return diagnostic(at.line, at.column, `unexpected character ${JSON.stringify(character)}`);
  const word = /Unexpected identifier '([^']{0,40})/.exec(message)?.[1];
  if (word !== undefined) {
    return diagnostic(at.line, at.column, `unexpected word "${word}"`, 'JSON knows only true, false and null; strings take double quotes');
  }
  return diagnostic(at.line, at.column, message.replace(/\s*\(\d+:\d+\)$/, ''));
}

function previousNonSpace(text: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i] as string)) i--;
  return i;
}

function diagnostic(line: number, column: number, message: string, hint?: string): Diagnostic {
  return { line, column, pointer: '', message: `invalid JSON: ${message}`, ...(hint ? { hint } : {}), severity: 'error' };
}

function fail(line: number, column: number, message: string, hint: string): ParsedJson {
  return { ok: false, diagnostic: { line, column, pointer: '', message, hint, severity: 'error' } };
}
