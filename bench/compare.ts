/**
 * `npm run bench:compare`: this build's SDK against an earlier build's (BENCH_BASELINE_SDK, a
 * path to its dist/sdk/index.js) on the hot path alone — the bare and the realistic action, each
 * with its raw-undici baseline, in the same interleaved rounds — so "nothing got slower" is a
 * measurement of both builds on one machine state. Writes bench/results/compare.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { startBenchServer } from './bench-process.js';
import { PLACEMENT } from './pinned.js';
import { hotPath, hotPathTable } from './sections/hot-path.js';

const baseline = process.env.BENCH_BASELINE_SDK;
if (!baseline) throw new Error('set BENCH_BASELINE_SDK to the earlier build (its dist/sdk/index.js)');
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
const only = ['raw undici', 'connector-sdk', 'connector-sdk @ baseline build', 'raw undici, realistic', 'connector-sdk, realistic', 'connector-sdk, realistic @ baseline build'];
const server = await startBenchServer();
try {
  const rows = await hotPath(server, { rounds, requests: 10_000, only });
  const report = [
    '# This build against a baseline build',
    '',
    `${new Date().toISOString()} — baseline ${baseline}; ${rounds} interleaved rounds of 10 000 requests; medians (min–max), ratios within each round; ${PLACEMENT}.`,
    '',
    hotPathTable(rows),
    '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL('./results/compare.md', import.meta.url), report);
} finally {
  server.close();
}
