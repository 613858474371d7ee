/**
 * Validation speed: warm manifests/s of validateManifest on the repo's connectors (text and
 * parsed objects), and the cold start of `connector validate <file>` against `node -e 0`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateManifest } from '../sdk.js';
import { summarise } from '../measure.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ValidationResult {
  manifests: number;
  averageBytes: number;
  warmTextPerSecond: number;
  warmObjectPerSecond: number;
  coldNodeMs: number;
  coldValidateMs: number;
  cli: string;
}

export function validation(coldRuns: number): ValidationResult {
  const files = readdirSync(`${root}connectors`).filter((f) => f.endsWith('.json')).map((f) => `connectors/${f}`);
  const texts = files.map((file) => readFileSync(`${root}${file}`, 'utf8'));
  const objects = texts.map((text) => JSON.parse(text) as unknown);
  const file = files[0] as string;
  const cli = existsSync(`${root}dist/cli/main.js`)
    ? { label: 'node dist/cli/main.js', args: ['dist/cli/main.js', 'validate', file] }
    : { label: 'node --import tsx sdk/cli/main.ts', args: ['--import', 'tsx', 'sdk/cli/main.ts', 'validate', file] };
  return {
    manifests: files.length,
    averageBytes: Math.round(texts.reduce((sum, text) => sum + text.length, 0) / texts.length),
    warmTextPerSecond: rate(texts, (input) => validateManifest(input)),
    warmObjectPerSecond: rate(objects, (input) => validateManifest(input)),
    coldNodeMs: coldMs(['-e', '0'], coldRuns),
    coldValidateMs: coldMs(cli.args, coldRuns),
    cli: cli.label,
  };
}

/** Calls per second of `fn` over the inputs for about `ms` milliseconds, after a warm-up. */
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

function coldMs(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  }
  return summarise(times).median;
}
