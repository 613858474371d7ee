/**
 * `connector import <format> <file>`: turns a connector described in another format into a
 * manifest — Locoia connector definitions and OpenAPI 3.x / Swagger 2.0 descriptions; a format
 * is one row of IMPORTERS. Prints the source's and the manifest's problems as
 * `file:line:column  /pointer  severity: message`, writes the manifest (`--out`) or prints it,
 * and with `--check <url>` obtains a token with it right away, every request sent to that URL.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFixtureDispatcher } from '../http/fixture-dispatcher.js';
import { importLocoia, LOCOIA_AUTH_TYPES, STARTER_ACTION_ID, type LocoiaAuthType, type LocoiaImport, type LocoiaImportOptions } from '../import/locoia.js';
import { importOpenApi } from '../import/openapi.js';
import { plural } from '../manifest/message-text.js';
import type { ConnectorManifest } from '../manifest/types.gen.js';
import { loadConnector } from '../runtime/connector.js';
import type { TokenInfo } from '../runtime/connection.js';
import { tokenJson, tokenText } from './auth.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError, UsageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, connectLoaded, readCredentials, type ConnectionArgs } from './connection-options.js';
import { debugTrace } from './debug-trace.js';
import { EXIT, EXIT_TABLE, exitStatusOf } from './exit-status.js';
import { formatDiagnostics } from './format-diagnostics.js';
import { printable, Printer } from './output.js';

/** One source format: what it reads, and the importer (the file in; manifest, its text and diagnostics out). */
interface Importer {
  summary: string;
  import(file: string, options: LocoiaImportOptions, values: Values): Promise<LocoiaImport>;
  /** What the text report says of the actions written. */
  actions(manifest: ConnectorManifest): string;
}

const IMPORTERS: Record<string, Importer> = {
  locoia: {
    summary: 'a Locoia connector definition (a base connector, or an auth config alone)',
    import: async (file, options, values) => importLocoia(await readSource(file), { ...options, ...locoiaAuth(values.auth) }),
    actions: () => `its one action, ${STARTER_ACTION_ID}, is a placeholder`,
  },
  openapi: {
    summary: 'an OpenAPI 3.x or Swagger 2.0 description (JSON or YAML file, or a directory holding openapi.* / swagger.*)',
    import: async (file, options, values) => {
      if (file === '-') throw new UsageError('openapi reads a file or a directory, not the standard input');
      const openIdConfiguration = values['openid-configuration'] === undefined ? undefined : JSON.parse(await readSource(values['openid-configuration'])) as Record<string, unknown>;
      return importOpenApi(file, {
        ...options,
        ...(values.auth !== undefined && { auth: values.auth }),
        ...(values.tag !== undefined && { tags: values.tag }),
        ...(values.operation !== undefined && { operations: values.operation }),
        ...(openIdConfiguration !== undefined && { openIdConfiguration }),
      });
    },
    actions: (manifest) => plural(Object.keys(manifest.actions).length, 'action'),
  },
};

export const usage = `Usage: connector import <format> <file> [--out connectors/<id>.json] [options]

Formats:
${Object.entries(IMPORTERS)
  .map(([name, { summary }]) => `  ${name.padEnd(8)}  ${summary}`)
  .join('\n')}

Writes the manifest to --out (or prints it). locoia: with one placeholder action,
${STARTER_ACTION_ID} (a GET of the base URL): a Locoia definition has no actions, a manifest
needs one. openapi: one action per operation (or those of --tag / --operation).
Prints every problem as  file:line:column  /json/pointer  severity: message  (hint):
the source's (untranslatable Jinja, settings the manifest cannot express), then the manifest's.
Nothing is written while there is an error. "-" reads the source from the standard input.

Options:
  --out <file>         write the manifest there (default: print it on stdout)
  --force              overwrite --out if it exists
  --id <id>            the manifest's id (default: from --out, the connector's name or the file name)
  --base-url <url>     the manifest's base URL (default: base_domain, else the token URL's origin)
  --auth <type>        which auth to import when there are several: locoia: ${LOCOIA_AUTH_TYPES.join(', ')};
                       openapi: the name of a security scheme
  --tag <tag>          openapi: import only operations with this tag (repeatable)
  --operation <id>     openapi: import only this operation (operationId or action id; repeatable)
  --openid-configuration <file>
                       openapi: the openIdConnect scheme's discovery document (not fetched)
  --format text|json   text lines (default), or one JSON document on stdout
  --check <url>        then obtain a token with --credentials, every request sent to this
                       URL's origin (a sandbox or the API itself); prints the token's type and
                       expiry or the error. With it:
${connectionOptionsHelp}

${EXIT_TABLE}`;

const options = {
  ...connectionOptions,
  ...formatOption,
  out: { type: 'string' },
  force: { type: 'boolean', default: false },
  id: { type: 'string' },
  'base-url': { type: 'string' },
  auth: { type: 'string' },
  check: { type: 'string' },
  tag: { type: 'string', multiple: true },
  operation: { type: 'string', multiple: true },
  'openid-configuration': { type: 'string' },
} as const;

type Values = ConnectionArgs & {
  out?: string;
  force?: boolean;
  id?: string;
  'base-url'?: string;
  auth?: string;
  check?: string;
  tag?: string[];
  operation?: string[];
  'openid-configuration'?: string;
};

/**
 * Runs the subcommand; resolves to the exit status.
 *
 * @example
 * process.exitCode = await run(['locoia', 'snov-io.locoia.json', '--out', 'connectors/snov-io.json']);
 */
export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('import', usage, argv, options, out);
  if (typeof parsed === 'number') return parsed;
  const format = readFormat('import', usage, parsed.values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  const [kind, file, ...extra] = parsed.positionals;
  const importer = kind !== undefined && Object.hasOwn(IMPORTERS, kind) ? IMPORTERS[kind] : undefined;
  if (!importer) return usageError('import', usage, kind === undefined ? 'no format given' : `unknown format "${kind}" (known: ${Object.keys(IMPORTERS).join(', ')})`, out);
  if (file === undefined || extra.length > 0) return usageError('import', usage, 'give exactly one file', out);
  try {
    const values = parsed.values as Values;
    const result = await importer.import(file, importOptions(file, values), values);
    return await finish(result, importer, values, out);
  } catch (error) {
    return failure('import', usage, error, out);
  }
}

/** Locoia's --auth: one of its auth types. */
function locoiaAuth(auth: string | undefined): Pick<LocoiaImportOptions, 'authType'> {
  if (auth === undefined) return {};
  if (!(LOCOIA_AUTH_TYPES as readonly string[]).includes(auth)) throw new UsageError(`--auth must be one of ${LOCOIA_AUTH_TYPES.join(', ')}, not "${auth}"`);
  return { authType: auth as LocoiaAuthType };
}

function importOptions(file: string, values: Values): LocoiaImportOptions {
  if (values.check !== undefined) checkUrl(values.check);
  const id = values.id ?? (values.out === undefined ? undefined : stem(values.out));
  return {
    file,
    ...(id !== undefined && { id }),
    ...(values['base-url'] !== undefined && { baseUrl: values['base-url'] }),
    ...(values.out !== undefined && { manifestFile: values.out, schema: schemaReference(values.out) }),
  };
}

/** Prints the diagnostics, writes or prints the manifest, runs the check; the exit status. */
async function finish(result: LocoiaImport, importer: Importer, values: Values, out: Printer): Promise<number> {
  const { manifest, text, diagnostics, valid } = result;
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const summary = `${plural(errors, 'error')}, ${plural(diagnostics.length - errors, 'warning')}`;
  if (out.format === 'text' && diagnostics.length > 0) out.err(`${formatDiagnostics(diagnostics, undefined, out.paint.err)}\n`);
  if (!valid || !manifest || text === undefined) {
    if (out.format === 'json') out.json({ valid: false, diagnostics, manifest: manifest ?? null });
    else out.err(`connector import: not imported (${summary}); nothing written\n`);
    return EXIT.invalidManifest;
  }
  if (values.out !== undefined) await writeManifest(values.out, text, values.force ?? false);
  const report: Record<string, unknown> = { valid: true, diagnostics, ...(values.out !== undefined ? { out: values.out } : { manifest }) };
  if (out.format === 'text') {
    const what = `${manifest.id} (${manifest.auth.type}; ${importer.actions(manifest)}; ${summary})`;
    if (values.out !== undefined) out.out(`wrote ${values.out}: ${what}\n`);
    else out.out(text);
    if (values.out === undefined) out.err(`imported ${what}\n`);
  }
  if (values.check === undefined) {
    if (out.format === 'json') out.json(report);
    return EXIT.ok;
  }
  return check(values.check, manifest, values, out, report);
}

/** `--check`: a token from the imported manifest, every request sent to `url`'s origin. */
async function check(url: string, manifest: ConnectorManifest, values: Values, out: Printer, report: Record<string, unknown>): Promise<number> {
  try {
    const info = await obtainToken(url, manifest, values, out);
    if (out.format === 'json') out.json({ ...report, check: { url, tokenInfo: tokenJson(info) } });
    else out.out(`check against ${new URL(url).origin}: ${tokenText(info)}`);
    return EXIT.ok;
  } catch (error) {
    if (out.format === 'text' || error instanceof UsageError) return failure('import', usage, error, out);
    out.json({ ...report, check: { url, error: printable(error, out.redactor) } });
    return exitStatusOf(error);
  }
}

async function obtainToken(url: string, manifest: ConnectorManifest, values: Values, out: Printer): Promise<TokenInfo> {
  if (!values.credentials) throw new UsageError('--check needs --credentials <file> (or env:<PREFIX>)');
  const credentials = await readCredentials(values.credentials);
  const connector = await loadConnector(manifest);
  const redirect = createFixtureDispatcher(checkUrl(url).origin);
  try {
    const connection = connectLoaded(connector, credentials, values, out, debugTrace(out), undefined, { dispatcher: redirect.dispatcher });
    return await connection.ensureToken();
  } finally {
    await connector.close();
    await redirect.close();
  }
}

function checkUrl(url: string): URL {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new UsageError(`--check needs an http or https URL, not "${url}"`);
  return parsed;
}

async function readSource(file: string): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
}

async function writeManifest(file: string, text: string, force: boolean): Promise<void> {
  try {
    // "wx": never replace an author's work unless asked to.
    await writeFile(file, text, { flag: force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' ? `${file} exists: give --force to overwrite it` : `cannot write ${file} (${code ?? 'unknown error'})`);
  }
}

/** "connectors/snov-io.json" → "snov-io". */
function stem(file: string): string | undefined {
  return file.split(/[\\/]/).pop()?.replace(/\.json$/, '') || undefined;
}

/** `$schema` of a manifest written to `file`: this package's schema, relative to the file. */
function schemaReference(file: string): string {
  const schema = fileURLToPath(new URL('../../schemas/connector.schema.json', import.meta.url));
  const path = relative(dirname(resolve(file)), schema).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}
