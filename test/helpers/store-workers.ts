/**
 * Worker processes that share one connection through a store (test/fixtures/store-worker.ts),
 * forked with tsx, and the seed they start from: an expired access token with a valid refresh
 * token obtained straight from the fake authorization server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TokenStore } from '../../sdk/index.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';
import type { FakeOAuth } from './fake-oauth/index.js';
import { credentials } from './manifests.js';
import { expect } from 'vitest';
import { record, registerSecret } from './secret-scan.js';

const WORKER = fileURLToPath(new URL('../fixtures/store-worker.ts', import.meta.url));

export interface WorkerDone {
  type: 'done';
  pid: number;
  statuses: number[];
  errors: { name: string; code: string; message: string }[];
  events: { type: string }[];
  ms: number;
}

export interface Worker {
  child: ChildProcess;
  /** Starts its executes. */
  go(): void;
  /** Its report; rejects if it exits first. */
  done: Promise<WorkerDone>;
}

/** Where the workers meet: the store's URL and namespace (table or key prefix), the manifest, the lock lease. */
export interface WorkerSetup {
  manifestPath: string;
  storeUrl: string;
  namespace: string;
  leaseMs: number;
}

/** Every worker started and not yet reaped; `killWorkers` ends them (afterEach). */
const children = new Set<ChildProcess>();

export function killWorkers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** Forks a worker and waits until it is connected and ready. */
export async function startWorker(setup: WorkerSetup, connectionId: string, executes: number): Promise<Worker> {
  const args = [setup.manifestPath, setup.storeUrl, setup.namespace, connectionId, String(executes), String(setup.leaseMs), JSON.stringify(credentials)];
  const child = fork(WORKER, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before reporting: ${stderr.slice(0, 2000)}`))),
  );
  exited.catch(() => undefined);
  const message = (type: string) =>
    Promise.race([
      new Promise<unknown>((resolve) => {
        const listener = (value: unknown) => {
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
  return { child, go: () => child.send('go'), done };
}

/** The refresh request of the fake server's Locoia-style login: form-encoded, the refresh token rotating. */
export const refreshEndpoint = (url: string): Partial<AuthRefreshableToken> => ({
  response_refresh_token_path: 'refresh_token',
  refresh_request_url: `${url}/refresh`,
  refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
  refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

/** Stores an expired access token with a valid refresh token; returns the refresh token. */
export async function seedExpired(server: FakeOAuth, store: TokenStore, connectionId: string): Promise<string> {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...credentials }).toString(),
  });
  const { refresh_token: refreshToken } = (await response.json()) as { refresh_token: string };
  const expired = 'SECRET-canary-expired-access-token';
  registerSecret(refreshToken, expired);
  const now = Date.now();
  await store.delete(connectionId);
  await store.compareAndSet(connectionId, 0, {
    version: 1,
    accessToken: expired,
    refreshToken,
    tokenType: 'Bearer',
    expiresAt: now - 1_000,
    obtainedAt: now - 3_601_000,
    cookies: [],
    extras: {},
  });
  return refreshToken;
}

/** The refresh tokens presented to /refresh, in order. */
export function presentedRefreshTokens(server: FakeOAuth): (string | null)[] {
  return server.tokenRequests.filter((request) => request.path === '/refresh').map((request) => new URLSearchParams(request.body).get('refresh_token'));
}

/**
 * The shared-token run (catalogue cases 2–3): `workers` processes × `executes` concurrent executes
 * on the seeded expired token; exactly one refresh, every execute answered 200, the store left
 * holding the rotated refresh token. Call it inside a test.
 */
export async function expectOneRefreshAcrossWorkers(setup: WorkerSetup, server: FakeOAuth, store: TokenStore, connectionId: string, workers = 4, executes = 250): Promise<void> {
  const seeded = await seedExpired(server, store, connectionId);
  const tokenRequestsBefore = server.counts['/token'] ?? 0;
  const started = await Promise.all(Array.from({ length: workers }, () => startWorker(setup, connectionId, executes)));
  for (const worker of started) worker.go();
  const results = await Promise.all(started.map((worker) => worker.done));
  for (const result of results) for (const value of [...result.errors, ...result.events]) record(value);
  const statuses = results.flatMap((result) => result.statuses);
  expect(results.flatMap((result) => result.errors)).toEqual([]);
  expect(statuses).toHaveLength(workers * executes);
  expect(statuses.every((status) => status === 200)).toBe(true);
  expect(server.counts['/refresh']).toBe(1);
  expect(presentedRefreshTokens(server)).toEqual([seeded]);
  expect(server.counts['/token'] ?? 0).toBe(tokenRequestsBefore); // no re-authorization
  expect(server.counts['/api/items']).toBe(workers * executes);
  const stored = await store.get(connectionId);
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
  expect(stored?.pendingRefresh).toBeUndefined();
  expect(results.filter((result) => result.events.some((event) => event.type === 'token.refreshed'))).toHaveLength(1);
}
