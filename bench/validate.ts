/**
 * Validation speed: warm manifests/s of validateManifest on the repo's connectors (or the test
 * corpus of valid manifests when connectors/ is empty), and the cold start of
 * `connector validate <file>` against `node -e 0`. Prints numbers only; no assertions.
 *
 *   npx tsx bench/validate.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateManifest } from '../sdk/manifest/validate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const COLD_RUNS = 10;

function manifestFiles(): string[] {
  for (const dir of ['connectors', 'test/manifest/valid']) {
    const files = existsSync(`${root}${dir}`) ? readdirSync(`${root}${dir}`).filter((f) => f.endsWith('.json')) : [];
    if (files.length > 0) return files.map((f) => `${dir}/${f}`);
  }
  throw new Error('no manifests in connectors/ or test/manifest/valid/');
}

/** Runs `fn` over the inputs for about `ms` milliseconds after a warm-up; returns calls per second. */
function rate(inputs: readonly unknown[], fn: (input: unknown) => unknown, ms = 1500): number {
  for (let i = 0; i < 2000; i++) fn(inputs[i % inputs.length]);
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const input of inputs) fn(input);
    calls += inputs.length;
  }
  return calls / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function coldMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  }
  return median(times);
}

const files = manifestFiles();
const texts = files.map((file) => readFileSync(`${root}${file}`, 'utf8'));
const objects = texts.map((text) => JSON.parse(text) as unknown);
const bytes = texts.reduce((sum, text) => sum + text.length, 0) / texts.length;

console.log(`${files.length} manifests from ${files[0]?.split('/').slice(0, -1).join('/')}, ${Math.round(bytes)} bytes on average`);
for (const [label, inputs] of [['text', texts], ['parsed object', objects]] as const) {
  const perSecond = rate(inputs, (input) => validateManifest(input));
  console.log(`warm, ${label.padEnd(13)}: ${Math.round(perSecond).toLocaleString('en')} manifests/s (${(1000 / perSecond).toFixed(3)} ms each)`);
}

const file = files[0] as string;
const cli = existsSync(`${root}dist/sdk/cli/main.js`)
  ? { label: 'dist/sdk/cli/main.js', args: ['dist/sdk/cli/main.js', 'validate', file] }
  : { label: 'tsx sdk/cli/main.ts', args: ['--import', 'tsx', 'sdk/cli/main.ts', 'validate', file] };
const baseline = coldMs(['-e', '0']);
const validate = coldMs(cli.args);
console.log(`cold, median of ${COLD_RUNS}: node -e 0 ${baseline.toFixed(0)} ms; connector validate (${cli.label}) ${validate.toFixed(0)} ms (+${(validate - baseline).toFixed(0)} ms)`);
