/**
 * RedisTokenStore on a Sentinel-backed client (issue 19 part 1): 1 master, 1 replica, 3
 * Sentinels. The store works through createSentinel() as through a single node; the master is
 * killed (SIGKILL) while executes keep refreshing a rotating refresh token: calls during the
 * failover fail with typed StoreErrors, then the promoted replica serves, holding the refresh token
 * the last successful refresh wrote (replicaAcks: 1).
 */
import { createSentinel } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConnector, RedisTokenStore, type Connector } from '../../sdk/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { executeThroughFailover } from '../helpers/redis-cluster.js';
import { SENTINEL_MASTER_NAME, startRedisSentinel, type RedisSentinelServers } from '../helpers/redis-sentinel.js';
import { record } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { refreshEndpoint, seedExpired } from '../helpers/store-workers.js';
import { expectNoLostRotation, expectTypedStoreErrors, failureReasons } from '../helpers/failover-checks.js';

const ID = 'tenant-sentinel';

let servers: RedisSentinelServers;
let server: FakeOAuth;
let connector: Connector;
let store: RedisTokenStore;

beforeAll(async () => {
  servers = await startRedisSentinel();
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 1 });
  connector = await loadConnector(refreshableManifest(server.url, refreshEndpoint(server.url)));
  const sentinel = createSentinel({ name: SENTINEL_MASTER_NAME, sentinelRootNodes: servers.sentinelRootNodes });
  store = new RedisTokenStore(sentinel, { keyPrefix: 'sentinel:', replicaAcks: 1, commandTimeoutMs: 1_000 });
});
afterAll(async () => {
  await store?.close();
  await connector?.close();
  await server?.close();
  await servers?.stop();
});

it('works through the Sentinel-named master: records, the lock, the key layout', async () => {
  expect(await store.compareAndSet('c1', 0, { version: 1, accessToken: 'at-1', cookies: [], extras: {} })).toBe(true);
  expect(await store.withLock('c1', async () => (await store.get('c1'))?.accessToken)).toBe('at-1');
  // Written on the master and, with replicaAcks, already on the replica.
  const { execFileSync } = await import('node:child_process');
  const onReplica = execFileSync('redis-cli', ['-p', String(servers.replica.port), 'get', 'sentinel:{c1}:token']).toString();
  expect(JSON.parse(onReplica)).toMatchObject({ version: 1, accessToken: 'at-1' });
});

it('the master killed: typed StoreErrors during the failover, then the last rotated refresh token is the one stored', async () => {
  await seedExpired(server, store, ID);
  const connection = connector.connect({ connectionId: ID, credentials, store, allowPrivateNetwork: true, onEvent: record });
  expect((await connection.execute('get-items')).status).toBe(200);
  const before = await servers.masterPort();
  expect(before).toBe(servers.master.port);

  let after = before;
  const { errors, okAfter } = await executeThroughFailover(
    async () => expect((await connection.execute('get-items')).status).toBe(200),
    async () => {
      await servers.master.stop('SIGKILL');
      after = await servers.failedOver(before);
    },
  );
  expect(after).toBe(servers.replica.port);
  expect(okAfter).toBe(5);
  expectTypedStoreErrors(errors, ID);
  await expectNoLostRotation(server, store, ID);
  console.log(`sentinel failover: ${errors.length} failed calls (${failureReasons(errors)}), ${server.counts['/refresh']} refreshes`);
}, 120_000);
