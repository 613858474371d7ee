/**
 * RedisTokenStore on a real 3-master Redis Cluster (issue 19 part 1): the TokenStore contract
 * through a node-redis cluster client, a connection's keys in one slot on the master serving it,
 * the rate budget routed to its own slot, a client handed over unconnected connected and closed by
 * the store, and a single node's URL of the cluster refused with a message saying what to pass.
 */
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateBudgetKey, RedisTokenStore, StoreError } from '../../sdk/index.js';
import { startRedisCluster, type RedisClusterServers } from '../helpers/redis-cluster.js';
import { tokenStoreContract } from '../helpers/token-store-contract.js';
import { rejection } from '../helpers/secret-scan.js';

let cluster: RedisClusterServers;
let client: ReturnType<typeof createCluster>;
const stores: RedisTokenStore[] = [];
let prefixes = 0;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  client = createCluster({ rootNodes: cluster.rootNodes });
  client.on('error', () => undefined);
  await client.connect();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  client.destroy();
  await cluster?.stop();
});

function clusterStore(options: ConstructorParameters<typeof RedisTokenStore>[1] = {}): RedisTokenStore {
  const store = new RedisTokenStore(client, { keyPrefix: `cluster-${prefixes++}:`, ...options });
  stores.push(store);
  return store;
}

tokenStoreContract([['RedisTokenStore on a Redis Cluster', () => clusterStore()]]);

/** A connection id whose keys live on a master other than `node` (slots are spread over three). */
async function idServedElsewhere(prefix: string, port: number): Promise<string> {
  for (let i = 0; ; i++) {
    const id = `tenant-${i}`;
    if ((await cluster.masterOf(`${prefix}{${id}}:token`)).port !== port) return id;
  }
}

describe('RedisTokenStore on a Redis Cluster', () => {
  it('keeps a connection’s token and lock keys in one slot, on the master that serves it', async () => {
    const store = clusterStore({ keyPrefix: 'slots:' });
    const ids = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e', 'tenant-f'];
    const masters = new Set<number>();
    for (const id of ids) {
      await store.compareAndSet(id, 0, { version: 1, accessToken: `at-${id}`, cookies: [], extras: {} });
      let lockSlot = '';
      await store.withLock(id, async () => {
        const master = await cluster.masterOf(`slots:{${id}}:lock`);
        // The lock is on the node serving the slot, and nowhere else.
        expect(await cluster.cli(master, 'exists', `slots:{${id}}:lock`)).toBe('1\n');
        lockSlot = await cluster.cli(master, 'cluster', 'keyslot', `slots:{${id}}:lock`);
      });
      const master = await cluster.masterOf(`slots:{${id}}:token`);
      masters.add(master.port);
      expect(await cluster.cli(master, 'cluster', 'keyslot', `slots:{${id}}:token`)).toBe(lockSlot);
      expect(JSON.parse(await cluster.cli(master, 'get', `slots:{${id}}:token`))).toMatchObject({ version: 1, accessToken: `at-${id}` });
      expect((await store.get(id))?.accessToken).toBe(`at-${id}`);
    }
    // Six connections spread over more than one master: the routing is by key, not to one node.
    expect(masters.size).toBeGreaterThan(1);
  });

  it('takes rate-budget slots on the master of the scope’s own slot, atomically across two stores', async () => {
    const [a, b] = [clusterStore({ keyPrefix: 'rate:' }), clusterStore({ keyPrefix: 'rate:' })];
    const key = rateBudgetKey(['connector', 'cluster-test']);
    const limit = { requests: 3, windowMs: 60_000 };
    await Promise.all([a, b, a].map((store) => store.rateBudget().acquire(key, limit)));
    expect(await a.rateBudget().nextSlotMs(key, limit)).toBeGreaterThan(50_000);
    // A fourth waits for a slot a minute away; aborted, it takes none.
    const controller = new AbortController();
    const fourth = b.rateBudget().acquire(key, limit, controller.signal);
    controller.abort('gone');
    expect(await rejection(fourth)).toMatchObject({ name: 'AbortError' });
    const redisKey = `rate:{rate:${key}}`;
    expect(await cluster.cli(await cluster.masterOf(redisKey), 'zcard', redisKey)).toBe('3\n');
  });

  it('connects a cluster client handed over unconnected on first use, and closes it on close()', async () => {
    const own = createCluster({ rootNodes: cluster.rootNodes });
    const store = new RedisTokenStore(own, { keyPrefix: 'adopted:' });
    expect(own.isOpen).toBe(false);
    expect(await store.compareAndSet('c1', 0, { version: 1, cookies: [], extras: {} })).toBe(true);
    expect(own.isOpen).toBe(true);
    expect((await store.get('c1'))?.version).toBe(1);
    await store.close();
    expect(own.isOpen).toBe(false);
  });

  it('a single node’s URL of the cluster: a StoreError saying to pass a cluster client, not MOVED as it is', async () => {
    const node = cluster.nodes[0]!;
    const id = await idServedElsewhere('moved:', node.port);
    const store = new RedisTokenStore(node.url, { keyPrefix: 'moved:' });
    stores.push(store);
    const error = await rejection(store.get(id));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe(
      `cannot read connection "${id}" in Redis: the server is a Redis Cluster node (MOVED): pass a cluster client, createCluster({ rootNodes: [...] }), instead of a single-node client or URL`,
    );
    // The same with a single-node client of that node.
    const single = createClient({ url: node.url });
    await single.connect();
    const write = await rejection(new RedisTokenStore(single, { keyPrefix: 'moved:' }).compareAndSet(id, 0, { version: 1, cookies: [], extras: {} }));
    expect(write.message).toContain('(MOVED): pass a cluster client');
    single.destroy();
  });
});
