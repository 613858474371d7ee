/**
 * `connector generate <manifest> [--out file.ts]`: writes the typed connector of a manifest
 * (typed-declarations.ts): action ids, inputs, outputs and credentials, so that a host's
 * compiler rejects an unknown action or a wrong input.
 */
import { writeFile } from 'node:fs/promises';
import { loadConnector } from '../runtime/connector.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError } from './command-line.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';
import { typedDeclarations } from './typed-declarations.js';

export const usage = `Usage: connector generate <manifest> [--out <file.ts>] [--format text|json]

Writes TypeScript declarations of the connector: its action ids, each action's input (from
"input") and output (from "output_schema"), and its credentials. Use them with
loadConnector<Name>(…). Prints to stdout without --out.

Options:
  --out <file.ts>  write the declarations to this file
  --format text|json
                   text (default), or one JSON object on stdout: {"written": <file>} with
                   --out, else {"declarations": <text>}; or {"error": {code, message, …}}
  -h, --help       show this help

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('generate', usage, argv, { ...formatOption, out: { type: 'string' } }, out);
  if (typeof parsed === 'number') return parsed;
  const format = readFormat('generate', usage, parsed.values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  const [manifest, ...extra] = parsed.positionals;
  if (manifest === undefined || extra.length > 0) return usageError('generate', usage, 'give exactly one manifest', out);
  try {
    const connector = await loadConnector(manifest);
    const text = await typedDeclarations(connector.manifest, manifest);
    const file = parsed.values.out;
    if (file !== undefined) await writeFile(file, text);
    if (format === 'json') out.json(file === undefined ? { declarations: text } : { written: file });
    else out.out(file === undefined ? text : `wrote ${file}\n`);
    return EXIT.ok;
  } catch (error) {
    return failure('generate', usage, error, out);
  }
}
