/**
 * Many workers, one token, on a Redis Cluster (issue 19 part 1): 4 worker processes
 * (test/helpers/store-workers.ts), each with its own cluster client, share one connection
 * against a token server that rotates refresh tokens and revokes the family on reuse. One
 * refresh for everyone, as on a single node.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisTokenStore } from '../../sdk/index.js';
import { refreshableManifest } from '../helpers/manifests.js';
import { startRedisCluster, type RedisClusterServers } from '../helpers/redis-cluster.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { expectOneRefreshAcrossWorkers, killWorkers, refreshEndpoint, type WorkerSetup } from '../helpers/store-workers.js';

const PREFIX = 'cluster-workers:';

let cluster: RedisClusterServers;
let server: FakeOAuth;
let store: RedisTokenStore;
let dir: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  store = new RedisTokenStore(createCluster({ rootNodes: cluster.rootNodes }), { keyPrefix: PREFIX });
  dir = await mkdtemp(join(tmpdir(), 'redis-cluster-workers-'));
});
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  killWorkers();
  await server?.close();
});

it('4 worker processes × 250 concurrent executes on an expired token, through a 3-master cluster: exactly 1 refresh, every execute succeeds', async () => {
  server = await startFakeOAuth({ login: { refreshTokens: true }, expiresIn: 3600 });
  const manifestPath = join(dir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(refreshableManifest(server.url, refreshEndpoint(server.url))));
  // The workers' spelling of the root nodes (test/fixtures/store-worker.ts makes a cluster client of it).
  const storeUrl = `redis-cluster://${cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`;
  const setup: WorkerSetup = { manifestPath, storeUrl, namespace: PREFIX, leaseMs: 30_000 };
  await expectOneRefreshAcrossWorkers(setup, server, store, 'tenant-shared');
}, 90_000);
