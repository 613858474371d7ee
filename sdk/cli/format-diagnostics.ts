/** The one line format of a manifest problem: `file:line:column  /pointer  message  (hint)`. */
import type { Diagnostic } from '../errors.js';

export function formatDiagnostic(diagnostic: Diagnostic, file = diagnostic.file ?? 'manifest'): string {
  const where = diagnostic.line > 0 ? `${file}:${diagnostic.line}:${diagnostic.column}` : file;
  const severity = diagnostic.severity === 'warning' ? 'warning: ' : '';
  const hint = diagnostic.hint ? `  (${diagnostic.hint})` : '';
  return `${where}  ${diagnostic.pointer || '/'}  ${severity}${diagnostic.message}${hint}`;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], file?: string): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, file)).join('\n');
}
