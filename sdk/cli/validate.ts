/**
 * `connector validate <files…>`: checks manifests and prints one line per problem, in the
 * `file:line:column  /pointer  message  (hint)` form editors and CI logs link to.
 */
import { readFile } from 'node:fs/promises';
import { readFailureOf, type Diagnostic } from '../errors.js';
import { validateManifest } from '../manifest/validate.js';
import { plural } from '../manifest/message-text.js';
import { formatOption, parseCommandLine, readFormat, usageError } from './command-line.js';
import type { Paint } from './colour.js';
import { formatDiagnostic } from './format-diagnostics.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector validate <files…> [--format text|json]

Checks connector manifests: the schema, template variables, JSONPaths and auth rules.
Prints one line per problem:  file:line:column  /json/pointer  error: message  (hint).
"-" reads one manifest from the standard input.

Options:
  --format text|json  output format (default: text)
  -h, --help          show this help

${EXIT_TABLE}`;

interface FileResult {
  file: string;
  valid: boolean;
  /** False when the file could not be read: a wrong path is a usage error, not an invalid manifest. */
  read: boolean;
  diagnostics: Diagnostic[];
}

/**
 * Runs the subcommand; resolves to the exit status.
 *
 * @example
 * process.exitCode = await run(['connectors/snov-io.json', '--format', 'json']);
 */
export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('validate', usage, argv, formatOption, out);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const format = readFormat('validate', usage, values, out);
  if (typeof format === 'number') return format;
  // Fixtures recorded by `connector record` sit next to the manifests, where a glob picks them up.
  const files = parsed.positionals.filter((file) => !file.endsWith('.fixtures.json'));
  if (files.length === 0) return usageError('validate', usage, 'no files given', out);

  const results = await Promise.all(files.map(validateFile));
  if (format === 'json') out.json(report(results));
  else out.out(textReport(results, out.paint.out));
  if (results.some((result) => !result.valid && result.read)) return EXIT.invalidManifest;
  return results.every((result) => result.valid) ? EXIT.ok : EXIT.usage;
}

/** `-` is the standard input (an editor or a pipe hands the manifest over without a file). */
function readManifest(file: string): Promise<string> {
  return file === '-' ? readAll(process.stdin) : readFile(file, 'utf8');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function validateFile(file: string): Promise<FileResult> {
  let text: string;
  try {
    text = await readManifest(file);
  } catch (error) {
    const message = `cannot read the file (${readFailureOf(error)})`;
    return { file, valid: false, read: false, diagnostics: [{ file, line: 0, column: 0, pointer: '', message, severity: 'error' }] };
  }
  const { valid, diagnostics } = validateManifest(text, { file });
  return { file, valid, read: true, diagnostics };
}

function textReport(results: readonly FileResult[], paint: Paint): string {
  const lines: string[] = [];
  for (const { file, diagnostics } of results) {
    for (const diagnostic of diagnostics) lines.push(formatDiagnostic(diagnostic, file, paint));
  }
  const { errors, warnings } = count(results);
  const invalid = results.filter((result) => !result.valid).length;
  const state = invalid === 0 ? 'all valid' : `${invalid} invalid`;
  lines.push(`${plural(results.length, 'file')} checked: ${state}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return `${lines.join('\n')}\n`;
}

function report(results: readonly FileResult[]) {
  const files = results.map(({ file, valid, diagnostics }) => ({ file, valid, diagnostics }));
  return { valid: results.every((result) => result.valid), ...count(results), files };
}

function count(results: readonly FileResult[]): { errors: number; warnings: number } {
  const all = results.flatMap((result) => result.diagnostics);
  const errors = all.filter((d) => d.severity === 'error').length;
  return { errors, warnings: all.length - errors };
}
