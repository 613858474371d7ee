/**
 * `connector sandbox` as an author uses it: the real CLI starts a sample's sandbox in its own
 * process, the commands it prints are run verbatim as child processes against it (and are the
 * README's), and a signal stops it with status 0 and its port closed. Nothing is mocked.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expectNoSecret, root } from '../helpers/cli.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const SECRETS = ['sandbox-client-secret', 'sandbox-password'];
/** The CLI from any directory: tsx by its absolute path, so the commands can run where the sandbox wrote its files. */
const CLI = [process.execPath, '--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, join(root, 'sdk/cli/main.ts')];
const WAIT_MS = 60_000;

interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal it did not handle). */
  exited: Promise<number | null>;
  /** Resolves once stdout matches; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

const running: RunningCli[] = [];
let dir: string;

function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): RunningCli {
  const child = spawn(CLI[0] as string, [...CLI.slice(1), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const waitFor = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = out.match(pattern);
        if (match) {
          child.stdout?.off('data', check);
          resolve(match);
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => reject(new Error(`exited ${code} before printing ${pattern}: ${out}${err}`)));
      check();
    });
  const cli = { child, stdout: () => out, stderr: () => err, exited, waitFor };
  running.push(cli);
  return cli;
}

/** A printed command, run as the operator would in a shell: `npx connector` is this checkout's CLI. */
function shell(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  expect(command.startsWith('npx connector ')).toBe(true);
  const local = `${CLI.map((word) => `'${word}'`).join(' ')} ${command.slice('npx connector '.length)}`;
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', local], { cwd }, (error, stdout, stderr) => {
      record(stdout, 'command stdout');
      record(stderr, 'command stderr');
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  registerSecret(...SECRETS);
  dir = await mkdtemp(join(tmpdir(), 'connector-sandbox-'));
});

afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SAMPLES = [
  {
    name: 'snov-io',
    file: 'creds.json',
    address: (credentials: Record<string, string>) => credentials.api_base,
    // auth: one token request; run: its own token request, then get-balance.
    requests: 3,
    checkRun: async (stdout: string) => {
      // The manifest's output is $.data: the sandbox's seeded balance.
      expect(JSON.parse(stdout)).toMatchObject({ status: 200, data: { balance: '25000.00', teamwork: false } });
    },
  },
  {
    name: 'docuware',
    file: 'dw.json',
    address: (credentials: Record<string, string>) => `${credentials.scheme}://${credentials.host}`,
    // auth: one logon; run: its own logon, then the download (FileDownload, no metadata request).
    requests: 3,
    checkRun: async (stdout: string, cwd: string) => {
      expect(JSON.parse(stdout)).toEqual({ status: 200, output: 'doc.pdf' });
      const pdf = await readFile(join(cwd, 'doc.pdf'), 'latin1');
      expect(pdf).toMatch(/^%PDF-1\.4\n% sandbox invoice INV-2024-0001 for /);
    },
  },
] as const;

describe.each(SAMPLES)('connector sandbox $name', (sample) => {
  it('prints its URL, the credentials file and the README\'s commands, which work against it; SIGTERM stops it with 0', async () => {
    const cwd = await mkdtemp(join(dir, `${sample.name}-`));
    const cli = startCli(['sandbox', sample.name], cwd);
    await cli.waitFor(/SIGTERM stops it\.\n/);
    const lines = cli.stdout().split('\n');
    const url = /^sandbox listening at (http:\/\/127\.0\.0\.1:(\d+)) \(for (.+)\)$/.exec(lines[0] ?? '');
    expect(url, lines[0]).not.toBeNull();
    const [, origin, port, manifest] = url as RegExpExecArray;
    expect(manifest).toBe(relative(cwd, join(root, 'connectors', `${sample.name}.json`)));
    expect(lines[1]).toBe(`credentials: ${join(cwd, sample.file)} (mode 0600, removed when the sandbox stops)`);
    expect((await stat(join(cwd, sample.file))).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(await readFile(join(cwd, sample.file), 'utf8')) as Record<string, string>;
    expect(sample.address(credentials)).toBe(origin);

    const [auth, run] = [lines[3]?.trim() ?? '', lines[4]?.trim() ?? ''];
    // From the checkout's root, the manifest path is the README's: the commands are its, verbatim.
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    for (const command of [auth, run]) expect(readme).toContain(command.replace(`${manifest} `, `connectors/${sample.name}.json `));

    const authed = await shell(auth, cwd);
    expect(authed, authed.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(authed.stdout).toMatch(/^token obtained: /);
    const ran = await shell(run, cwd);
    expect(ran, ran.stderr).toMatchObject({ code: 0, stderr: '' });
    await sample.checkRun(ran.stdout, cwd);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout().split('\n').at(-2)).toBe(`sandbox stopped after serving ${sample.requests} requests`);
    expect(cli.stderr()).toBe('');
    await expect(stat(join(cwd, sample.file))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await portIsClosed(Number(port))).toBe(true);
    for (const [where, text] of [['sandbox stdout', cli.stdout()], ['auth', authed.stdout], ['run', ran.stdout]] as const) {
      record(text, where);
      expectNoSecret(text, SECRETS, where);
    }
  }, 120_000);
});

describe('connector sandbox options', () => {
  it('--format json prints one object; --port and --credentials-out are honoured; SIGINT stops it with 0', async () => {
    const cwd = await mkdtemp(join(dir, 'json-'));
    await mkdir(join(cwd, 'sub'));
    const port = await freePort();
    const cli = startCli(['sandbox', 'snov-io', '--format', 'json', '--port', String(port), '--credentials-out', 'sub/my creds.json'], cwd);
    await cli.waitFor(/^\{[\s\S]*\n\}\n$/);
    const printed = JSON.parse(cli.stdout()) as { url: string; credentialsFile: string; commands: { auth: string; run: string } };
    const manifest = relative(cwd, join(root, 'connectors/snov-io.json'));
    expect(printed).toEqual({
      url: `http://127.0.0.1:${port}`,
      manifest,
      credentialsFile: join(cwd, 'sub/my creds.json'),
      commands: {
        auth: `npx connector auth ${manifest} --credentials 'sub/my creds.json' --allow-private-network`,
        run: `npx connector run ${manifest} get-balance --credentials 'sub/my creds.json' --allow-private-network`,
      },
    });
    const ran = await shell(printed.commands.run, cwd);
    expect(ran.code, ran.stderr).toBe(0);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    // Nothing after the one JSON object, nothing on stderr.
    expect(JSON.parse(cli.stdout())).toEqual(printed);
    expect(cli.stderr()).toBe('');
    expect(await portIsClosed(port)).toBe(true);
  }, 120_000);

  it('replaces an earlier sandbox credentials file, but refuses (exit 2) to overwrite any other', async () => {
    const cwd = await mkdtemp(join(dir, 'existing-'));
    const stale = { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: 'http://127.0.0.1:1' };
    await writeFile(join(cwd, 'creds.json'), JSON.stringify(stale));
    const cli = startCli(['sandbox', 'snov-io'], cwd);
    const [, origin] = (await cli.waitFor(/listening at (\S+)/)) as RegExpMatchArray;
    await cli.waitFor(/SIGTERM stops it\.\n/);
    expect(JSON.parse(await readFile(join(cwd, 'creds.json'), 'utf8'))).toEqual({ ...stale, api_base: origin });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);

    const real = JSON.stringify({ client_id: 'my-id', client_secret: 'my-real-secret-1234' });
    registerSecret('my-real-secret-1234');
    await writeFile(join(cwd, 'creds.json'), real);
    const refused = startCli(['sandbox', 'snov-io'], cwd);
    expect(await refused.exited).toBe(2);
    expect(refused.stderr().split('\n')[0]).toBe('connector sandbox: creds.json exists and does not hold sandbox credentials: give another --credentials-out');
    expect(refused.stdout()).toBe('');
    expect(await readFile(join(cwd, 'creds.json'), 'utf8')).toBe(real);

    // With --format json: the one error object on stdout, nothing on stderr, the file kept.
    const json = startCli(['sandbox', 'snov-io', '--format', 'json'], cwd);
    expect(await json.exited).toBe(2);
    expect(json.stderr()).toBe('');
    expect(JSON.parse(json.stdout())).toEqual({
      error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: 'creds.json exists and does not hold sandbox credentials: give another --credentials-out' },
    });
    expectNoSecret(json.stdout(), ['my-real-secret-1234'], 'stdout');
    expect(await readFile(join(cwd, 'creds.json'), 'utf8')).toBe(real);
  }, 120_000);

  it('says it needs a checkout when the sandboxes are absent (CONNECTOR_SANDBOXES_DIR), exit 2', async () => {
    const missing = join(dir, 'no-sandboxes-here');
    const cli = startCli(['sandbox', 'snov-io'], dir, { ...process.env, CONNECTOR_SANDBOXES_DIR: missing });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().split('\n')[0]).toBe(
      `connector sandbox: the sandboxes are not here (no ${join(missing, 'samples.ts')}): they are not in the npm package; run the command in a checkout of connector-sdk`,
    );
    expect(cli.stdout()).toBe('');
  }, 60_000);

  it.each([
    [['sandbox'], 'give exactly one sandbox: snov-io or docuware'],
    [['sandbox', 'salesforce'], 'unknown sandbox "salesforce": give one of snov-io, docuware'],
    [['sandbox', 'snov-io', '--port', '70000'], '--port must be a port number from 0 to 65535, not "70000"'],
    [['sandbox', 'snov-io', '--port', 'x'], '--port must be a port number from 0 to 65535, not "x"'],
    [['sandbox', 'snov-io', '--verbose'], 'unknown option --verbose'],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const cli = startCli(args, dir);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().split('\n')[0]).toBe(`connector sandbox: ${message}`);
  }, 60_000);

  it('exits 2 when --port is taken, naming the port', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as AddressInfo;
      const cli = startCli(['sandbox', 'docuware', '--port', String(port), '--credentials-out', join(dir, 'unused.json')], dir);
      expect(await cli.exited).toBe(2);
      expect(cli.stderr().split('\n')[0]).toBe(`connector sandbox: port ${port} on 127.0.0.1 is in use: give another --port, or 0 for any free one`);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  }, 60_000);

  it('has help through "connector help sandbox", and is listed in the command list', async () => {
    const help = startCli(['help', 'sandbox'], dir);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: connector sandbox <snov-io\|docuware> \[--port N\]/);
    expect(help.stdout()).toContain('CONNECTOR_SANDBOXES_DIR');
    const list = startCli(['--help'], dir);
    expect(await list.exited).toBe(0);
    expect(list.stdout()).toContain('  sandbox     start a sample\'s local sandbox');
  }, 60_000);
});
