/**
 * Starts a bench script (TypeScript, through tsx) in its own process with an IPC channel,
 * pinned to one core with `taskset` where it exists and the machine has more than one: the server
 * on the last core, the clients on the first, so a client's CPU time and the server's never
 * compete for the same core. Without taskset the processes run unpinned (the report says which).
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const cores = cpus().length;
const hasTaskset = cores > 1 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** How processes are placed, for the report. */
export const PLACEMENT = hasTaskset ? `server pinned to core ${cores - 1}, each client process to core 0 (taskset)` : 'processes not pinned (no taskset or one core)';

/** The command line that runs `script` pinned for its role. */
export function pinnedCommand(script: URL, args: string[], role: 'server' | 'client'): string[] {
  const node = [process.execPath, '--import', 'tsx', fileURLToPath(script), ...args];
  return hasTaskset ? ['taskset', '-c', role === 'server' ? String(cores - 1) : '0', ...node] : node;
}

export function startPinned(script: URL, args: string[], role: 'server' | 'client', stdio: StdioOptions): ChildProcess {
  const [command, ...rest] = pinnedCommand(script, args, role);
  return spawn(command as string, rest, { stdio });
}

/**
 * Runs a client script pinned as a client, to its end, and parses what it printed on stdout as
 * JSON (its report); `what` names the run in the error when it fails.
 */
export function runPinnedForJson<T>(script: URL, args: string[], what: string): T {
  const [command, ...rest] = pinnedCommand(script, args, 'client');
  const run = spawnSync(command as string, rest, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status})`);
  return JSON.parse(run.stdout) as T;
}
