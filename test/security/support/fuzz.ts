/**
 * Runs fast-check properties with a fixed seed (reproducible; FUZZ_SEED overrides it, FUZZ_SCALE
 * multiplies the runs) and reports how many cases each property ran, into the run's report
 * directory: the global teardown prints the fuzz total next to the secret-scan summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, inject } from 'vitest';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/** Checks a property for `runs` cases (at least 200) and records the count. */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => void | boolean | Promise<void | boolean>,
  runs: number,
): Promise<number> {
  const numRuns = Math.max(200, Math.round(runs * SCALE));
  let count = 0;
  const property = fc.asyncProperty(...arbitraries, async (...args: Ts) => {
    count++;
    return predicate(...args);
  });
  await fc.assert(property as fc.IAsyncProperty<Ts>, { numRuns, seed: FUZZ_SEED, endOnFailure: true });
  expect(count).toBeGreaterThanOrEqual(numRuns);
  report(name, count);
  return count;
}

function report(name: string, runs: number): void {
  const dir = inject('secretScanDir') ?? join(process.cwd(), '.tmp', 'secret-scan', 'unsummarized');
  mkdirSync(dir, { recursive: true });
  const file = `fuzz-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`;
  writeFileSync(join(dir, file), `${JSON.stringify({ property: name, runs })}\n`);
  console.log(`fuzz: ${name}: ${runs} runs (seed ${FUZZ_SEED})`);
}
