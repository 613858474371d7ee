/**
 * A manifest problem before it is located. Schema errors and the rules beyond the schema both
 * produce findings; only at the end are they turned into diagnostics with line and column, so
 * the checks never need the text, and a parsed object (no text) is checked the same way.
 */
import type { Diagnostic } from '../errors.js';
import type { JsonLocator } from './locate.js';

/** `at: 'key'` points at the property name, for missing and unknown properties. */
export interface Finding {
  pointer: string;
  at: 'key' | 'value';
  message: string;
  hint?: string;
  severity: Diagnostic['severity'];
}

export function error(pointer: string, message: string, hint?: string, at: Finding['at'] = 'value'): Finding {
  return { pointer, at, message, ...(hint ? { hint } : {}), severity: 'error' };
}

/** Warnings leave a manifest valid: it works, but the author should know. */
export function warning(pointer: string, message: string, hint: string): Finding {
  return { pointer, at: 'value', message, hint, severity: 'warning' };
}

/**
 * Locates findings and sorts them by position. Two checks may report the same problem (a
 * template seen through two schema branches): only the first of each is kept.
 */
export function toDiagnostics(findings: readonly Finding[], locator: JsonLocator | undefined, file: string | undefined): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const { pointer, at, message, hint, severity } of findings) {
    const key = `${severity}\0${pointer}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { line, column } = locator ? locator.position(pointer, at) : { line: 0, column: 0 };
    out.push(withFile({ line, column, pointer, message, ...(hint ? { hint } : {}), severity }, file));
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

export function withFile(diagnostic: Diagnostic, file: string | undefined): Diagnostic {
  return file === undefined ? diagnostic : { file, ...diagnostic };
}
