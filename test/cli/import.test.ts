/**
 * `connector import locoia` as an author runs it: --out writes a manifest `connector validate`
 * accepts (and never replaces a file unasked), problems are printed as file:line:column with
 * exit status 3 and nothing written, --format json is one document, and --check obtains a
 * token against the snov.io sandbox with exact counts and no secret in the output.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { connectorCli, expectNoSecret } from '../helpers/cli.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const FIXTURES = 'test/import/fixtures';
const SNOV = `${FIXTURES}/snov-io.comma-repaired.locoia.json`;
const SECRETS = ['sandbox-client-secret', 'wrong-client-secret'];
let dir: string;
let snov: SnovSandbox;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await connectorCli(...args);
  record(result.stdout);
  record(result.stderr);
  expectNoSecret(result.stdout + result.stderr, SECRETS, `connector ${args.join(' ')}`);
  return result;
}

const exists = (path: string) => access(path).then(() => true, () => false);

beforeAll(async () => {
  registerSecret(...SECRETS);
  dir = await mkdtemp(join(tmpdir(), 'connector-import-'));
  snov = await startSnovSandbox();
});

afterAll(async () => {
  await snov.close();
  await rm(dir, { recursive: true, force: true });
});

describe('connector import locoia', () => {
  it('--out writes a manifest named by the file, with a $schema that resolves, which connector validate accepts', async () => {
    const out = join(dir, 'connectors', 'snov-io.json');
    await mkdir(dirname(out), { recursive: true });
    const result = await cli('import', 'locoia', SNOV, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`wrote ${out}: snov-io (refreshable_token; its one action, starter-get-base-url, is a placeholder; 0 errors, 2 warnings)\n`);
    expect(result.stderr).toContain(`${SNOV}:1:1  /  warning: no base_domain`);
    const manifest = JSON.parse(await readFile(out, 'utf8')) as { $schema: string; id: string };
    expect(manifest.id).toBe('snov-io');
    expect(await exists(resolve(dirname(out), manifest.$schema))).toBe(true);
    expect(await cli('validate', out)).toMatchObject({ code: 0 });

    const again = await cli('import', 'locoia', SNOV, '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} exists: give --force to overwrite it`);
    expect((await cli('import', 'locoia', SNOV, '--out', out, '--force')).code).toBe(0);
  });

  it('without --out prints the manifest on stdout, the problems on stderr', async () => {
    const result = await cli('import', 'locoia', SNOV, '--id', 'snov');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'snov', auth: { type: 'refreshable_token' } });
    expect(result.stderr).toContain('imported snov (refreshable_token;');
  });

  it('the published example (a comma missing): file:line:column, exit 3, nothing written', async () => {
    const out = join(dir, 'published.json');
    const result = await cli('import', 'locoia', `${FIXTURES}/snov-io.published.locoia.txt`, '--out', out);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${FIXTURES}/snov-io.published.locoia.txt:4:3  /  error: invalid JSON: unexpected string  (a comma or colon may be missing before it)`);
    expect(await exists(out)).toBe(false);
  });

  it('untranslatable Jinja: each construct at its line and column in the source, exit 3', async () => {
    const file = `${FIXTURES}/untranslatable.locoia.json`;
    const lines = (await readFile(file, 'utf8')).split('\n');
    const result = await cli('import', 'locoia', file, '--out', join(dir, 'untranslatable.json'));
    expect(result.code).toBe(3);
    const upper = (lines[7] as string).indexOf('.upper()') + 1;
    const loop = (lines[8] as string).indexOf('{% for') + 1;
    expect(result.stderr).toContain(`${file}:8:${upper}  /refreshable_token/config/authorization_request_url  error: not translated: the Python method call \`.upper()\``);
    expect(result.stderr).toContain(`${file}:9:${loop}  /refreshable_token/config/authorization_request_body_template  error: not translated: a \`{% for %}\` loop`);
    expect(result.stderr).toMatch(/not imported \(\d+ errors, \d+ warnings\); nothing written\n$/);
  });

  it('--format json prints one document: valid, diagnostics with positions, the manifest', async () => {
    const result = await cli('import', 'locoia', `${FIXTURES}/acme-crm.oauth2.locoia.json`, '--format', 'json');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { valid: boolean; manifest: { id: string; auth: { type: string } }; diagnostics: { line: number; pointer: string }[] };
    expect(report.valid).toBe(true);
    expect(report.manifest).toMatchObject({ id: 'acme-crm', auth: { type: 'oauth2_authorization_code' } });
    expect(report.diagnostics).toContainEqual(expect.objectContaining({ line: 10, pointer: '/auth_config/oauth2/config/client_secret', severity: 'warning' }));
  });

  it.each([
    [['postman', SNOV], 'unknown format "postman" (known: locoia, openapi)'],
    [['locoia', 'test/import/fixtures/missing.json'], 'cannot read test/import/fixtures/missing.json (ENOENT)'],
    [['locoia', SNOV, '--auth', 'oauth1'], '--auth must be one of refreshable_token, oauth2, basic_auth, not "oauth1"'],
    [['locoia', SNOV, '--check', 'ftp://x'], '--check needs an http or https URL, not "ftp://x"'],
    [['locoia'], 'give exactly one file'],
  ])('usage error (exit 2): import %j', async (args, message) => {
    const result = await cli('import', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`connector import: ${message}`);
  });

  it('is listed in connector --help', async () => {
    expect((await cli('--help')).stdout).toContain('import      turn a Locoia connector definition into a manifest');
  });
});

describe('connector import locoia --check', () => {
  let credentials: string;
  let wrong: string;
  beforeAll(async () => {
    credentials = join(dir, 'snov-credentials.json');
    wrong = join(dir, 'wrong-credentials.json');
    await writeFile(credentials, JSON.stringify({ username: 'sandbox-client-id', password: 'sandbox-client-secret' }));
    await writeFile(wrong, JSON.stringify({ username: 'sandbox-client-id', password: 'wrong-client-secret' }));
  });
  beforeEach(() => {
    snov.requests.length = 0;
  });

  it('obtains a token from the sandbox with the imported manifest: one GET token request', async () => {
    const result = await cli('import', 'locoia', SNOV, '--out', join(dir, 'checked.json'), '--check', snov.url, '--credentials', credentials, '--allow-private-network');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`check against ${snov.url}: token obtained: Bearer, expires `);
    expect(snov.count('/v1/oauth/access_token')).toBe(1);
    expect(snov.requests).toHaveLength(1);
    expect(snov.requests[0]?.method).toBe('GET');
    expect(await exists(join(dir, 'checked.json'))).toBe(true);
  });

  it('a refused secret: the typed error, redacted, exit 1 (the manifest is still written); --format json says it in the one document', async () => {
    const result = await cli('import', 'locoia', SNOV, '--out', join(dir, 'refused.json'), '--check', snov.url, '--credentials', wrong, '--allow-private-network');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/connector import: .*\[CONNECTOR_REAUTHORIZATION_REQUIRED\]\n$/);
    expect(await exists(join(dir, 'refused.json'))).toBe(true);

    const json = await cli('import', 'locoia', SNOV, '--format', 'json', '--check', snov.url, '--credentials', wrong, '--allow-private-network');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { valid: boolean; check: { error: { code: string } } };
    expect(report.valid).toBe(true);
    expect(report.check.error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(snov.count('/v1/oauth/access_token')).toBe(2);
  });

  it('--check without --credentials is a usage error, after nothing was sent', async () => {
    const result = await cli('import', 'locoia', SNOV, '--check', snov.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--check needs --credentials');
    expect(snov.requests).toHaveLength(0);
  });
});
