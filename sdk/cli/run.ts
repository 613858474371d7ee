/**
 * `connector run <manifest> <action>`: executes one action and prints its result as JSON
 * (binary results go to --output). Auth happens as it would in a host platform. A failure is
 * a line on stderr, or with --format json an {"error": …} document on stdout.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { failure, formatOption, parseCommandLine, readFormat, usageError, UsageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, openConnection } from './connection-options.js';
import { debugTrace } from './debug-trace.js';
import type { Connection } from '../runtime/connection.js';
import { EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector run <manifest> <action> --credentials <file> [options]

Executes an action and prints {"status", "data"} as JSON.

Options:
  --format text|json         how a failure is told: a line on stderr (text, default) or
                             {"error": {code, message, …}} on stdout (json)
  --input '<json>'           the action's input
  --input-file <file>        the action's input, from a JSON file
  --output <file>            write a binary result (download) to this file
  --all                      follow the action's pagination: prints {"items"}, the items at
                             results_path of every page (up to the manifest's max_pages)
${connectionOptionsHelp}

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('run', usage, argv, {
    ...connectionOptions,
    ...formatOption,
    input: { type: 'string' },
    'input-file': { type: 'string' },
    output: { type: 'string' },
    all: { type: 'boolean', default: false },
  }, out);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [manifest, action, ...extra] = positionals;
  const format = readFormat('run', usage, values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  if (!manifest || !action || extra.length > 0) return usageError('run', usage, 'give exactly one manifest and one action', out);
  try {
    const input = await readInput(values.input, values['input-file']);
    const { connector, connection } = await openConnection(manifest, values, out, debugTrace(out));
    try {
      if (values.all) {
        out.json(await allItems(connection, action, input));
        return 0;
      }
      const result = await connection.execute(action, input);
      if (isStream(result.data)) {
        if (!values.output) {
          result.data.destroy();
          throw new UsageError(`action "${action}" returns binary content: give --output <file>`);
        }
        await pipeline(result.data, createWriteStream(values.output));
        out.json({ status: result.status, output: values.output });
      } else {
        out.json({ status: result.status, data: result.data });
      }
      return 0;
    } finally {
      await connector.close();
    }
  } catch (error) {
    return failure('run', usage, error, out);
  }
}

/** Every page's items, for --all. */
async function allItems(connection: Connection, action: string, input: Record<string, unknown> | undefined): Promise<{ items: unknown[] }> {
  const items: unknown[] = [];
  for await (const item of connection.items(action, input)) items.push(item);
  return { items };
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
