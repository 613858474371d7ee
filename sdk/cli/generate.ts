/**
 * `connector generate <manifest> [--out file.ts]`: writes the typed connector of a manifest
 * (typed-declarations.ts): action ids, inputs, outputs and credentials, so that a host's
 * compiler rejects an unknown action or a wrong input.
 */
import { writeFile } from 'node:fs/promises';
import { loadConnector } from '../runtime/connector.js';
import { failure, parseCommandLine, usageError } from './command-line.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';
import { typedDeclarations } from './typed-declarations.js';

export const usage = `Usage: connector generate <manifest> [--out <file.ts>]

Writes TypeScript declarations of the connector: its action ids, each action's input (from
"input") and output (from "output_schema"), and its credentials. Use them with
loadConnector<Name>(…). Prints to stdout without --out.

Options:
  --out <file.ts>  write the declarations to this file
  -h, --help       show this help

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('generate', usage, argv, { out: { type: 'string' } }, out);
  if (typeof parsed === 'number') return parsed;
  const [manifest, ...extra] = parsed.positionals;
  if (manifest === undefined || extra.length > 0) return usageError('generate', usage, 'give exactly one manifest', out);
  try {
    const connector = await loadConnector(manifest);
    const text = await typedDeclarations(connector.manifest, manifest);
    if (parsed.values.out === undefined) out.out(text);
    else {
      await writeFile(parsed.values.out, text);
      out.out(`wrote ${parsed.values.out}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    return failure('generate', usage, error, out);
  }
}
