/**
 * The CLI's only way out: every line and every JSON value a command prints passes through
 * `printable`, with the redactor of the run (the x-secret credentials and every token and
 * cookie the run saw), so a secret the runtime did not mask, or a structured field it never
 * looked at, still leaves masked. Nothing under sdk/cli writes to stdout or stderr otherwise.
 */
import { ConnectorError } from '../errors.js';
import { Redactor } from '../redact.js';
import { paintFor, type Paint } from './colour.js';

export type Format = 'text' | 'json';

/** Errors nest no deeper than this in JSON output (a cause chain is short; a cycle is cut). */
const MAX_CAUSES = 10;

/**
 * `value` as it may be printed: strings and every string inside (keys too) redacted, errors
 * cleaned in place (`redactError`: message, stack, fields, causes) and turned into plain
 * objects of their redacted fields — code, message and own fields, the cause chain, never the stack.
 */
export function printable(value: unknown, redactor: Redactor): unknown {
  return redactor.redactValue(plain(value, redactor, 0));
}

function plain(value: unknown, redactor: Redactor, depth: number): unknown {
  if (!(value instanceof Error)) return value;
  const error = redactor.redactError(value);
  const fields: Record<string, unknown> = { name: error.name };
  if (ConnectorError.isConnectorError(error)) fields.code = error.code;
  fields.message = error.message;
  for (const [key, field] of Object.entries(error)) {
    // Stacks quote code paths and, in library errors, request data: never printed.
    if (key !== 'stack' && key !== 'errors') fields[key] = field instanceof Error && depth < MAX_CAUSES ? plain(field, redactor, depth + 1) : field;
  }
  if (depth >= MAX_CAUSES) return fields;
  if (error.cause !== undefined) fields.cause = plain(error.cause, redactor, depth + 1);
  if (error instanceof AggregateError) fields.errors = error.errors.map((item: unknown) => plain(item, redactor, depth + 1));
  return fields;
}

/** One command's output: its format and the redactor every write goes through. */
export class Printer {
  format: Format = 'text';
  /**
   * Where JSON documents go: stdout, but stderr for a command whose stdout is a protocol
   * channel (`mcp` over stdio), where they are one line each, as a client's log reads them.
   */
  jsonTo: 'stdout' | 'stderr' = 'stdout';
  readonly redactor: Redactor;
  /** How labels are painted on each stream: colour on a terminal only (colour.ts). */
  readonly paint: { readonly out: Paint; readonly err: Paint } = { out: paintFor(process.stdout), err: paintFor(process.stderr) };

  constructor(redactor = new Redactor()) {
    this.redactor = redactor;
  }

  /** Text for the operator, on stdout. */
  out(text: string): void {
    process.stdout.write(printable(text, this.redactor) as string);
  }

  /** Diagnostics and failures, on stderr. */
  err(text: string): void {
    process.stderr.write(printable(text, this.redactor) as string);
  }

  /** A value as indented JSON on stdout (see `jsonTo`), one document per call. */
  json(value: unknown): void {
    const clean = printable(value, this.redactor);
    if (this.jsonTo === 'stderr') process.stderr.write(`${JSON.stringify(clean)}\n`);
    else process.stdout.write(`${JSON.stringify(clean, null, 2)}\n`);
  }

  /**
   * What went wrong: `connector <command>: message [CODE]` on stderr, or `{"error": {...}}` on
   * stdout for --format json, with `also`'s fields beside it (what the command did all the same).
   */
  error(command: string, error: unknown, also: Record<string, unknown> = {}): void {
    const clean = printable(error, this.redactor);
    if (this.format === 'json') return this.json({ error: clean, ...also });
    const fields = typeof clean === 'object' && clean !== null ? (clean as { message?: unknown; code?: unknown; body?: unknown }) : { message: clean };
    const code = typeof fields.code === 'string' ? ` [${fields.code}]` : '';
    const body = fields.body === undefined ? '' : `  response body: ${excerpt(fields.body)}\n`;
    this.err(`connector ${command}: ${String(fields.message)}${code}\n${body}`);
  }
}

/** Text output shows this much of an error's response body (JSON shows all the error holds). */
const BODY_EXCERPT_CHARS = 500;

/** A response body (already redacted) on one line, cut to BODY_EXCERPT_CHARS. */
function excerpt(body: unknown): string {
  const text = (typeof body === 'string' ? body : JSON.stringify(body)).replace(/\s*\n\s*/g, ' ');
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}… (${text.length - BODY_EXCERPT_CHARS} more characters)` : text;
}

/** `--format`'s value, or undefined when it is neither text nor json. */
export function formatOf(value: unknown): Format | undefined {
  return value === 'text' || value === 'json' ? value : undefined;
}
