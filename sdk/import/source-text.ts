/**
 * The file being imported, with positions: every importer diagnostic names the file, the line
 * and column, and the JSON pointer into the SOURCE (not the manifest written from it). Built on
 * the manifest parser (manifest/locate.ts, momoa); a position inside a string value (where a
 * Jinja construct starts) is found by walking the raw JSON string, escapes included.
 */
import type { Diagnostic } from '../errors.js';
import { parseJson, type JsonLocator } from '../manifest/locate.js';
import { MAX_MANIFEST_BYTES, MAX_MANIFEST_DEPTH } from '../manifest/validate.js';

/** A diagnostic's severity: errors stop the import, warnings say what to check. */
export type Severity = Diagnostic['severity'];

/**
 * The parsed source and the diagnostics reported into it.
 *
 * @example
 * const source = SourceText.parse('{"a": "{{ x.upper() }}"}', 'a.json');
 * if (source instanceof SourceText) source.report('/a', 'error', 'not translated', undefined, 4); // a.json:1:12
 */
export class SourceText {
  readonly file: string | undefined;
  readonly value: unknown;
  readonly #text: string;
  readonly #locator: JsonLocator;
  readonly #lineStarts: number[];
  readonly diagnostics: Diagnostic[] = [];

  private constructor(text: string, value: unknown, locator: JsonLocator, file: string | undefined) {
    this.#text = text;
    this.value = value;
    this.#locator = locator;
    this.file = file;
    this.#lineStarts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.#lineStarts.push(i + 1);
  }

  /**
   * The parsed source, or the syntax diagnostic (line and column, with a hint such as "a comma
   * may be missing") when it is no JSON.
   *
   * @example
   * const source = SourceText.parse(text, 'snov-io.locoia.json');
   * if ('diagnostic' in source) console.error(source.diagnostic.message);
   */
  static parse(text: string, file: string | undefined): SourceText | { diagnostic: Diagnostic } {
    const parsed = parseJson(text, { maxBytes: MAX_MANIFEST_BYTES, maxDepth: MAX_MANIFEST_DEPTH });
    if (!parsed.ok) return { diagnostic: { ...(file === undefined ? {} : { file }), ...parsed.diagnostic } };
    // parseJson drops a byte order mark; positions count without it too.
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    return new SourceText(body, parsed.value, parsed.locator, file);
  }

  /**
   * Records a diagnostic at `pointer`; `at: 'key'` points at the property name; a number is an
   * offset inside the string value there (the decoded text's UTF-16 index).
   */
  report(pointer: string, severity: Severity, message: string, hint?: string, at: 'key' | 'value' | number = 'value'): void {
    const { line, column } = typeof at === 'number' ? this.#inString(pointer, at) : this.#locator.position(pointer, at);
    this.diagnostics.push({ ...(this.file === undefined ? {} : { file: this.file }), line, column, pointer, message, ...(hint ? { hint } : {}), severity });
  }

  /** The position of the `offset`-th decoded character of the string at `pointer`. */
  #inString(pointer: string, offset: number): { line: number; column: number } {
    const start = this.#locator.position(pointer);
    let raw = (this.#lineStarts[start.line - 1] ?? 0) + start.column - 1;
    if (this.#text[raw] !== '"') return start;
    raw++;
    for (let decoded = 0; decoded < offset && raw < this.#text.length && this.#text[raw] !== '"'; decoded++) raw += escapeLength(this.#text, raw);
    return { line: start.line, column: start.column + (raw - ((this.#lineStarts[start.line - 1] ?? 0) + start.column - 1)) };
  }
}

/** Raw characters of the one decoded UTF-16 unit at `at`: `\n` is 2, `\u00e9` is 6, a plain character 1. */
function escapeLength(text: string, at: number): number {
  if (text[at] !== '\\') return 1;
  return text[at + 1] === 'u' ? 6 : 2;
}
