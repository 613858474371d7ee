/**
 * `connector sandbox <snov-io|docuware>`: starts a sample's local sandbox on its own, writes the
 * credentials file that points the sample manifest at it, prints the `auth` / `run` commands to
 * try (the README's), and runs until SIGINT or SIGTERM. The sandboxes live in the checkout
 * (sandboxes/), not in the npm package: they are found at run time, never bundled, and their
 * absence is said plainly. CONNECTOR_SANDBOXES_DIR (internal, for tests) names another directory.
 */
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { plural } from '../manifest/message-text.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError, UsageError } from './command-line.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector sandbox <snov-io|docuware> [--port N] [--credentials-out <file>] [--format text|json]

Starts a sample connector's local sandbox (a server on 127.0.0.1 that behaves as the API does),
writes the credentials file that connects connectors/<sample>.json to it (mode 0600, removed
when the sandbox stops) and prints the connector auth / connector run commands to try.
Runs until interrupted (Ctrl-C, SIGTERM). Needs a checkout of connector-sdk: the sandboxes
are not part of the npm package.

Options:
  --port N                  port to listen on (default 0: any free port)
  --credentials-out <file>  where to write the credentials (default: creds.json for snov-io,
                            dw.json for docuware, as in the README; an existing file is replaced
                            only when it holds sandbox credentials)
  --format text|json        text lines (default), or one JSON object on stdout
                            {url, manifest, credentialsFile, commands} or {"error": {code, message}}
  -h, --help                show this help

Environment:
  CONNECTOR_SANDBOXES_DIR   where the sandboxes are (default: sandboxes/ of the checkout)

${EXIT_TABLE}`;

/** What sandboxes/samples.ts exports that this command uses (typed here: the module is not in the package). */
interface Sample {
  sandbox: { url: string; requests: readonly unknown[]; close(): Promise<void> };
  manifest: string;
  credentials: Record<string, string>;
  secretNames: readonly string[];
  credentialsFileName: string;
  try: { action: string; input?: Record<string, unknown>; output?: string };
}
interface SamplesModule {
  SAMPLE_NAMES: readonly string[];
  startSample(name: string, port: number): Promise<Sample>;
}

/**
 * Runs the subcommand; resolves to the exit status once the sandbox was stopped by a signal.
 *
 * @example
 * process.exitCode = await run(['snov-io', '--port', '8080']);
 */
export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const options = { ...formatOption, port: { type: 'string', default: '0' }, 'credentials-out': { type: 'string' } } as const;
  const parsed = parseCommandLine('sandbox', usage, argv, options, out);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = readFormat('sandbox', usage, values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  if (positionals.length !== 1) return usageError('sandbox', usage, 'give exactly one sandbox: snov-io or docuware', out);
  try {
    const port = portOf(values.port);
    const samples = await loadSamples(process.env.CONNECTOR_SANDBOXES_DIR);
    const name = positionals[0] as string;
    if (!samples.SAMPLE_NAMES.includes(name)) throw new UsageError(`unknown sandbox "${name}": give one of ${samples.SAMPLE_NAMES.join(', ')}`);
    const sample = await startOn(samples, name, port);
    try {
      for (const secret of sample.secretNames) out.redactor.add(sample.credentials[secret] ?? '');
      const fileArg = values['credentials-out'] ?? sample.credentialsFileName;
      const file = await writeCredentials(fileArg, sample.credentials);
      try {
        // Listening before the announcement: a signal sent as soon as it is read must stop the sandbox, not kill the process.
        const stopped = stopSignal();
        announce(out, sample, file, commandsOf(sample, fileArg));
        await stopped;
      } finally {
        await rm(file, { force: true });
      }
    } finally {
      await sample.sandbox.close();
    }
    // How many requests it answered: a check that the commands tried reached this sandbox.
    if (format === 'text') out.out(`sandbox stopped after serving ${plural(sample.sandbox.requests.length, 'request')}\n`);
    return EXIT.ok;
  } catch (error) {
    return failure('sandbox', usage, error, out);
  }
}

function portOf(text: string | undefined): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text ?? '') || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, not "${String(text)}"`);
  return port;
}

/** sandboxes/samples.ts of the checkout, loaded at run time (a path the bundler does not follow). */
async function loadSamples(dirOverride: string | undefined): Promise<SamplesModule> {
  const dir = resolve(dirOverride ?? fileURLToPath(new URL('../../sandboxes/', import.meta.url)));
  const source = ['samples.ts', 'samples.js'].find((file) => existsSync(join(dir, file)));
  if (!source) {
    throw new UsageError(`the sandboxes are not here (no ${join(dir, 'samples.ts')}): they are not in the npm package; run the command in a checkout of connector-sdk`);
  }
  try {
    return (await import(pathToFileURL(join(dir, 'samples.js')).href)) as SamplesModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (source === 'samples.ts' && (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNKNOWN_FILE_EXTENSION')) {
      throw new UsageError(`the sandboxes in ${dir} are TypeScript sources: run npx tsx sdk/cli/main.ts sandbox … in the checkout`);
    }
    throw error;
  }
}

/** Starts the sample, telling a taken port apart from other failures. */
async function startOn(samples: SamplesModule, name: string, port: number): Promise<Sample> {
  try {
    return await samples.startSample(name, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${port} on 127.0.0.1 is in use: give another --port, or 0 for any free one`);
    throw error;
  }
}

/**
 * Writes the credentials (mode 0600: they look like a real account's). A file that exists is
 * replaced only when it holds the same sample's credentials: a real account's file is never lost.
 */
async function writeCredentials(fileArg: string, credentials: Record<string, string>): Promise<string> {
  const file = resolve(fileArg);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && !isSandboxFile(existing, credentials)) {
    throw new UsageError(`${fileArg} exists and does not hold sandbox credentials: give another --credentials-out`);
  }
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** Same names and values, but for the sandbox's address (another port each run). */
function isSandboxFile(text: string, credentials: Record<string, string>): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const old = value as Record<string, unknown>;
  const loopback = (v: unknown): boolean => typeof v === 'string' && /^(?:http:\/\/)?127\.0\.0\.1:\d+$/.test(v);
  const names = Object.keys(credentials);
  if (Object.keys(old).length !== names.length) return false;
  return names.every((name) => old[name] === credentials[name] || (loopback(old[name]) && loopback(credentials[name])));
}

/** The commands to try, relative to where the command runs (from the checkout's root: the README's, verbatim). */
function commandsOf(sample: Sample, fileArg: string): { auth: string; run: string } {
  const manifest = shellWord(relative(process.cwd(), sample.manifest));
  const common = `--credentials ${shellWord(fileArg)} --allow-private-network`;
  const input = sample.try.input ? ` --input ${shellWord(JSON.stringify(sample.try.input))}` : '';
  const output = sample.try.output ? ` --output ${shellWord(sample.try.output)}` : '';
  return {
    auth: `npx connector auth ${manifest} ${common}`,
    run: `npx connector run ${manifest} ${sample.try.action} ${common}${input}${output}`,
  };
}

/** A POSIX shell word: as it is when it needs no quoting, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function announce(out: Printer, sample: Sample, file: string, commands: { auth: string; run: string }): void {
  const manifest = relative(process.cwd(), sample.manifest);
  if (out.format === 'json') return out.json({ url: sample.sandbox.url, manifest, credentialsFile: file, commands });
  out.out(
    [
      `sandbox listening at ${sample.sandbox.url} (for ${manifest})`,
      `credentials: ${file} (mode 0600, removed when the sandbox stops)`,
      'try:',
      `  ${commands.auth}`,
      `  ${commands.run}`,
      'Ctrl-C (SIGINT) or SIGTERM stops it.',
      '',
    ].join('\n'),
  );
}

/** Resolves on the first SIGINT or SIGTERM; the handlers go away with it. */
function stopSignal(): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
