/**
 * A real Redis Cluster for the tests: `masters` redis-server processes in cluster mode on free
 * loopback ports (each with its own bus port, so no port + 10000 can overflow), `replicas` replicas
 * per master, joined with `redis-cli --cluster create`, ready once every node's `cluster info`
 * says cluster_state:ok and agrees on all 16384 slots. The node files live in a temp dir, removed
 * by stop(). A short node timeout makes a failover take about a second instead of fifteen.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, startRedisServer, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterServers {
  /** Every node, masters first as created (a failover changes who is master: ask `masterOf`). */
  nodes: RedisServer[];
  /** For `createCluster({ rootNodes })`. */
  rootNodes: { url: string }[];
  /** The node serving `key`'s slot as master now, as the running nodes see it. */
  masterOf(key: string): Promise<RedisServer>;
  /** Waits until a node other than `old` serves `key`'s slot and the cluster is ok again; returns it. */
  failedOver(key: string, old: RedisServer): Promise<RedisServer>;
  /** `redis-cli` against one node (e.g. `cluster`, `info`), its output. */
  cli(node: RedisServer, ...args: string[]): Promise<string>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

export interface RedisClusterShape {
  masters?: number;
  replicas?: number;
  /** cluster-node-timeout: how long a silent master takes to be failed over. Default 1 000 ms. */
  nodeTimeoutMs?: number;
}

export async function startRedisCluster(shape: RedisClusterShape = {}): Promise<RedisClusterServers> {
  const { masters = 3, replicas = 0, nodeTimeoutMs = 1_000 } = shape;
  const dir = await mkdtemp(join(tmpdir(), 'redis-cluster-'));
  const nodes: RedisServer[] = [];
  const cli = async (node: RedisServer, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(node.port), ...args])).stdout;
  const cluster: RedisClusterServers = {
    nodes,
    rootNodes: [],
    cli,
    masterOf: async (key) => {
      const slot = Number((await cli(live(nodes), 'cluster', 'keyslot', key)).trim());
      return nodeOn(nodes, slotMasterPort(await cli(live(nodes), 'cluster', 'nodes'), slot));
    },
    failedOver: (key, old) => waitFor(`a node other than ${old.port} serving "${key}"`, async () => {
      const master = await cluster.masterOf(key);
      return master !== old && (await allOk(nodes, cli)) ? master : undefined;
    }),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startNode(dir, nodeTimeoutMs));
    cluster.rootNodes.push(...nodes.map((node) => ({ url: node.url })));
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 });
    await waitFor('cluster_state:ok on every node, every replica in sync', async () => ((await allOk(nodes, cli)) && (await replicasInSync(nodes, cli)) ? true : undefined));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

async function startNode(dir: string, nodeTimeoutMs: number): Promise<RedisServer> {
  const busPort = await freePort();
  const name = `node-${busPort}`;
  return startRedisServer({
    args: [
      ...['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `${name}.conf`],
      ...['--cluster-node-timeout', String(nodeTimeoutMs), '--dir', dir],
      // A replica syncs at once (the default waits 5 s for more replicas): a master killed early still has a synced replica to promote.
      ...['--repl-diskless-sync-delay', '0'],
    ],
  });
}

/** Every running node says ok and sees all slots served (a node that just restarted may lag). */
async function allOk(nodes: RedisServer[], cli: RedisClusterServers['cli']): Promise<boolean> {
  for (const node of nodes.filter((n) => n.running)) {
    const info = await cli(node, 'cluster', 'info').catch(() => '');
    if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
  }
  return true;
}

/** Every replica's link to its master is up (it has its master's data, so it can be promoted). */
async function replicasInSync(nodes: RedisServer[], cli: RedisClusterServers['cli']): Promise<boolean> {
  for (const node of nodes.filter((n) => n.running)) {
    const replication = await cli(node, 'info', 'replication');
    if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
  }
  return true;
}

/** The port of the master that `cluster nodes` says serves `slot` (a failed one does not count). */
function slotMasterPort(clusterNodes: string, slot: number): number | undefined {
  for (const line of clusterNodes.trim().split('\n')) {
    const [, address, flags, , , , , , ...ranges] = line.split(' ');
    if (!flags?.includes('master') || flags.includes('fail')) continue;
    const serves = ranges.some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from! && slot <= to!;
    });
    if (serves) return Number(address!.split(':')[1]!.split('@')[0]);
  }
  return undefined;
}

function nodeOn(nodes: RedisServer[], port: number | undefined): RedisServer {
  const node = nodes.find((n) => n.port === port);
  if (!node) throw new Error(`no master serves that slot (port ${port})`);
  return node;
}

function live(nodes: RedisServer[]): RedisServer {
  const node = nodes.find((n) => n.running);
  if (!node) throw new Error('no cluster node is running');
  return node;
}

/** Polls `check` every 50 ms until it gives a value; fails after 30 s (a failover takes about two node timeouts). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited 30 s for ${what}`);
    await sleep(50);
  }
}

/** What a run of executes through a failover saw. */
export interface ThroughFailover {
  /** Errors of the calls that failed, in order. */
  errors: unknown[];
  /** Successful calls after the failover was complete (`until` of them end the run). */
  okAfter: number;
}

/**
 * Keeps calling `execute` (one at a time, 50 ms apart) while `failover` runs, until `until` calls
 * succeeded after it finished (or 60 s passed): for the cluster and the Sentinel failover tests.
 */
export async function executeThroughFailover(execute: () => Promise<unknown>, failover: () => Promise<unknown>, until = 5): Promise<ThroughFailover> {
  const errors: unknown[] = [];
  let okAfter = 0;
  let done = false;
  const finished = failover().then(() => (done = true));
  const deadline = Date.now() + 60_000;
  while (okAfter < until && Date.now() < deadline) {
    const wasDone = done;
    try {
      await execute();
      if (wasDone) okAfter++;
    } catch (error) {
      errors.push(error);
    }
    await sleep(50);
  }
  await finished;
  return { errors, okAfter };
}
