/**
 * `connector init <file> [--auth <type>] [--id <id>]`: writes a new manifest — `$schema`,
 * credentials, an auth block of the chosen type, one action and one test scenario — that
 * `connector validate` and `connector test` accept as it is, for the author to make real.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatOption, parseCommandLine, readFormat, usageError } from './command-line.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { AUTH_TEMPLATES, scaffold } from './init-templates.js';
import { Printer } from './output.js';

const TYPES = Object.keys(AUTH_TEMPLATES);

export const usage = `Usage: connector init <file> [--auth <type>] [--id <id>] [--force] [--format text|json]

Writes a new connector manifest that validates and passes its test scenario as it is.

Options:
  --auth <type>  the auth block: ${TYPES.join(', ')} (default: api_key)
  --id <id>      the connector id (default: the file name without .json)
  --force        overwrite the file if it exists
  --format text|json
                 a line (default), or one JSON object on stdout: {"written", "id", "auth"}
                 or {"error": {code, message}}
  -h, --help     show this help

${EXIT_TABLE}`;

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const options = { ...formatOption, auth: { type: 'string', default: 'api_key' }, id: { type: 'string' }, force: { type: 'boolean', default: false } } as const;
  const parsed = parseCommandLine('init', usage, argv, options, out);
  if (typeof parsed === 'number') return parsed;
  const format = readFormat('init', usage, parsed.values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) return usageError('init', usage, 'give exactly one file to write', out);
  const { auth, force } = parsed.values;
  const template = Object.hasOwn(AUTH_TEMPLATES, auth) ? AUTH_TEMPLATES[auth] : undefined;
  if (!template) return usageError('init', usage, `--auth must be one of ${TYPES.join(', ')}, not "${auth}"`, out);
  const id = parsed.values.id ?? basename(file).replace(/\.json$/, '');
  if (!ID.test(id)) return usageError('init', usage, `the id "${id}" must be lower-case letters, digits and dashes: give --id`, out);
  const manifest = scaffold(id, auth, template, schemaPathFrom(file));
  try {
    // "wx": never replace an author's work unless asked to.
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`, { flag: force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return usageError('init', usage, code === 'EEXIST' ? `${file} exists: give --force to overwrite it` : `cannot write ${file} (${code ?? 'unknown error'})`, out);
  }
  if (format === 'json') out.json({ written: file, id, auth });
  else out.out(`wrote ${file} (${auth}): check it with  npx connector validate ${file}  and  npx connector test ${file}\n`);
  return EXIT.ok;
}

/** This package's schema, relative to the new file: the repository's, or node_modules/connector-sdk's once installed. */
function schemaPathFrom(file: string): string {
  // sdk/cli/init.ts and dist/cli/*.js both sit two levels below the package root.
  const schema = fileURLToPath(new URL('../../schemas/connector.schema.json', import.meta.url));
  const path = relative(dirname(resolve(file)), schema).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}
