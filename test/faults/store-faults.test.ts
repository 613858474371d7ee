/**
 * The token store fails under a running connection: a corrupt or truncated file, a write that
 * fails right after a successful rotating refresh (case 8). Typed errors, no token request
 * made on a store that cannot be read, the damaged file left as it was, and no rotated refresh
 * token ever presented twice. (The store's own faults, concurrent writers, read-only
 * directories and killed writers, are covered in test/store/file-token-store.test.ts.)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore, loadConnector, MemoryTokenStore, StoreError, type TokenRecord } from '../../sdk/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';

let server: FakeOAuth;
let dir: string;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };

const refreshEndpoint = (url: string) => ({
  response_refresh_token_path: 'refresh_token',
  refresh_request_url: `${url}/refresh`,
  refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
  refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

beforeAll(async () => {
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 600, now: clock.now });
  dir = await mkdtemp(join(tmpdir(), 'connector-store-faults-'));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a damaged store file under a connection', () => {
  it.each([
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['not JSON at all', () => 'garbage \u0000'],
    ['another document', () => JSON.stringify({ tokens: {} })],
  ])('%s → StoreError from execute, no token request, the file untouched, no token in the message', async (_name, damage) => {
    const path = join(dir, `damaged-${_name.replace(/\W+/g, '-')}.json`);
    const connector = await loadConnector(refreshableManifest(server.url, refreshEndpoint(server.url)));
    const healthy = connector.connect({ connectionId: 'tenant-d', credentials, store: new FileTokenStore(path), clock, allowPrivateNetwork: true });
    await healthy.execute('get-items');
    const tokensBefore = server.counts['/token'] ?? 0;
    const damaged = damage(await readFile(path, 'utf8'));
    await writeFile(path, damaged);

    const restarted = connector.connect({ connectionId: 'tenant-d', credentials, store: new FileTokenStore(path), clock, allowPrivateNetwork: true });
    clockMs += 600_000; // the next call would refresh, if it could read the store
    const error = await rejection(restarted.execute('get-items'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(path);
    expect(server.counts['/token'] ?? 0).toBe(tokensBefore);
    expect(server.counts['/refresh'] ?? 0).toBe(0);
    expect(await readFile(path, 'utf8')).toBe(damaged);
    await connector.close();
  });
});

describe('the store write fails right after a successful rotating refresh (case 8)', () => {
  /** A memory store whose next write of fresh tokens (after a refresh) fails once. */
  class FlakyStore extends MemoryTokenStore {
    failNextTokenWrite = false;
    override async compareAndSet(connectionId: string, expected: number, record: TokenRecord): Promise<boolean> {
      if (this.failNextTokenWrite && record.pendingRefresh === undefined && record.accessToken !== undefined) {
        this.failNextTokenWrite = false;
        throw new StoreError('disk full (simulated)');
      }
      return super.compareAndSet(connectionId, expected, record);
    }
  }

  it('the error surfaces typed; the new tokens are kept, used and written on the next call, never re-requested', async () => {
    const connector = await loadConnector(refreshableManifest(server.url, refreshEndpoint(server.url)));
    const store = new FlakyStore();
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'tenant-w', credentials, store, clock, onEvent: log.listener, allowPrivateNetwork: true });
    await connection.execute('get-items');
    const before = { token: server.counts['/token'] ?? 0, refresh: server.counts['/refresh'] ?? 0 };
    const spent = (await store.get('tenant-w'))?.refreshToken;

    clockMs += 600_000;
    store.failNextTokenWrite = true;
    const error = await rejection(connection.execute('get-items'));
    expect(error).toBeInstanceOf(StoreError);
    expect(server.counts['/refresh']).toBe(before.refresh + 1);
    // The marker written before the refresh says its answer may be lost.
    expect((await store.get('tenant-w'))?.pendingRefresh).toBeDefined();

    expect((await connection.execute('get-items')).status).toBe(200);
    // No token request at all: the tokens the refresh returned were kept and are now stored.
    expect(server.counts['/refresh']).toBe(before.refresh + 1);
    expect(server.counts['/token']).toBe(before.token);
    expect((await store.get('tenant-w'))?.pendingRefresh).toBeUndefined();
    const presented = server.tokenRequests.filter((r) => r.path === '/refresh').map((r) => new URLSearchParams(r.body).get('refresh_token'));
    expect(presented.filter((token) => token === spent)).toHaveLength(1);
    expect((await store.get('tenant-w'))?.refreshToken).toBe(server.latestRefreshToken());
    await connector.close();
  });
});
