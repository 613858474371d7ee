/**
 * `npm run bench:alloc`: the bytes the realistic action allocates per request, against raw
 * undici sending the same request — each in its own fresh process (pinned as in the bench)
 * against the bench server, at concurrency 1. Garbage the SDK makes is CPU twice: the allocation,
 * and the cache lines and scavenges it costs every request after. The report
 * (bench/results/allocation.md) gives both totals and the functions that allocate the most.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startBenchServer } from './bench-process.js';
import { CLIENTS } from './clients.js';
import { signed } from './measure.js';
import { PLACEMENT, runPinnedForJson } from './pinned.js';

const SDK = process.env.PROFILE_CLIENT ?? 'connector-sdk, realistic';
// The raw undici client that sends the same request as the SDK client profiled (its bench baseline).
const RAW = CLIENTS[SDK]?.baseline ?? 'raw undici, realistic';
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 20_000);

function allocationsOf(name: string, url: string): Record<string, number> {
  return runPinnedForJson(new URL('./allocation-process.ts', import.meta.url), [name, url, String(REQUESTS), '1'], `sampling the allocations of "${name}"`);
}

const total = (bytes: Record<string, number>) => Object.values(bytes).reduce((sum, value) => sum + value, 0);
const top = (bytes: Record<string, number>) =>
  Object.entries(bytes)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 20)
    .map(([key, value]) => `| ${key} | ${Math.round(value)} |`);

const server = await startBenchServer();
try {
  const raw = allocationsOf(RAW, server.url);
  const sdk = allocationsOf(SDK, server.url);
  if ((await server.refused()) > 0) throw new Error('the bench server refused requests: a client is broken');
  const text = [
    `# Bytes allocated per request: ${SDK} against ${RAW} (${new Date().toISOString()})`,
    '',
    `${REQUESTS} requests at concurrency 1, every allocation sampled (V8's sampling heap profiler, 128-byte interval, collected objects included); ${PLACEMENT}.`,
    '',
    `SDK ${Math.round(total(sdk))} bytes per request, raw undici ${Math.round(total(raw))} (${signed(total(sdk) - total(raw), 0)}).`,
    '',
    `## ${SDK}: where the bytes are allocated`,
    '',
    '| function | bytes per request |',
    '|---|---:|',
    ...top(sdk),
    '',
    `## ${RAW}`,
    '',
    '| function | bytes per request |',
    '|---|---:|',
    ...top(raw),
    '',
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/allocation.md', import.meta.url), text);
  process.stdout.write(`${text}\n`);
} finally {
  server.close();
}
