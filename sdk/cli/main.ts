#!/usr/bin/env node
/**
 * The `connector` command. Maps a subcommand to its module, imported only when used: each
 * command loads only what it needs, and a start-up cost in one does not slow the others.
 * A subcommand module exports `run(argv): Promise<number>`, resolving to the exit status.
 */
import { readFileSync } from 'node:fs';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { asksForJson, printUsage, usageError } from './command-line.js';
import { Printer } from './output.js';

interface Subcommand {
  summary: string;
  load(): Promise<{ run(argv: string[]): Promise<number> }>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  validate: { summary: 'check connector manifests', load: () => import('./validate.js') },
  run: { summary: 'execute an action and print its result', load: () => import('./run.js') },
  auth: { summary: 'obtain a token and show its type and expiry', load: () => import('./auth.js') },
  login: { summary: 'authorize through the browser (authorization code) and keep the tokens', load: () => import('./login.js') },
  test: { summary: 'run the test scenarios of manifests offline', load: () => import('./test.js') },
  record: { summary: 'run an action and save its exchanges as test fixtures', load: () => import('./record.js') },
  generate: { summary: 'write TypeScript types of a manifest\'s actions and credentials', load: () => import('./generate.js') },
  init: { summary: 'write a new manifest that validates and passes its test', load: () => import('./init.js') },
  import: { summary: 'turn a Locoia connector definition into a manifest', load: () => import('./import.js') },
  mcp: { summary: 'serve the manifests\' actions as MCP tools (stdio or Streamable HTTP)', load: () => import('./mcp.js') },
  sandbox: { summary: 'start a sample\'s local sandbox and print the credentials file and commands to try', load: () => import('./sandbox.js') },
};

const usage = `Usage: connector <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(10)}  ${summary}`)
  .join('\n')}

Options:
  -h, --help     show this help ("connector help <command>" for a command's)
  -v, --version  print the version
  --format json  print the version, this help or a mistake as one JSON object on stdout
                 (every command takes --format text|json)

Run "connector <command> --help" for a command's options.

${EXIT_TABLE}`;

/** The package's version: package.json sits two levels up from both sdk/cli/main.ts and dist/cli/main.js. */
function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return String((JSON.parse(text) as { version?: unknown }).version);
}

/**
 * `connector --format json validate …` is `connector validate … --format json`: the one option
 * every command takes may come before the command too. It is moved behind the command's own
 * arguments, ahead of a `--` (after which everything is positional).
 */
function commandFirst(argv: readonly string[]): string[] {
  let i = 0;
  while (argv[i]?.startsWith('--format=') || (argv[i] === '--format' && argv[i + 1] !== undefined)) i += argv[i] === '--format' ? 2 : 1;
  if (i === 0 || i === argv.length) return [...argv];
  const rest = argv.slice(i);
  const end = rest.indexOf('--');
  const at = end === -1 ? rest.length : end;
  return [...rest.slice(0, at), ...argv.slice(0, i), ...rest.slice(at)];
}

async function main(raw: string[]): Promise<number> {
  const argv = commandFirst(raw);
  const [first, ...others] = argv;
  const out = new Printer();
  // The options of `connector` itself come before any command: --format json among them prints JSON.
  out.format = asksForJson(argv) ? 'json' : 'text';
  if (first === '--version' || first === '-v') {
    if (out.format === 'json') out.json({ version: version() });
    else out.out(`${version()}\n`);
    return EXIT.ok;
  }
  // "connector help run [--format json]" is "connector run --help [--format json]".
  const [name, ...rest] = first === 'help' && others[0] !== undefined && !others[0].startsWith('-') ? [others[0], '--help', ...others.slice(1)] : [first, ...others];
  if (name === '--help' || name === '-h' || name === 'help') {
    printUsage(usage, out.format === 'json', out);
    return EXIT.ok;
  }
  const subcommand = name !== undefined && Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!subcommand) {
    // "connector --format json" gives no command: the option is not one.
    const given = name === '--format' || name?.startsWith('--format=') ? undefined : name;
    return usageError('', usage, given === undefined ? 'no command given' : `unknown command "${given}"`, out);
  }
  try {
    return await (await subcommand.load()).run(rest);
  } catch (error) {
    // Commands print their own failures with the run's secrets; this is what escaped them (a
    // module that failed to load): its message and code only, never the stack or causes.
    out.error(String(name), error);
    return EXIT.failed;
  }
}

// exitCode rather than exit(): pending output is flushed first.
process.exitCode = await main(process.argv.slice(2));
