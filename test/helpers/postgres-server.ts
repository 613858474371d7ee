/**
 * A real PostgreSQL server for the tests: a fresh cluster (initdb) in a temp directory, started
 * with pg_ctl on 127.0.0.1 on a free port (its Unix socket in the same directory), with password
 * authentication (scram-sha-256) and a test database; stopped, started again on the same port
 * (the data survives), and removed afterwards. fsync is off (a crash of the server, `immediate`, loses nothing; a crash of the machine would).
 * the tests never power-cycle the machine.
 *
 * PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (or `nobody`)
 * through runuser (or su), owning the directory. If the binaries are missing (Debian keeps them in
 * /usr/lib/postgresql/<version>/bin) and we are root, the `postgresql` package is installed once
 * with apt-get.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { registerSecret } from './secret-scan.js';

const run = promisify(execFile);

export interface PostgresServer {
  port: number;
  /** Connection string of the test database, as the superuser with its password. */
  url: string;
  /** The superuser's password (a registered secret). */
  password: string;
  /** The same server and user with another password or database. */
  urlWith(parts: { password?: string; database?: string }): string;
  readonly running: boolean;
  /** Stops the server: `fast` (clean, the default) or `immediate` (like a crash), and waits until it has. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

const DATABASE = 'connector_test';
const USER = 'postgres';
const live = new Map<string, { dataDir: string; dir: string }>();
process.once('exit', () => {
  for (const { dataDir, dir } of live.values()) {
    spawnSync(...asServerUser([binary('pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});

export async function startPostgresServer(): Promise<PostgresServer> {
  ensurePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const dataDir = join(dir, 'data');
  const password = `SECRET-canary-pg-superuser-${randomBytes(8).toString('hex')}`;
  registerSecret(password);
  const owner = serverUser();
  writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  if (owner) for (const path of [dir, join(dir, 'pwfile')]) chownSync(path, owner.uid, owner.gid);
  await run(
    ...asServerUser([binary('initdb'), '-D', dataDir, '-U', USER, '-A', 'scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--no-sync']),
    { timeout: 60_000 },
  );
  const port = await freePort();
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=150`;
  let running = false;
  const url = (parts: { password?: string; database?: string } = {}) =>
    `postgres://${USER}:${encodeURIComponent(parts.password ?? password)}@127.0.0.1:${port}/${parts.database ?? DATABASE}`;

  const server: PostgresServer = {
    port,
    url: url(),
    password,
    urlWith: url,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      // -w: pg_ctl waits (up to -t seconds) until the server accepts connections.
      await run(...asServerUser([binary('pg_ctl'), '-D', dataDir, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start']), {
        timeout: 40_000,
      });
      running = true;
      live.set(dir, { dataDir, dir });
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await run(...asServerUser([binary('pg_ctl'), '-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']), { timeout: 40_000 });
      running = false;
      live.delete(dir);
    },
    async destroy() {
      await server.stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  const admin = new pg.Client({ connectionString: url({ database: 'postgres' }) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return server;
}

/** The user the server runs as when we are root (PostgreSQL refuses root); undefined when we are not root. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, but neither a postgres nor a nobody user exists to run PostgreSQL as');
}

/** A command line run as the server's user: runuser where it exists, else su. */
function asServerUser(argv: string[]): [string, string[]] {
  const user = serverUser();
  if (!user) return [argv[0]!, argv.slice(1)];
  if (hasCommand('runuser')) return ['runuser', ['-u', user.name, '--', ...argv]];
  const quoted = argv.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['-s', '/bin/sh', user.name, '-c', quoted]];
}

let binDir: string | undefined;

function binary(name: string): string {
  return binDir ? join(binDir, name) : name;
}

/** Finds initdb, pg_ctl and postgres (Debian: /usr/lib/postgresql/<version>/bin, newest first), installing them when missing. */
export function ensurePostgres(): void {
  if (binDir !== undefined || findBinaries()) return;
  if (process.getuid?.() !== 0) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql'], { stdio: 'ignore', timeout: 300_000 });
  if (!findBinaries()) throw new Error('installing postgresql failed: no initdb found');
}

function findBinaries(): boolean {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(dir, name))));
  if (found) binDir = found;
  else if (hasCommand('initdb') && hasCommand('pg_ctl')) binDir = '';
  return binDir !== undefined;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
