/**
 * `connector run <manifest> <action>`: executes one action and prints its result as JSON
 * (binary results go to --output). Auth happens as it would in a host platform.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { failure, parseCommandLine, usageError, UsageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, openConnection } from './connection-options.js';

export const usage = `Usage: connector run <manifest> <action> --credentials <file> [options]

Executes an action and prints {"status", "data"} as JSON.

Options:
  --input '<json>'           the action's input
  --input-file <file>        the action's input, from a JSON file
  --output <file>            write a binary result (download) to this file
${connectionOptionsHelp}

Exit status: 0 success, 1 the action or its authentication failed, 2 usage error, 3 invalid manifest.`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('run', usage, argv, {
    ...connectionOptions,
    input: { type: 'string' },
    'input-file': { type: 'string' },
    output: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [manifest, action, ...extra] = positionals;
  if (!manifest || !action || extra.length > 0) return usageError('run', usage, 'give exactly one manifest and one action');
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
    return failure('run', usage, error);
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
