/**
 * The three kinds of node-redis 5 client a RedisTokenStore takes — a single node (`createClient`),
 * a Redis Cluster (`createCluster`), a Sentinel-backed master (`createSentinel`) — behind one
 * command interface: `send(key, args)`. Their `sendCommand`s differ (a cluster routes by the
 * first key it is given, `sendCommand(firstKey, isReadonly, args)`; Sentinel's by read/write,
 * `sendCommand(isReadonly, args)`), so each is told here what it needs. Every command goes to a
 * master (isReadonly false): a replica may lag behind a rotated refresh token. EVAL/EVALSHA are
 * routed by their one key like any command, which is why the store's keys of one connection share
 * a hash tag.
 *
 * A cluster client learns its slot map only from a MOVED answer; after a master dies nothing
 * answers MOVED (commands to it just fail), so it would keep sending to the dead node forever.
 * `lost()` asks it to learn the map again from a live node, at most once per 250 ms.
 */

/**
 * A single-node client: node-redis 5's `createClient()` (or anything with its `sendCommand`).
 *
 * @example
 * import { createClient } from 'redis';
 * const client: RedisCommandClient = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = new RedisTokenStore(client); // the client is yours to close
 */
export interface RedisCommandClient {
  sendCommand(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<unknown>;
}

/**
 * A Redis Cluster client: node-redis 5's `createCluster({ rootNodes })`. The store routes each
 * command by its key and refreshes the client's slot map after a failover.
 *
 * @example
 * import { createCluster } from 'redis';
 * const cluster: RedisClusterCommandClient = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }, { url: 'redis://10.0.0.2:6379' }] });
 * const store = new RedisTokenStore(cluster, { replicaAcks: 1 }); // connected on first use, closed by store.close()
 */
export interface RedisClusterCommandClient {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[], options?: { timeout?: number }): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
}

/**
 * A Sentinel-backed client: node-redis 5's `createSentinel({ name, sentinelRootNodes })`; its
 * commands go to the master Sentinel names, and it follows a failover by itself. Keep its
 * `masterPoolSize` at 1 (the default) when `replicaAcks` is set: WAIT counts the writes of the
 * connection it is sent on.
 *
 * @example
 * import { createSentinel } from 'redis';
 * const sentinel: RedisSentinelCommandClient = createSentinel({ name: 'tokens', sentinelRootNodes: [{ host: '10.0.0.5', port: 26379 }] });
 * const store = new RedisTokenStore(sentinel, { replicaAcks: 1 });
 */
export interface RedisSentinelCommandClient {
  sendCommand(isReadonly: boolean | undefined, args: string[], options?: { timeout?: number }): Promise<unknown>;
  getMasterNode(): unknown;
}

/**
 * Any client the store takes.
 *
 * @example const client: RedisClientLike = createCluster({ rootNodes: [{ url }] });
 */
export type RedisClientLike = RedisCommandClient | RedisClusterCommandClient | RedisSentinelCommandClient;

/**
 * One command interface over the three kinds.
 *
 * @example await redisCommands(client)!.send('connector-sdk:{c1}:token', ['GET', 'connector-sdk:{c1}:token'], 5_000);
 */
export interface RedisCommands {
  readonly kind: 'node' | 'cluster' | 'sentinel';
  /** Sends one command on the master that holds `key`. */
  send(key: string, args: string[], timeoutMs: number): Promise<unknown>;
  /** After a connection failure: a cluster client learns its slot map again; the others reconnect by themselves. */
  lost(): void;
}

/** What the store may do with a client beyond sending: connect it on first use, close it, hear its errors. */
export interface RedisLifecycle {
  readonly isOpen?: boolean;
  readonly isReady?: boolean;
  connect?(): Promise<unknown>;
  close?(): Promise<unknown>;
  destroy?(): unknown;
  on?(event: string, listener: (value: unknown) => void): unknown;
}

/**
 * The command interface for a client, or undefined when it is none of the three kinds.
 *
 * @example const commands = redisCommands(createCluster({ rootNodes })); // kind 'cluster'
 */
export function redisCommands(client: unknown): RedisCommands | undefined {
  const candidate = client as Partial<Record<'sendCommand' | 'getSlotMaster' | 'getMasterNode', unknown>> | null;
  if (typeof candidate?.sendCommand !== 'function') return undefined;
  if (typeof candidate.getSlotMaster === 'function') return clusterCommands(client as RedisClusterCommandClient);
  if (typeof candidate.getMasterNode === 'function') {
    const sentinel = client as RedisSentinelCommandClient;
    return { kind: 'sentinel', send: (_key, args, timeout) => sentinel.sendCommand(false, args, { timeout }), lost: () => undefined };
  }
  const node = client as RedisCommandClient;
  return { kind: 'node', send: (_key, args, timeout) => node.sendCommand(args, { timeout }), lost: () => undefined };
}

/** The parts of node-redis's cluster client that refreshing its slot map needs (`_slots` is typed public, underscored). */
interface ClusterInternals {
  masters?: { client?: { isReady?: boolean } }[];
  getRandomNode?(): unknown;
  nodeClient?(node: unknown): Promise<unknown>;
  _slots?: { rediscover?(startWith: unknown): Promise<unknown> };
}

const REDISCOVER_EVERY_MS = 250;

function clusterCommands(cluster: RedisClusterCommandClient): RedisCommands {
  let lastRediscover = 0;
  const internals = cluster as unknown as ClusterInternals;
  return {
    kind: 'cluster',
    send: (key, args, timeout) => cluster.sendCommand(key, false, args, { timeout }),
    lost: () => {
      const now = Date.now();
      if (now - lastRediscover < REDISCOVER_EVERY_MS || typeof internals._slots?.rediscover !== 'function') return;
      lastRediscover = now;
      // Start from a master that is connected now: rediscovering from the dead one would fail first.
      const live = internals.masters?.find((master) => master.client?.isReady === true) ?? internals.getRandomNode?.();
      Promise.resolve(live === undefined ? undefined : internals.nodeClient?.(live))
        .then((startWith) => (startWith === undefined ? undefined : internals._slots!.rediscover!(startWith)))
        .catch(() => undefined);
    },
  };
}
