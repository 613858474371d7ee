/**
 * Encryption at rest for the stores that persist (Redis and file), through real connections:
 * the raw value holds no token (canary scan), a wrong key or a tampered record is a StoreError
 * naming the connection, and a persistent store without a key is reported once per store as a
 * `store.unencrypted` event.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore, loadConnector, MemoryTokenStore, RedisTokenStore, StoreError, type Connector, type TokenStore } from '../../sdk/index.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';
import { CLIENT_SECRET, credentials, refreshableManifest } from '../helpers/manifests.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';

const KEY = randomBytes(32);
let redis: RedisServer;
let raw: ReturnType<typeof createClient>;
let server: FakeOAuth;
let connector: Connector;
let dir: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  raw = createClient({ url: redis.url });
  raw.on('error', () => undefined);
  await raw.connect();
  server = await startFakeOAuth({ login: { refreshTokens: true }, rotateRefreshTokens: false, expiresIn: 3600 });
  connector = await loadConnector(
    refreshableManifest(server.url, { response_refresh_token_path: 'refresh_token' } satisfies Partial<AuthRefreshableToken>),
  );
  dir = await mkdtemp(join(tmpdir(), 'store-encryption-'));
});
afterAll(async () => {
  for (const close of closers) await close();
  await connector.close();
  await server.close();
  raw.destroy();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

function redisStore(prefix: string, options: ConstructorParameters<typeof RedisTokenStore>[1] = {}): RedisTokenStore {
  const store = new RedisTokenStore(redis.url, { keyPrefix: prefix, ...options });
  closers.push(() => store.close());
  return store;
}

/** Runs one action through a connection on the store; returns the events it emitted. */
async function executeWith(store: TokenStore, connectionId: string) {
  const log = eventLog();
  const connection = connector.connect({ connectionId, credentials, store, onEvent: log.listener, allowPrivateNetwork: true });
  const result = await connection.execute('get-items');
  return { status: result.status, events: log.events };
}

/** Every secret the run produced: the credentials and the tokens the server issued. */
function secrets(): string[] {
  const issued = server.tokenRequests.length > 0 ? [server.latestRefreshToken()!] : [];
  const authorizations = server.apiRequests.map(({ headers }) => headers.authorization?.replace(/^Bearer /, '') ?? '');
  return [CLIENT_SECRET, ...issued, ...authorizations].filter((value) => value.length > 0);
}

describe.each([
  [
    'Redis',
    async (options: { encryptionKey?: Buffer }, name: string) => {
      const store = redisStore(`${name}:`, options);
      return { store, rawValue: async (connectionId: string) => (await raw.get(`${name}:{${connectionId}}:token`)) ?? '' };
    },
  ],
  [
    'file',
    async (options: { encryptionKey?: Buffer }, name: string) => {
      const path = join(dir, `${name}.json`);
      const store = new FileTokenStore(path, options);
      return { store, rawValue: async () => readFile(path, 'utf8') };
    },
  ],
] as const)('%s store', (_kind, open) => {
  it('with a key: the raw value holds no token, only a sealed envelope; the tokens read back', async () => {
    const { store, rawValue } = await open({ encryptionKey: KEY }, `${_kind}-sealed`);
    expect((await executeWith(store, 'tenant-1')).status).toBe(200);
    const value = await rawValue('tenant-1');
    for (const secret of secrets()) expect(value).not.toContain(secret);
    expect(value).not.toContain('canary');
    expect(value).toMatch(/"sealed":\{"v":1,"kid":"k-[\w-]+","iv":"[^"]+","tag":"[^"]+","data":"[^"]+"\}/);
    expect((await store.get('tenant-1'))?.refreshToken).toBe(server.latestRefreshToken());
    expect(store.atRest).toEqual({ store: _kind === 'Redis' ? 'redis' : 'file', encrypted: true });
  });

  it('without a key the token is in plain text: the control for the scan above', async () => {
    const { store, rawValue } = await open({}, `${_kind}-plain`);
    await executeWith(store, 'tenant-1');
    expect(await rawValue('tenant-1')).toContain(server.latestRefreshToken());
  });

  it('a wrong key: StoreError naming the connection, for the store and for the action', async () => {
    const { store } = await open({ encryptionKey: KEY }, `${_kind}-wrong`);
    await executeWith(store, 'tenant-1');
    const { store: wrong } = await open({ encryptionKey: randomBytes(32) }, `${_kind}-wrong`);
    const error = await rejection(wrong.get('tenant-1'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('connection "tenant-1"');
    expect(error.message).toMatch(/wrong key/);
    const connection = connector.connect({ connectionId: 'tenant-1', credentials, store: wrong, allowPrivateNetwork: true });
    expect(await rejection(connection.execute('get-items'))).toBeInstanceOf(StoreError);
  });

  it('a tampered ciphertext: StoreError naming the connection, never the content', async () => {
    const name = `${_kind}-tampered`;
    const { store, rawValue } = await open({ encryptionKey: KEY }, name);
    await executeWith(store, 'tenant-1');
    const value = await rawValue('tenant-1');
    // Flip one bit of the ciphertext in place.
    const tampered = value.replace(/"data":"([A-Za-z0-9+/])/, (_match, first: string) => `"data":"${first === 'A' ? 'B' : 'A'}`);
    expect(tampered).not.toBe(value);
    if (_kind === 'Redis') await raw.set(`${name}:{tenant-1}:token`, tampered);
    else await writeFile(join(dir, `${name}.json`), tampered);
    const { store: reader } = await open({ encryptionKey: KEY }, name);
    const error = await rejection(reader.get('tenant-1'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('connection "tenant-1"');
    expect(error.message).toContain('tampered');
  });
});

describe('store.unencrypted', () => {
  it('is emitted once per persistent store without a key, not for an encrypted or a memory store', async () => {
    const plainRedis = redisStore('warn-plain:');
    const first = await executeWith(plainRedis, 'tenant-a');
    const second = await executeWith(plainRedis, 'tenant-b');
    expect(first.events.filter((event) => event.type === 'store.unencrypted')).toEqual([
      expect.objectContaining({ type: 'store.unencrypted', store: 'redis', connectionId: 'tenant-a' }),
    ]);
    expect(second.events.map((event) => event.type)).not.toContain('store.unencrypted');

    const plainFile = new FileTokenStore(join(dir, 'warn-plain.json'));
    expect((await executeWith(plainFile, 'tenant-a')).events).toContainEqual(expect.objectContaining({ type: 'store.unencrypted', store: 'file' }));

    for (const quiet of [redisStore('warn-sealed:', { encryptionKey: KEY }), new FileTokenStore(join(dir, 'warn-sealed.json'), { encryptionKey: KEY }), new MemoryTokenStore()]) {
      expect((await executeWith(quiet, 'tenant-a')).events.map((event) => event.type)).not.toContain('store.unencrypted');
    }
  });
});
