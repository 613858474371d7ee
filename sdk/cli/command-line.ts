/**
 * What every subcommand does with its arguments: parse them strictly, answer --help, and turn
 * a mistake into `connector <command>: <message>` and the usage, with exit status 2. Every
 * line goes through the command's Printer (sdk/cli/output.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ManifestError, RequestRefusedError } from '../errors.js';
import { EXIT, exitStatusOf } from './exit-status.js';
import { formatDiagnostics } from './format-diagnostics.js';
import { formatOf, type Format, type Printer } from './output.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export class UsageError extends Error {}

export interface CommandLine<O extends OptionsConfig> {
  values: ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
}

/** The parsed arguments, or the exit status when help was shown or the arguments are wrong. */
export function parseCommandLine<O extends OptionsConfig>(command: string, usage: string, argv: string[], options: O, out: Printer): CommandLine<O> | number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains at length how to pass a positional starting with "-"; the name is enough.
    const message = error instanceof Error ? error.message : String(error);
    const option = /^Unknown option '([^']+)'/.exec(message)?.[1];
    // The arguments did not parse, but a --format json among them still asks for JSON.
    if (asksForJson(argv)) out.format = 'json';
    return usageError(command, usage, option ? `unknown option ${option}` : message, out);
  }
  if ((parsed.values as { help?: boolean }).help) {
    printUsage(usage, asksForJson(argv), out);
    return 0;
  }
  return parsed as CommandLine<O>;
}

/**
 * Whether the raw arguments hold `--format json` (or `--format=json`): for what is printed
 * before or without parsing them — a command line that does not parse, `connector --version`.
 *
 * @example
 * asksForJson(['--version', '--format', 'json']); // true
 */
export function asksForJson(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--format=json' || (arg === '--format' && argv[i + 1] === 'json'));
}

/**
 * The help text: as it is, or with --format json as the one object `{"usage": text}`.
 *
 * @example
 * printUsage(usage, asksForJson(argv), out);
 */
export function printUsage(usage: string, json: boolean, out: Printer): void {
  if (json) out.json({ usage });
  else out.out(`${usage}\n`);
}

/** `--format text|json`, for the commands that print either (text by default). */
export const formatOption = { format: { type: 'string', default: 'text' } } as const;

/** The `--format` the command line gives, or the exit status of the usage error when it is neither text nor json. */
export function readFormat(command: string, usage: string, values: { format?: unknown }, out: Printer): Format | number {
  const format = formatOf(values.format);
  return format ?? usageError(command, usage, `--format must be text or json, not "${String(values.format)}"`, out);
}

/** With --format json, one `{"error": {code: "CONNECTOR_USAGE", message}}` on stdout; else the message and the usage on stderr (`command` '': `connector` itself). */
export function usageError(command: string, usage: string, message: string, out: Printer): number {
  if (out.format === 'json') out.json({ error: { name: 'UsageError', code: USAGE_CODE, message } });
  else out.err(`connector${command === '' ? '' : ` ${command}`}: ${message}\n\n${usage}\n`);
  return EXIT.usage;
}

/** The code of a usage error in JSON output: the CLI's own (not an SDK ErrorCode; exit status 2). */
export const USAGE_CODE = 'CONNECTOR_USAGE';

/**
 * A failed command's message (redacted, with its code) and its exit status from the one table
 * (exit-status.ts). `also`: fields printed beside `error` with --format json (what was done all the same).
 */
export function failure(command: string, usage: string, error: unknown, out: Printer, also?: Record<string, unknown>): number {
  if (error instanceof UsageError) return usageError(command, usage, error.message, out);
  if (error instanceof ManifestError && out.format === 'text') {
    out.err(`${formatDiagnostics(error.diagnostics, undefined, out.paint.err)}\n`);
    return EXIT.invalidManifest;
  }
  out.error(command, inCliTerms(error), also);
  return exitStatusOf(error);
}

/** The SDK names its option (allowPrivateNetwork); on the command line the operator needs the flag's name. */
function inCliTerms(error: unknown): unknown {
  if (!(error instanceof RequestRefusedError) || !error.message.includes('(allowPrivateNetwork is off)')) return error;
  return new RequestRefusedError(error.message.replace('(allowPrivateNetwork is off)', '(pass --allow-private-network to reach a local or private server)'));
}
