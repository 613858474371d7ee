/**
 * The SDK's own CPU per execute, without a socket: each client in its own process on a
 * dispatcher that answers at once (bench/instant-process.ts). No network and no server means
 * little noise, so a change that makes the SDK slower shows here even when the hot-path table's
 * rounds spread wider than the change.
 */
import { spawnSync } from 'node:child_process';
import { pinnedCommand } from '../pinned.js';
import { format, summarise } from '../measure.js';

export const INSTANT_CLIENTS = ['bare', 'realistic', 'HMAC-signed', 'local JWT'] as const;

export interface InstantRow {
  client: string;
  concurrency: number;
  cpuMicros: ReturnType<typeof summarise>;
}

export function instantOverhead(): InstantRow[] {
  return INSTANT_CLIENTS.flatMap((client) =>
    [1, 64].map((concurrency) => {
      const [command, ...args] = pinnedCommand(new URL('../instant-process.ts', import.meta.url), [client, String(concurrency)], 'client');
      const run = spawnSync(command as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (run.status !== 0) throw new Error(`instant-process ${client} failed (exit ${run.status})`);
      return { client, concurrency, cpuMicros: summarise(JSON.parse(run.stdout) as number[]) };
    }),
  );
}

export function instantTable(rows: readonly InstantRow[]): string {
  return [
    '| action | concurrency | SDK CPU µs per execute |',
    '|---|---:|---:|',
    ...rows.map((row) => `| ${row.client} | ${row.concurrency} | ${format(row.cpuMicros)} |`),
  ].join('\n');
}
