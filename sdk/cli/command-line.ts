/**
 * What every subcommand does with its arguments: parse them strictly, answer --help, and turn
 * a mistake into `connector <command>: <message>` and the usage, with exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConnectorError, ManifestError } from '../errors.js';
import { formatDiagnostics } from './format-diagnostics.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export class UsageError extends Error {}

export interface CommandLine<O extends OptionsConfig> {
  values: ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
}

/** The parsed arguments, or the exit status when help was shown or the arguments are wrong. */
export function parseCommandLine<O extends OptionsConfig>(command: string, usage: string, argv: string[], options: O): CommandLine<O> | number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains at length how to pass a positional starting with "-"; the name is enough.
    const message = error instanceof Error ? error.message : String(error);
    const option = /^Unknown option '([^']+)'/.exec(message)?.[1];
    return usageError(command, usage, option ? `unknown option ${option}` : message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed as CommandLine<O>;
}

export function usageError(command: string, usage: string, message: string): number {
  process.stderr.write(`connector ${command}: ${message}\n\n${usage}\n`);
  return 2;
}

/** Exit status of a failed command: 2 usage, 3 invalid manifest, 1 anything else (with its code). */
export function failure(command: string, usage: string, error: unknown): number {
  if (error instanceof UsageError) return usageError(command, usage, error.message);
  if (error instanceof ManifestError) {
    process.stderr.write(`${formatDiagnostics(error.diagnostics)}\n`);
    return 3;
  }
  const code = ConnectorError.isConnectorError(error) ? ` [${error.code}]` : '';
  process.stderr.write(`connector ${command}: ${error instanceof Error ? error.message : String(error)}${code}\n`);
  return 1;
}
