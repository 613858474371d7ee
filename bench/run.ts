/**
 * `npm run bench`: the SDK's hot path against raw undici and the usual clients, the refresh
 * storm, validation speed, memory per connection and token store overhead, in one run on
 * loopback. Prints a markdown report and writes it, with the raw numbers as JSON, to
 * bench/results/. A benchmark, not a test: nothing here asserts a timing.
 *
 *   npm run bench            full run (a few minutes)
 *   npm run bench -- --quick fewer rounds, for a smoke check
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startBenchServer } from './bench-process.js';
import { signed } from './measure.js';
import { PLACEMENT } from './pinned.js';
import { hotPath, hotPathTable, type ClientRow } from './sections/hot-path.js';
import { instantOverhead, instantTable } from './sections/instant.js';
import { refreshStorm } from './sections/refresh-storm.js';
import { validation } from './sections/validation.js';
import { memory } from './sections/memory.js';
import { storeOverhead, storeTable } from './sections/stores.js';
import { openApiImport, openApiImportText } from './sections/openapi-import.js';

const quick = process.argv.includes('--quick');
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const date = new Date().toISOString();
const log = (text: string) => process.stdout.write(`${text}\n`);

log(`connector-sdk benchmarks — ${date}\n${machine}\n`);
const server = await startBenchServer();
try {
  log('hot path …');
  const hot = await hotPath(server, { rounds: quick ? 3 : 7, requests: quick ? 3000 : 10_000 });
  log(hotPathTable(hot));
  log('without a socket …');
  const instant = instantOverhead();
  log('\nrefresh storm …');
  const storm = await refreshStorm(server, quick ? 2000 : 10_000);
  log('validation …');
  const valid = validation(quick ? 3 : 10);
  log('memory …');
  const mem = memory(quick ? 2000 : 10_000);
  log('token stores …');
  const stores = await storeOverhead(server, quick);
  log('OpenAPI import …');
  const openapi = await openApiImport(quick ? 1 : 5);

  const report = [
    `# Benchmarks`,
    '',
    `${date} — ${machine}. Medians of interleaved rounds, (min–max); ratios are taken within each round. Each client in its own process; ${PLACEMENT}.`,
    '',
    '## execute() with a cached token vs raw undici',
    '',
    hotPathTable(hot),
    '',
    hotPathTargets(hot),
    '',
    signingCost(hot),
    '',
    '## The SDK alone, without a socket',
    '',
    'CPU per execute on a dispatcher that answers at once (each action in its own process, 5 runs of 40 000 executes): what the SDK itself costs, without the network\'s noise.',
    '',
    instantTable(instant),
    '',
    '## Refresh storm',
    '',
    `${storm.executes} concurrent executes on an expired token: **${storm.tokenRequests} token request(s)**; ` +
      `${storm.expiredMs.toFixed(0)} ms against ${storm.validMs.toFixed(0)} ms with a valid token + ${storm.tokenRoundTripMs.toFixed(1)} ms token round trip ` +
      `(${storm.ratio.toFixed(2)}×; target ≤ 1.2×).`,
    '',
    '## Validation',
    '',
    `${valid.manifests} manifests of ${valid.averageBytes} bytes on average: ${Math.round(valid.warmTextPerSecond)} manifests/s warm from text, ` +
      `${Math.round(valid.warmObjectPerSecond)}/s from parsed objects (target ≥ 2 000/s). Cold \`connector validate\` (${valid.cli}): ` +
      `${valid.coldValidateMs.toFixed(0)} ms against ${valid.coldNodeMs.toFixed(0)} ms for \`node -e 0\` (${(valid.coldValidateMs / valid.coldNodeMs).toFixed(2)}×; target ≤ 2×).`,
    '',
    '## Memory',
    '',
    `${mem.connections} connected connections with tokens in the memory store: heap +${mem.heapMB.toFixed(1)} MB, RSS +${mem.rssMB.toFixed(1)} MB (target ≤ 50 MB).`,
    '',
    '## Token stores',
    '',
    'Per call, concurrency 1: an execute with a cached token (the store is not touched), a renewal (lock, read, token request, compare-and-set, API call) and the store\'s lock cycle alone.',
    '',
    storeTable(stores),
    '',
    '## OpenAPI import',
    '',
    openApiImportText(openapi),
    '',
  ].join('\n');
  log(`\n${report}`);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL('./results/latest.md', import.meta.url), report);
  await writeFile(
    new URL('./results/latest.json', import.meta.url),
    `${JSON.stringify({ date, machine, quick, hotPath: hot, instant, refreshStorm: storm, validation: valid, memory: mem, stores, openapiImport: openapi }, null, 2)}\n`,
  );
} finally {
  server.close();
}

/** Issue 18's targets for the realistic action, and the same figures for the bare one. */
function hotPathTargets(rows: readonly ClientRow[]): string {
  const at = (client: string, concurrency: number) => rows.find((row) => row.client === client && row.concurrency === concurrency);
  const line = (client: string, baseline: string) => {
    const [one, many] = [at(client, 1), at(client, 64)];
    const p50 = (one?.p50Micros.median ?? NaN) - (at(baseline, 1)?.p50Micros.median ?? NaN);
    return `${client}: CPU ${many?.cpuRatio.median.toFixed(2)}× at concurrency 64, ${one?.cpuRatio.median.toFixed(2)}× at 1; throughput ${many?.throughputRatio.median.toFixed(2)}× at 64; p50 added at 1: ${p50.toFixed(0)} µs`;
  };
  return [
    'Targets (realistic action): CPU ≤ 1.25× raw undici at concurrency 64 and ≤ 1.2× at 1, throughput ≥ 0.8×, p50 added at concurrency 1 ≤ 20 µs. Measured:',
    '',
    `- ${line('connector-sdk, realistic', 'raw undici, realistic')}`,
    `- ${line('connector-sdk', 'raw undici')}`,
    `- ${floor(at)}`,
  ].join('\n');
}

/**
 * The SDK reads buffered answers through undici's handler protocol, which `pool.request` (the
 * baseline the targets name) does not: the realistic action against raw `pool.dispatch` too.
 */
function floor(at: (client: string, concurrency: number) => ClientRow | undefined): string {
  const parts = [1, 64].map((concurrency) => {
    const sdk = at('connector-sdk, realistic', concurrency)?.cpuMicrosPerRequest.median ?? NaN;
    const raw = at('raw undici dispatch, realistic', concurrency)?.cpuMicrosPerRequest.median ?? NaN;
    return `${(sdk / raw).toFixed(2)}× (${signed(sdk - raw)} µs) at concurrency ${concurrency}`;
  });
  return `connector-sdk, realistic against raw undici pool.dispatch with a buffering handler (medians): CPU ${parts.join(', ')}`;
}

/** What a computed credential adds per request: the signed rows against raw undici and against the unsigned SDK. */
function signingCost(rows: readonly ClientRow[]): string {
  const parts = [1, 64].flatMap((concurrency) => {
    const at = (client: string) => rows.find((row) => row.client === client && row.concurrency === concurrency);
    const plain = at('connector-sdk');
    return ['connector-sdk, HMAC-signed', 'connector-sdk, local JWT'].map((client) => {
      const row = at(client);
      const overPlain = (row?.cpuMicrosPerRequest.median ?? NaN) - (plain?.cpuMicrosPerRequest.median ?? NaN);
      return `${client.slice('connector-sdk, '.length)} at concurrency ${concurrency}: ${signed(row?.cpuAddedMicros.median ?? NaN)} µs CPU per request over its raw undici baseline (${row?.cpuRatio.median.toFixed(2)}×; HMAC: raw undici signing the same request by hand), ${signed(overPlain)} µs over the unsigned SDK`;
    });
  });
  return `Computed credentials: ${parts.join('; ')}.`;
}
