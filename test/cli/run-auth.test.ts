/**
 * `connector run` and `connector auth` against the sandboxes, as an operator uses them:
 * exit codes, JSON output, downloads to a file, a file token store reused between runs, and
 * no secret on stdout or stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';
import { connectorCli as connector, root } from '../helpers/cli.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const TOKEN_PATH = '/v1/oauth/access_token';
let snov: SnovSandbox;
let docuware: DocuwareSandbox;
let dir: string;
let snovCredentials: string;

async function credentialsFile(name: string, value: object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

/** The output an operator sees is scanned like any error or event. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await connector(...args);
  record(result.stdout);
  record(result.stderr);
  return result;
}

beforeAll(async () => {
  registerSecret('sandbox-client-secret', 'sandbox-password');
  snov = await startSnovSandbox();
  docuware = await startDocuwareSandbox({ largeDocumentBytes: 1024 * 1024 });
  dir = await mkdtemp(join(tmpdir(), 'connector-cli-'));
  snovCredentials = await credentialsFile('snov.json', { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: snov.url });
});

afterAll(async () => {
  await snov.close();
  await docuware.close();
  await rm(dir, { recursive: true, force: true });
});

describe('connector auth', () => {
  it('obtains a token and shows its type and expiry, never its value', async () => {
    const before = snov.count(TOKEN_PATH);
    const { code, stdout, stderr } = await cli('auth', 'connectors/snov-io.json', '--credentials', snovCredentials, '--allow-private-network');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^token obtained: Bearer, expires \d{4}-\d\d-\d\dT.* \(in 3600 s\)\nrefresh token: no\ncookies: none\n$/);
    expect(snov.count(TOKEN_PATH) - before).toBe(1);
  });

  it('--encryption-key-env: the file store is written encrypted, and read back by the next run', async () => {
    const store = join(dir, 'encrypted-tokens.json');
    process.env.CLITEST_STORE_KEY = Buffer.alloc(32, 7).toString('base64');
    try {
      const args = ['run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--allow-private-network', '--store', `file:${store}`, '--encryption-key-env', 'CLITEST_STORE_KEY'];
      const tokensBefore = snov.count(TOKEN_PATH);
      expect((await cli(...args)).code).toBe(0);
      expect((await cli(...args)).code).toBe(0);
      expect(snov.count(TOKEN_PATH) - tokensBefore).toBe(1);
      const text = await readFile(store, 'utf8');
      expect(text).toContain('"kid"');
      expect(text).not.toContain('accessToken');
      const missing = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--encryption-key-env', 'CLITEST_UNSET_KEY');
      expect(missing.code).toBe(2);
    } finally {
      delete process.env.CLITEST_STORE_KEY;
    }
  });

  it('--all follows the pagination and prints every item', async () => {
    const before = snov.count('/v2/domain-emails-with-info');
    const { code, stdout, stderr } = await cli('run', 'connectors/snov-io.json', 'domain-emails-with-info', '--input', '{"domain":"snov.io","limit":3}', '--all', '--credentials', snovCredentials, '--allow-private-network');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { items } = JSON.parse(stdout) as { items: { email: string }[] };
    expect(snov.count('/v2/domain-emails-with-info') - before).toBe(4);
    expect(items).toHaveLength(7);
    expect(new Set(items.map((item) => item.email)).size).toBe(items.length);
  });

  it('--credentials env:PREFIX reads the credentials from environment variables', async () => {
    Object.assign(process.env, { CLITEST_CLIENT_ID: 'sandbox-client-id', CLITEST_CLIENT_SECRET: 'sandbox-client-secret', CLITEST_API_BASE: snov.url });
    try {
      const { code, stdout, stderr } = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', 'env:CLITEST_', '--allow-private-network');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ status: 200 });
      const none = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', 'env:NOTHING_SET_', '--allow-private-network');
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('no environment variable starts with NOTHING_SET_');
    } finally {
      for (const name of ['CLITEST_CLIENT_ID', 'CLITEST_CLIENT_SECRET', 'CLITEST_API_BASE']) delete process.env[name];
    }
  });

  it('--debug: a line per token request, attempt and response on stderr, no secret in any', async () => {
    const { code, stdout, stderr } = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--allow-private-network', '--debug');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 200 });
    const lines = stderr.trim().split('\n');
    expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['debug: token.acquired', 'debug: request', 'debug: response']);
    expect(lines[1]).toContain(`method=GET url=${snov.url}/v1/get-balance attempt=1`);
    expect(lines[2]).toMatch(/action=get-balance method=GET .* status=200 durationMs=\d+/);
    expect(stderr).not.toContain('sandbox-client-secret');
  });

  it('a refused secret: exit 1 with the reason, without the secret', async () => {
    registerSecret('wrong-secret-canary');
    const wrong = await credentialsFile('wrong.json', { client_id: 'sandbox-client-id', client_secret: 'wrong-secret-canary', api_base: snov.url });
    const { code, stderr } = await cli('auth', 'connectors/snov-io.json', '--credentials', wrong, '--allow-private-network');
    expect(code).toBe(1);
    expect(stderr).toContain('needs to be authorized again');
    expect(stderr).toContain('[CONNECTOR_REAUTHORIZATION_REQUIRED]');
  });

  it('the cookie logon names the session cookies it received', async () => {
    const credentials = await credentialsFile('dw.json', { scheme: 'http', host: docuware.host, username: 'sandbox-user', password: 'sandbox-password', organization: 'Sandbox Org' });
    const { code, stdout } = await cli('auth', 'connectors/docuware.json', '--credentials', credentials, '--allow-private-network');
    expect(code).toBe(0);
    expect(stdout).toContain('no known expiry');
    expect(stdout).toContain('.DWPLATFORMAUTH');
  });
});

describe('connector run', () => {
  it('prints the result as JSON', async () => {
    const { code, stdout } = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--allow-private-network');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 200, data: { balance: '25000.00' } });
  });

  it('--env dev warns when the manifest declares no dev environment, and not when it does', async () => {
    const lacking = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--allow-private-network', '--env', 'dev');
    expect(lacking.code).toBe(0);
    expect(lacking.stderr).toBe('connector: warning: snov-io declares no environments.dev: --env dev uses the live base URL and credentials\n');
    expect(JSON.parse(lacking.stdout)).toMatchObject({ status: 200 });
    const manifest = JSON.parse(await readFile(join(root, 'connectors/snov-io.json'), 'utf8')) as Record<string, unknown>;
    const withDev = await credentialsFile('snov-with-dev.json', { ...manifest, environments: { dev: { base_url: '{{ credentials.api_base }}' } } });
    const declared = await cli('run', withDev, 'get-balance', '--credentials', snovCredentials, '--allow-private-network', '--env', 'dev');
    expect(declared.code).toBe(0);
    expect(declared.stderr).toBe('');
  });

  it('takes input inline or from a file', async () => {
    const inline = await cli('run', 'connectors/snov-io.json', 'start-domain-search', '--input', '{"domain":"snov.io"}', '--credentials', snovCredentials, '--allow-private-network');
    expect(inline.code).toBe(0);
    const { task_hash: taskHash } = (JSON.parse(inline.stdout) as { data: { task_hash: string } }).data;
    const inputFile = join(dir, 'input.json');
    await writeFile(inputFile, JSON.stringify({ task_hash: taskHash }));
    const fromFile = await cli('run', 'connectors/snov-io.json', 'get-domain-search-result', '--input-file', inputFile, '--credentials', snovCredentials, '--allow-private-network');
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ status: 200, data: { meta: { task_hash: taskHash } } });
  });

  it('a file store keeps the token between runs', async () => {
    const store = `file:${join(dir, 'tokens.json')}`;
    const before = snov.count(TOKEN_PATH);
    for (let run = 0; run < 2; run++) {
      const { code } = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--store', store, '--allow-private-network');
      expect(code).toBe(0);
    }
    expect(snov.count(TOKEN_PATH) - before).toBe(1);
    expect((await stat(join(dir, 'tokens.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'tokens.json'), 'utf8')).not.toContain('sandbox-client-secret');
  });

  it('writes a download to --output', async () => {
    const credentials = await credentialsFile('dw2.json', { scheme: 'http', host: docuware.host, username: 'sandbox-user', password: 'sandbox-password', organization: 'Sandbox Org' });
    const output = join(dir, 'download.bin');
    const input = JSON.stringify({ file_cabinet_id: docuware.ids.archiveCabinetId, document_id: docuware.ids.largeDocumentId });
    const { code, stdout } = await cli('run', 'connectors/docuware.json', 'download-document', '--input', input, '--output', output, '--credentials', credentials, '--allow-private-network');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: 200, output });
    expect((await stat(output)).size).toBe(1024 * 1024);
  });

  it('exit codes: 2 for usage errors (an unknown action, invalid input), 3 for an invalid manifest, 1 for a failed action', async () => {
    expect((await cli('run', 'connectors/snov-io.json', 'get-balance')).code).toBe(2);
    expect((await cli('run', 'connectors/snov-io.json')).code).toBe(2);
    expect((await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials, '--env', 'staging')).code).toBe(2);
    const invalid = await cli('run', 'test/manifest/broken/wrong-auth-type.json', 'x', '--credentials', snovCredentials);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('/auth/type  error: auth.type "oauth3" is not one of');
    const unknown = await cli('run', 'connectors/snov-io.json', 'no-such-action', '--credentials', snovCredentials, '--allow-private-network');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown action "no-such-action"');
    const badInput = await cli('run', 'connectors/snov-io.json', 'add-prospect-to-list', '--input', '{"list_id":"x"}', '--credentials', snovCredentials, '--allow-private-network');
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain('list_id');
    // Without --allow-private-network the SSRF guard refuses the loopback sandbox.
    const refused = await cli('run', 'connectors/snov-io.json', 'get-balance', '--credentials', snovCredentials);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('private address');
    expect(refused.stderr).toContain('(pass --allow-private-network to reach a local or private server)');
    expect(refused.stderr).not.toContain('allowPrivateNetwork');
  });

  it('--help on every command', async () => {
    for (const command of ['run', 'auth', 'validate']) {
      const { code, stdout } = await cli(command, '--help');
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: connector ${command}`);
      expect(stdout).toContain('Exit status');
    }
    const main = await cli('--help');
    expect(main.stdout).toMatch(/validate[\s\S]*run[\s\S]*auth/);
  });
});
