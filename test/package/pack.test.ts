/**
 * The package as a user receives it: `npm pack` on a copy of the tree that was never built (the
 * `prepare` script must build it), install the tarball into a scratch project, then import the
 * public API and run the `connector` bin from there. Catches what the
 * tests against sdk/ cannot: a folder missing from `files`, an export map that points nowhere, a
 * module that only resolves inside the repository, a bin that does not start.
 */
import { execFile } from 'node:child_process';
import { access, constants, copyFile, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const VALID = 'test/manifest/valid/none.json';
const BROKEN = 'test/manifest/broken/wrong-auth-type.json';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a non-zero exit is a result to assert on, not a rejection. */
function run(command: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Result> {
  // No update notice, funding or audit chatter: nothing to wait for on the network.
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extraEnv };
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** stderr without npm's own warnings (a user's .npmrc may hold options this npm no longer knows). */
function ownStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('npm warn '))
    .join('\n');
}

/**
 * `npx connector …` in the scratch project, offline: were the bin missing, npx would otherwise
 * fetch and run an unrelated registry package called "connector".
 */
function npxConnector(...args: string[]): Promise<Result> {
  return run('npx', ['connector', ...args], app, { npm_config_offline: 'true' });
}

async function succeed(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The repository's files as git sees them (tracked and new, never dist/), with the installed node_modules. */
async function cleanTree(into: string): Promise<string> {
  const listed = await succeed('git', ['ls-files', '-co', '--exclude-standard', '-z'], root);
  for (const path of listed.split('\0').filter((file) => file !== '' && !file.startsWith('dist/') && file !== 'node_modules')) {
    // Files only: a checkout whose node_modules is a symlink (a worktree) lists it as untracked.
    const isFile = await lstat(join(root, path)).then((entry) => entry.isFile(), () => false);
    if (!isFile) continue;
    await mkdir(dirname(join(into, path)), { recursive: true });
    await copyFile(join(root, path), join(into, path));
  }
  await symlink(join(root, 'node_modules'), join(into, 'node_modules'), 'dir');
  return into;
}

/** `npm pack --json` prints the prepare script's output first: the JSON is the last document. */
function lastJson(stdout: string): string {
  return stdout.slice(stdout.lastIndexOf('\n[\n') + 1);
}

let scratch: string;
let app: string;
/** Paths in the tarball, as `npm pack --json` lists them. */
let packed: string[];
/** The copy of the tree that was packed, and the tarball. */
let tree: string;
let tarball: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'connector-sdk-pack-'));
  app = join(scratch, 'app');
  tree = await cleanTree(join(scratch, 'tree'));
  const [pack] = JSON.parse(lastJson(await succeed('npm', ['pack', '--json', '--pack-destination', scratch], tree))) as { filename: string; files: { path: string }[] }[];
  if (!pack) throw new Error('npm pack reported no package');
  tarball = join(scratch, pack.filename);
  packed = pack.files.map((file) => file.path);
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pack-smoke', private: true, type: 'module' }));
  await succeed('npm', ['install', join(scratch, pack.filename), '--no-audit', '--no-fund', '--prefer-offline'], app);
  await copyFile(join(root, VALID), join(app, 'valid.json'));
  await copyFile(join(root, BROKEN), join(app, 'broken.json'));
}, 240_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built SDK with declaration maps and the sources they point at, the schema, the connectors, the licence, and no tests or CLI sources', async () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/sdk/index.js',
        'dist/sdk/index.d.ts',
        'dist/cli/main.js',
        'dist/sdk/manifest/schema-validator.gen.js',
        'schemas/connector.schema.json',
        'dist/sdk/index.d.ts.map',
        'sdk/index.ts',
        'LICENSE',
        'CHANGELOG.md',
      ]),
    );
    const stray = packed.filter((path) => !/^(?:dist\/sdk|dist\/cli|schemas|connectors|sdk)\//.test(path) && !/^(?:package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(path));
    expect(stray).toEqual([]);
    expect(packed.filter((path) => /\.test\./.test(path) || path.startsWith('sdk/cli/') || path.startsWith('dist/sdk/cli/'))).toEqual([]);
    // dist/ is not cleaned by the build: a module deleted from sdk/ would still ship.
    const orphans: string[] = [];
    for (const path of packed.filter((p) => p.startsWith('dist/sdk/') && p.endsWith('.js'))) {
      const source = join(root, path.slice('dist/'.length).replace(/\.js$/, '.ts'));
      if (!(await access(source).then(() => true, () => false))) orphans.push(path);
    }
    expect(orphans, 'built from a deleted source: rm -rf dist && npm run build').toEqual([]);
  });

  it('installs the bin as an executable node script', async () => {
    const main = join(app, 'node_modules/connector-sdk/dist/cli/main.js');
    expect((await readFile(main, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    // npm marks bin targets executable at install (the tarball itself stores 0644).
    expect((await stat(main)).mode & 0o111).not.toBe(0);
    await expect(access(join(app, 'node_modules/.bin/connector'), constants.X_OK)).resolves.toBeUndefined();
  });

  it('exports the public API, which validates and loads a manifest', async () => {
    const manifest = await readFile(join(root, VALID), 'utf8');
    const script = `
      import { loadConnector, validateManifest, MemoryTokenStore, FileTokenStore } from 'connector-sdk';
      import { createRequire } from 'node:module';
      const manifest = ${manifest};
      const valid = validateManifest(manifest);
      const broken = validateManifest({ ...manifest, auth: { type: 'oauth3' } });
      const connector = await loadConnector(manifest);
      console.log(JSON.stringify({
        exports: [loadConnector, validateManifest, MemoryTokenStore, FileTokenStore].map((value) => typeof value),
        valid: valid.valid,
        diagnostics: valid.diagnostics.length,
        broken: broken.diagnostics.map((d) => d.pointer + ' ' + d.message),
        loaded: connector.manifest.id,
        schema: createRequire(import.meta.url).resolve('connector-sdk/schema').endsWith('/schemas/connector.schema.json'),
      }));
    `;
    const output = await succeed(process.execPath, ['--input-type=module', '-e', script], app);
    expect(JSON.parse(output)).toEqual({
      exports: ['function', 'function', 'function', 'function'],
      valid: true,
      diagnostics: 0,
      broken: [
        '/auth/type auth.type "oauth3" is not one of: none, api_key, basic, bearer, request_signature, aws_sigv4, oauth1, refreshable_token, oauth2_password, oauth2_client_credentials, oauth2_authorization_code, oauth2_custom_token, jwt_bearer, jwt, token_chain',
      ],
      loaded: 'public-holidays',
      schema: true,
    });
  });

  it('runs `npx connector --help`', async () => {
    const { code, stdout, stderr } = await npxConnector('--help');
    expect({ code, stderr: ownStderr(stderr) }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: connector <command> \[options\]\n/);
    expect(stdout).toContain('  validate    check connector manifests\n');
  });

  it('runs `npx connector validate` on a valid and a broken manifest', async () => {
    const valid = await npxConnector('validate', 'valid.json');
    expect({ ...valid, stderr: ownStderr(valid.stderr) }).toEqual({ code: 0, stdout: '1 file checked: all valid, 0 errors, 0 warnings\n', stderr: '' });
    const broken = await npxConnector('validate', 'broken.json');
    expect(broken.code).toBe(3);
    expect(broken.stdout).toContain('broken.json:6:21  /auth/type  error: auth.type "oauth3" is not one of: none, api_key');
    expect(broken.stdout).toContain('1 file checked: 1 invalid, 1 error, 0 warnings\n');
  });

  it.each([
    ['an ES module', 'module', 'host.mts', 'host.mjs'],
    ['a CommonJS module', 'commonjs', 'host.cts', 'host.cjs'],
  ])('compiles as %s (TypeScript strict, module nodenext) and runs', async (_kind, type, source, output) => {
    const project = join(scratch, `host-${type}`);
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: `host-${type}`, private: true, type }));
    await symlink(join(app, 'node_modules'), join(project, 'node_modules'), 'dir');
    // A Node host has @types/node: the repository's, as the scratch project installed nothing else.
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', outDir: 'out', types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: [source] }));
    await writeFile(join(project, source), [
      "import { validateManifest, ConnectorError, ReauthorizationRequired, type ConnectorManifest } from 'connector-sdk';",
      "const manifest: ConnectorManifest = { id: 'host', name: 'Host', version: '1.0.0', base_url: 'https://api.example.com', auth: { type: 'none' }, actions: { ping: { method: 'GET', path: '/ping' } } };",
      'const error = new ReauthorizationRequired("reconnect");',
      'console.log(JSON.stringify({ valid: validateManifest(manifest).valid, isSdkError: error instanceof ConnectorError, code: error.code }));',
      '',
    ].join('\n'));
    await succeed(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    const printed = await succeed(process.execPath, [join(project, 'out', output)], project);
    expect(JSON.parse(printed)).toEqual({ valid: true, isSdkError: true, code: 'CONNECTOR_REAUTHORIZATION_REQUIRED' });
  });

  it('passes publint and arethetypeswrong', async () => {
    const lint = await run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), tree], tree);
    expect(lint.stdout).toContain('All good!');
    // require() of an ES module works from Node 20.19 (engines says so, and the CommonJS host above
    // runs): the rule predates that, so it is the one rule left out.
    const types = await run(process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm'], tree);
    expect({ code: types.code, problems: types.stdout.match(/💀|❌|⚠️/gu)?.filter((mark) => mark !== '💀') ?? [] }).toEqual({ code: 0, problems: [] });
  });
});
