/** The TokenStore contract, run against every store (the Redis one against a real redis-server). */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { FileTokenStore } from '../../sdk/store/file-token-store.js';
import { MemoryTokenStore } from '../../sdk/store/memory-token-store.js';
import { RedisTokenStore } from '../../sdk/store/redis-token-store.js';
import type { TokenStore } from '../../sdk/store/token-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tokenStoreContract } from '../helpers/token-store-contract.js';

let dir: string;
let redis: RedisServer;
const redisStores: RedisTokenStore[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'token-store-contract-'));
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(redisStores.map((store) => store.close()));
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
let prefixes = 0;
const key = randomBytes(32);
const redisStore = (options: { encryptionKey?: Buffer } = {}): RedisTokenStore => {
  const store = new RedisTokenStore(redis.url, { keyPrefix: `contract-${prefixes++}:`, ...options });
  redisStores.push(store);
  return store;
};
const stores: [string, () => TokenStore][] = [
  ['MemoryTokenStore', () => new MemoryTokenStore()],
  ['FileTokenStore', () => new FileTokenStore(join(dir, `tokens-${files++}.json`))],
  ['FileTokenStore (encrypted)', () => new FileTokenStore(join(dir, `tokens-${files++}.json`), { encryptionKey: key })],
  ['RedisTokenStore', () => redisStore()],
  ['RedisTokenStore (encrypted)', () => redisStore({ encryptionKey: key })],
];

tokenStoreContract(stores);
