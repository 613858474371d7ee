/**
 * The SDK's own CPU per execute, without a socket: each client in its own process on a
 * dispatcher that answers at once (bench/instant-process.ts). No network and no server means
 * little noise, so a change that makes the SDK slower shows here even when the hot-path table's
 * rounds spread wider than the change.
 */
import { runPinnedForJson } from '../pinned.js';
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
      const runs = runPinnedForJson<number[]>(new URL('../instant-process.ts', import.meta.url), [client, String(concurrency)], `instant-process ${client}`);
      return { client, concurrency, cpuMicros: summarise(runs) };
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
