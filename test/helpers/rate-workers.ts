/**
 * The shared-rate-budget fleet for the Redis and PostgreSQL suites: a manifest limited to 10
 * requests per 2 s per account, 4 worker processes (test/fixtures/rate-worker.ts, forked with
 * tsx) with 4 connection ids of one account, and the run: all start together, their calls go
 * to a loopback API that enforces exactly that limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ConnectorManifest } from '../../sdk/index.js';
import type { WorkerDone } from './store-workers.js';
import type { RateLimitedApi } from './rate-limited-api.js';
import { record, registerSecret } from './secret-scan.js';

const WORKER = fileURLToPath(new URL('../fixtures/rate-worker.ts', import.meta.url));

/** The API's limit and the manifest's. */
export const FLEET_LIMIT = { requests: 10, per_seconds: 2 };
export const FLEET_API_KEY = 'SECRET-canary-rate-api-key';
/** The account key: a credential, so it must never name anything in the store as it is. */
export const FLEET_ACCOUNT = 'SECRET-canary-rate-account';

/** The fleet's calls: 8 windows' worth, so the last batch goes 7 windows after the first. */
export const FLEET_CALLS = 80;
/** The least time 80 calls can take at 10 per 2 s (first to last send): (80 / 10 − 1) × 2 s = 14 s. */
export const FLEET_IDEAL_MS = (FLEET_CALLS / FLEET_LIMIT.requests - 1) * FLEET_LIMIT.per_seconds * 1000;

/**
 * The fleet's outcome: every call 200, exactly 80 requests and no 429 at the API, never more
 * than the limit in a window, and a total time no shorter than the ideal (the ratio to it is
 * logged: an upper bound would depend on how loaded the machine is).
 */
export function expectFleetWithinLimit(label: string, api: RateLimitedApi, run: { reports: WorkerDone[]; ms: number }): void {
  for (const report of run.reports) for (const item of [...report.errors, ...report.events]) record(item);
  expect(run.reports.flatMap((report) => report.errors)).toEqual([]);
  expect(run.reports.flatMap((report) => report.statuses)).toEqual(Array(FLEET_CALLS).fill(200));
  expect(api.throttled()).toBe(0);
  expect(api.arrivals).toHaveLength(FLEET_CALLS);
  expect(api.busiestWindow()).toBe(FLEET_LIMIT.requests);
  console.log(`${label} fleet: ${FLEET_CALLS} calls in ${Math.round(run.ms)} ms; ideal ${FLEET_IDEAL_MS} ms (first to last send); ratio ${(run.ms / FLEET_IDEAL_MS).toFixed(3)}`);
  expect(run.ms).toBeGreaterThanOrEqual(FLEET_IDEAL_MS);
}

/** Every worker started and not yet reaped; `killRateWorkers` ends them (afterEach). */
const children = new Set<ChildProcess>();

export function killRateWorkers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** Writes the fleet's manifest for an API at `origin` into `dir`; returns its path. */
export async function writeFleetManifest(dir: string, origin: string): Promise<string> {
  registerSecret(FLEET_API_KEY, FLEET_ACCOUNT);
  const manifest: ConnectorManifest = {
    id: 'rate-fleet',
    name: 'Rate fleet',
    version: '1.0.0',
    base_url: origin,
    credentials: {
      type: 'object',
      required: ['api_key', 'account'],
      properties: { api_key: { type: 'string', 'x-secret': true }, account: { type: 'string', 'x-secret': true } },
    },
    auth: { type: 'api_key', in: 'header', name: 'X-Key', value: '{{ credentials.api_key }}' },
    rate_limit: { ...FLEET_LIMIT, scope: 'account', key: '{{ credentials.account }}' },
    retry: { max_attempts: 10, max_elapsed_seconds: 60 },
    actions: { 'get-items': { method: 'GET', path: '/v1/items', output: '$.data' } },
  };
  const path = join(dir, `rate-fleet-${Date.now()}.json`);
  await writeFile(path, JSON.stringify(manifest));
  return path;
}

/** Forks `workers` workers (connection ids `tenant-<i>`, one account), each making `calls` calls; resolves with their reports once all are done. */
export async function runFleet(manifestPath: string, storeUrl: string, namespace: string, workers: number, calls: number): Promise<{ reports: WorkerDone[]; ms: number }> {
  const credentials = JSON.stringify({ api_key: FLEET_API_KEY, account: FLEET_ACCOUNT });
  const started = await Promise.all(Array.from({ length: workers }, (_, i) => startRateWorker([manifestPath, storeUrl, namespace, `tenant-${i}`, String(calls), credentials])));
  const begin = performance.now();
  for (const worker of started) worker.child.send('go');
  const reports = await Promise.all(started.map((worker) => worker.done));
  return { reports, ms: performance.now() - begin };
}

async function startRateWorker(args: string[]): Promise<{ child: ChildProcess; done: Promise<WorkerDone> }> {
  const child = fork(WORKER, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`rate worker exited (${code ?? signal}): ${stderr.slice(0, 2000)}`))));
  exited.catch(() => undefined);
  const message = (type: string): Promise<unknown> =>
    Promise.race([
      new Promise<unknown>((resolve) => {
        const listener = (value: unknown): void => {
          if ((value as { type?: string }).type !== type) return;
          child.off('message', listener);
          resolve(value);
        };
        child.on('message', listener);
      }),
      exited,
    ]);
  await message('ready');
  const done = message('done') as Promise<WorkerDone>;
  done.catch(() => undefined);
  return { child, done };
}
