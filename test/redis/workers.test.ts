/**
 * Many workers, one token (catalogue cases 2–3, goal G1): worker processes share one connection
 * through RedisTokenStore against a token server that rotates refresh tokens and revokes the
 * family on reuse. One refresh for everyone; a lock holder killed mid-refresh is taken over after
 * the lock TTL without re-presenting its refresh token.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisTokenStore } from '../../sdk/index.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { record, registerSecret } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';

const WORKER = fileURLToPath(new URL('../fixtures/redis-worker.ts', import.meta.url));
const PREFIX = 'workers:';

interface Done {
  type: 'done';
  pid: number;
  statuses: number[];
  errors: { name: string; code: string; message: string }[];
  events: { type: string }[];
  ms: number;
}

let redis: RedisServer;
let server: FakeOAuth;
let store: RedisTokenStore;
let dir: string;
let manifestPath: string;
const children = new Set<ChildProcess>();

const refreshEndpoint = (url: string): Partial<AuthRefreshableToken> => ({
  response_refresh_token_path: 'refresh_token',
  refresh_request_url: `${url}/refresh`,
  refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
  refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

beforeAll(async () => {
  redis = await startRedisServer();
  store = new RedisTokenStore(redis.url, { keyPrefix: PREFIX });
  dir = await mkdtemp(join(tmpdir(), 'redis-workers-'));
});
afterAll(async () => {
  await store.close();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await server?.close();
});

async function setup(): Promise<void> {
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 3600 });
  manifestPath = join(dir, `manifest-${Date.now()}.json`);
  await writeFile(manifestPath, JSON.stringify(refreshableManifest(server.url, refreshEndpoint(server.url))));
}

/** Stores an expired access token with a valid refresh token (obtained straight from the server). */
async function seedExpired(connectionId: string): Promise<string> {
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

interface Worker {
  child: ChildProcess;
  go(): void;
  done: Promise<Done>;
}

async function startWorker(connectionId: string, executes: number, lockTtlMs: number): Promise<Worker> {
  const child = fork(
    WORKER,
    [manifestPath, redis.url, PREFIX, connectionId, String(executes), String(lockTtlMs), JSON.stringify(credentials)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
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
  const done = message('done') as Promise<Done>;
  done.catch(() => undefined);
  return { child, go: () => child.send('go'), done };
}

function presentedRefreshTokens(): (string | null)[] {
  return server.tokenRequests.filter((request) => request.path === '/refresh').map((request) => new URLSearchParams(request.body).get('refresh_token'));
}

it('4 worker processes × 250 concurrent executes on an expired token: exactly 1 refresh, every execute succeeds', async () => {
  await setup();
  const seeded = await seedExpired('tenant-shared');
  const tokenRequestsBefore = server.counts['/token'] ?? 0;
  const workers = await Promise.all(Array.from({ length: 4 }, () => startWorker('tenant-shared', 250, 30_000)));
  for (const worker of workers) worker.go();
  const results = await Promise.all(workers.map((worker) => worker.done));
  for (const result of results) {
    for (const error of result.errors) record(error);
    for (const event of result.events) record(event);
  }

  const statuses = results.flatMap((result) => result.statuses);
  expect(results.flatMap((result) => result.errors)).toEqual([]);
  expect(statuses).toHaveLength(1_000);
  expect(statuses.every((status) => status === 200)).toBe(true);
  expect(server.counts['/refresh']).toBe(1);
  expect(presentedRefreshTokens()).toEqual([seeded]);
  expect(server.counts['/token'] ?? 0).toBe(tokenRequestsBefore); // no re-authorization
  expect(server.counts['/api/items']).toBe(1_000);
  const stored = await store.get('tenant-shared');
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
  expect(stored?.pendingRefresh).toBeUndefined();
  // Exactly one worker refreshed; the others found the renewed token in the store.
  expect(results.filter((result) => result.events.some((event) => event.type === 'token.refreshed'))).toHaveLength(1);
  expect(results.flatMap((result) => result.events).filter((event) => event.type === 'token.refresh_failed')).toEqual([]);
}, 60_000);

it('the lock holder killed mid-refresh: another worker takes over after the lock TTL and re-authorizes instead of re-presenting the refresh token', async () => {
  await setup();
  const seeded = await seedExpired('tenant-killed');
  const lockTtlMs = 1_500;
  const tokenRequestsBefore = server.counts['/token'] ?? 0;
  const [holder, successor] = await Promise.all([startWorker('tenant-killed', 50, lockTtlMs), startWorker('tenant-killed', 50, lockTtlMs)]);

  // The server holds the refresh answer until the worker that sent it is dead, then acts on it
  // (rotates) and answers into a closed socket: the outcome is lost with the worker.
  let received!: () => void;
  const refreshReceived = new Promise<void>((resolve) => (received = resolve));
  let killed!: () => void;
  const holderKilled = new Promise<void>((resolve) => (killed = resolve));
  server.onTokenRequest = (path) => {
    if (path !== '/refresh') return;
    received();
    return holderKilled;
  };

  holder!.go();
  await refreshReceived;
  successor!.go(); // it waits on the lock the holder keeps alive
  await new Promise((resolve) => setTimeout(resolve, 200));
  const holderExited = new Promise((resolve) => holder!.child.once('exit', resolve));
  holder!.child.kill('SIGKILL');
  await holderExited;
  const killedAt = Date.now();
  killed();

  const result = await successor!.done;
  const tookOverAfterMs = Date.now() - killedAt;
  for (const error of result.errors) record(error);
  for (const event of result.events) record(event);

  expect(result.errors).toEqual([]);
  expect(result.statuses).toHaveLength(50);
  expect(result.statuses.every((status) => status === 200)).toBe(true);
  // Taken over once the dead holder's lease ran out (at most one TTL), not hung.
  // The holder's last heartbeat left at least two thirds of a TTL on the lease: nobody stole it.
  expect(tookOverAfterMs).toBeGreaterThanOrEqual((lockTtlMs * 2) / 3 - 100);
  expect(tookOverAfterMs).toBeLessThan(lockTtlMs + 3_000);
  // The refresh token was presented once, by the dead holder; the successor saw its marker and
  // authorized afresh with the credentials.
  expect(presentedRefreshTokens()).toEqual([seeded]);
  expect(server.counts['/refresh']).toBe(1);
  expect((server.counts['/token'] ?? 0) - tokenRequestsBefore).toBe(1);
  expect(result.events.map((event) => event.type)).toEqual(expect.arrayContaining(['token.refresh_failed', 'token.acquired', 'auth.reauthorized']));
  const stored = await store.get('tenant-killed');
  expect(stored?.pendingRefresh).toBeUndefined();
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
}, 60_000);
