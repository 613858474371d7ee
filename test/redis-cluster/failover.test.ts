/**
 * A Redis Cluster failover under a running connection (issue 19 part 1): 3 masters with one
 * replica each; the master serving the connection's slot is killed (SIGKILL) while executes keep
 * refreshing a rotating refresh token (the token server revokes the family when an old one is
 * presented, so a lost rotation shows as a failure). During the failover every call fails with a
 * typed StoreError (no "unreachable (TypeError)", no secret); once the replica is promoted the
 * same store and client serve again, and the store holds the refresh token the last successful
 * refresh wrote (replicaAcks: 1 made each write wait for the replica).
 */
import { createCluster } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConnector, RedisTokenStore, type Connector } from '../../sdk/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { executeThroughFailover, startRedisCluster, type RedisClusterServers } from '../helpers/redis-cluster.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { record } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { refreshEndpoint, seedExpired } from '../helpers/store-workers.js';
import { expectNoLostRotation, expectTypedStoreErrors, failureReasons } from '../helpers/failover-checks.js';

const PREFIX = 'failover:';
const ID = 'tenant-failover';

let cluster: RedisClusterServers;
let server: FakeOAuth;
let connector: Connector;
let store: RedisTokenStore;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  // Every token is expired on arrival (1 s, inside the refresh margin): each execute refreshes and rotates.
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 1 });
  connector = await loadConnector(refreshableManifest(server.url, refreshEndpoint(server.url)));
  store = new RedisTokenStore(createCluster({ rootNodes: cluster.rootNodes }), { keyPrefix: PREFIX, replicaAcks: 1, commandTimeoutMs: 1_000 });
});
afterAll(async () => {
  await store?.close();
  await connector?.close();
  await server?.close();
  await cluster?.stop();
});

it('the master of the connection’s slot killed: typed StoreErrors during the failover, then the last rotated refresh token is the one stored', async () => {
  await seedExpired(server, store, ID);
  const connection = connector.connect({ connectionId: ID, credentials, store, allowPrivateNetwork: true, onEvent: record });
  expect((await connection.execute('get-items')).status).toBe(200);
  const master = await cluster.masterOf(`${PREFIX}{${ID}}:token`);

  let replica: RedisServer | undefined;
  const { errors, okAfter } = await executeThroughFailover(
    async () => expect((await connection.execute('get-items')).status).toBe(200),
    async () => {
      await master.stop('SIGKILL');
      replica = await cluster.failedOver(`${PREFIX}{${ID}}:token`, master);
    },
  );
  expect(replica?.port).not.toBe(master.port);
  expect(okAfter).toBe(5);
  expectTypedStoreErrors(errors, ID);
  await expectNoLostRotation(server, store, ID);
  console.log(`cluster failover: ${errors.length} failed calls (${failureReasons(errors)}), ${server.counts['/refresh']} refreshes`);
}, 120_000);
