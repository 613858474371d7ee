#!/usr/bin/env node
/**
 * The `connector` command. Maps a subcommand to its module, imported only when used: each
 * command loads only what it needs, and a start-up cost in one does not slow the others.
 * A subcommand module exports `run(argv): Promise<number>`, resolving to the exit status.
 */
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
};

const usage = `Usage: connector <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(10)}  ${summary}`)
  .join('\n')}

Run "connector <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const out = new Printer();
  if (name === '--help' || name === '-h' || name === 'help') {
    out.out(`${usage}\n`);
    return 0;
  }
  const subcommand = name !== undefined && Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!subcommand) {
    out.err(`${name === undefined ? 'connector: no command given' : `connector: unknown command "${name}"`}\n\n${usage}\n`);
    return 2;
  }
  try {
    return await (await subcommand.load()).run(rest);
  } catch (error) {
    // Commands print their own failures with the run's secrets; this is what escaped them (a
    // module that failed to load): its message and code only, never the stack or causes.
    out.error(String(name), error);
    return 1;
  }
}

// exitCode rather than exit(): pending output is flushed first.
process.exitCode = await main(process.argv.slice(2));
