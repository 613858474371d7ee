/**
 * A real Sentinel set-up for the tests: one master, one replica (in sync before it is handed
 * out) and three Sentinels (quorum 2) on free loopback ports, with a one-second down-after, so a
 * killed master is failed over in a few seconds. Sentinel rewrites its config file, so each has
 * its own in a temp dir, removed by stop().
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './redis-cluster.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

/** The name the Sentinels monitor the master by (createSentinel's `name`). */
export const SENTINEL_MASTER_NAME = 'tokens';

export interface RedisSentinelServers {
  master: RedisServer;
  replica: RedisServer;
  sentinels: RedisServer[];
  /** For `createSentinel({ name: SENTINEL_MASTER_NAME, sentinelRootNodes })`. */
  sentinelRootNodes: { host: string; port: number }[];
  /** The port the Sentinels name as master now. */
  masterPort(): Promise<number>;
  /** Waits until the Sentinels name another master than `port`, and it answers as one. */
  failedOver(port: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startRedisSentinel(): Promise<RedisSentinelServers> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-sentinel-'));
  const started: RedisServer[] = [];
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Their own directory: a replica writes the master's snapshot (dump.rdb) to disk on sync.
    const master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0', '--dir', dir, '--dbfilename', 'master.rdb'] });
    started.push(master);
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-sync-delay', '0', '--dir', dir, '--dbfilename', 'replica.rdb'] });
    started.push(replica);
    await waitFor('the replica in sync', async () => ((await cli(replica.port, 'info', 'replication')).includes('master_link_status:up') ? true : undefined));
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      const configFile = join(dir, `sentinel-${i}.conf`);
      await writeFile(
        configFile,
        [
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `dir ${dir}`,
          '',
        ].join('\n'),
      );
      const sentinel = await startRedisServer({ configFile, args: ['--sentinel'] });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    const masterPort = async () => Number((await cli(sentinels[0]!.port, 'sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)).trim().split('\n')[1]);
    // Every Sentinel knows the replica and the other Sentinels before anything is killed.
    await waitFor('three Sentinels that know the replica', async () => {
      const info = await cli(sentinels[0]!.port, 'sentinel', 'master', SENTINEL_MASTER_NAME);
      return /num-slaves\n1\n/.test(info) && /num-other-sentinels\n2\n/.test(info) ? true : undefined;
    });
    return {
      master,
      replica,
      sentinels,
      sentinelRootNodes: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
      masterPort,
      failedOver: (port) =>
        waitFor(`a master other than ${port}`, async () => {
          const now = await masterPort();
          return now !== port && (await cli(now, 'info', 'replication')).includes('role:master') ? now : undefined;
        }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
