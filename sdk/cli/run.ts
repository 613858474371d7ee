/**
 * `connector run <manifest> <action>`: executes one action and prints its result as JSON
 * (binary results go to --output). Auth happens as it would in a host platform.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConnectorError, ManifestError } from '../errors.js';
import { connectionOptions, connectionOptionsHelp, openConnection, UsageError } from './connection-options.js';
import { formatDiagnostics } from './format-diagnostics.js';

export const usage = `Usage: connector run <manifest> <action> --credentials <file> [options]

Executes an action and prints {"status", "data"} as JSON.

Options:
  --input '<json>'           the action's input
  --input-file <file>        the action's input, from a JSON file
  --output <file>            write a binary result (download) to this file
${connectionOptionsHelp}

Exit status: 0 success, 1 the action or its authentication failed, 2 usage error, 3 invalid manifest.`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...connectionOptions, input: { type: 'string' }, 'input-file': { type: 'string' }, output: { type: 'string' } },
    });
  } catch (error) {
    return usageFailure(error);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const [manifest, action, ...extra] = positionals;
  if (!manifest || !action || extra.length > 0) return usageFailure(new UsageError('give exactly one manifest and one action'));
  try {
    const input = await readInput(values.input, values['input-file']);
    const { connector, connection } = await openConnection(manifest, values);
    try {
      const result = await connection.execute(action, input);
      if (isStream(result.data)) {
        if (!values.output) {
          result.data.destroy();
          throw new UsageError(`action "${action}" returns binary content: give --output <file>`);
        }
        await pipeline(result.data, createWriteStream(values.output));
        process.stdout.write(`${JSON.stringify({ status: result.status, output: values.output })}\n`);
      } else {
        process.stdout.write(`${JSON.stringify({ status: result.status, data: result.data }, null, 2)}\n`);
      }
      return 0;
    } finally {
      await connector.close();
    }
  } catch (error) {
    return failure(error);
  }
}

export async function readInput(inline: string | undefined, file: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (inline !== undefined && file !== undefined) throw new UsageError('give --input or --input-file, not both');
  const text = inline ?? (file === undefined ? undefined : await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`cannot read the input file ${file}`);
  }));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UsageError('the input is not valid JSON');
  }
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

export function usageFailure(error: unknown): number {
  process.stderr.write(`connector: ${error instanceof Error ? error.message : String(error)}\n`);
  return 2;
}

/** Exit status of a failed command: 2 usage, 3 invalid manifest, 1 anything else. */
export function failure(error: unknown): number {
  if (error instanceof UsageError) return usageFailure(error);
  if (error instanceof ManifestError) {
    process.stderr.write(`${formatDiagnostics(error.diagnostics)}\n`);
    return 3;
  }
  const code = ConnectorError.isConnectorError(error) ? ` [${error.code}]` : '';
  process.stderr.write(`connector: ${error instanceof Error ? error.message : String(error)}${code}\n`);
  return 1;
}
