/**
 * The one line format of a manifest problem: `file:line:column  /pointer  error: message  (hint)`,
 * labelled `error:` or `warning:` so editors' problem matchers see both. A file that could not be
 * read has no position and no pointer: just `file  error: message`.
 */
import type { Diagnostic } from '../errors.js';
import { plain, type Paint } from './colour.js';

export function formatDiagnostic(diagnostic: Diagnostic, file = diagnostic.file ?? 'manifest', paint: Paint = plain): string {
  const where = diagnostic.line > 0 ? `${file}:${diagnostic.line}:${diagnostic.column}` : file;
  const hint = diagnostic.hint ? `  (${diagnostic.hint})` : '';
  const pointer = diagnostic.line === 0 && diagnostic.pointer === '' ? '' : `${diagnostic.pointer || '/'}  `;
  const label = paint(`${diagnostic.severity}:`, diagnostic.severity === 'error' ? 'red' : 'yellow');
  return `${where}  ${pointer}${label} ${diagnostic.message}${hint}`;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], file?: string, paint: Paint = plain): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, file, paint)).join('\n');
}
