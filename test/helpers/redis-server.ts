/**
 * A real redis-server for the tests: a child process on 127.0.0.1 on a free port, with no
 * persistence (`--save '' --appendonly no`), started, stopped and restarted on the same port.
 * If redis-server is missing and we are root, it is installed once with apt-get.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RedisServer {
  port: number;
  url: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /** Stops the server (SIGTERM, or SIGKILL for a crash) and waits until it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted) and waits until it answers PING. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** What a server needs beyond a plain one: a config file (read first, e.g. a Sentinel's) and more arguments (cluster mode, a directory). */
export interface RedisServerOptions {
  configFile?: string;
  args?: string[];
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  ensureRedisServer();
  const port = await freePort();
  let child: ChildProcess | undefined;

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.running) return;
      const started = spawn(
        'redis-server',
        [
          ...(options.configFile ? [options.configFile] : []),
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
          ...(options.args ?? []),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      running.add(started);
      started.once('exit', () => running.delete(started));
      child = started;
      const deadline = Date.now() + 10_000;
      while (!(await answersPing(port))) {
        if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}: ${stderr.slice(0, 500)}`);
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
        await sleep(20);
      }
    },
    async stop(signal = 'SIGTERM') {
      const current = child;
      if (!current || !server.running) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.kill('SIGCONT'); // a paused server cannot act on SIGTERM
      current.kill(signal);
      await exited;
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
  await server.start();
  return server;
}

let checked = false;

/** Makes sure redis-server is on the PATH, installing it (Debian package) when we are root. */
export function ensureRedisServer(): void {
  if (checked) return;
  if (spawnSync('redis-server', ['--version']).error === undefined) {
    checked = true;
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('redis-server is not installed: apt-get install -y redis-server');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], {
    stdio: 'ignore',
    timeout: 300_000,
  });
  if (spawnSync('redis-server', ['--version']).error !== undefined) throw new Error('installing redis-server failed');
  checked = true;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
