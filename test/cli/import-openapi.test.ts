/**
 * `connector import openapi` as an author runs it: --out writes a manifest `connector validate`
 * accepts, --tag / --operation import a subset, --format json is one document, an unsupported
 * security scheme is a printed warning, --openid-configuration reads the discovery document,
 * and what does not import exits 3 with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorCli } from '../helpers/cli.js';

const PETSTORE2 = 'test/import/openapi/petstore2.swagger.yaml';
let dir: string;
const exists = (path: string) => access(path).then(() => true, () => false);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connector-import-openapi-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('connector import openapi', () => {
  it('--out writes the manifest (named by the file), which connector validate accepts; the warnings on stderr', async () => {
    const out = join(dir, 'petstore.json');
    const result = await connectorCli('import', 'openapi', PETSTORE2, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`wrote ${out}: petstore (api_key; 20 actions; 0 errors, 8 warnings)\n`);
    expect(result.stderr).toContain(`${PETSTORE2}:1:1  /components/securitySchemes/petstore_auth/flows/implicit  warning: the oauth2 implicit flow cannot be expressed by the manifest: not imported`);
    const manifest = JSON.parse(await readFile(out, 'utf8')) as { id: string; actions: Record<string, unknown> };
    expect(manifest.id).toBe('petstore');
    expect(Object.keys(manifest.actions)).toHaveLength(20);
    expect(await connectorCli('validate', out)).toMatchObject({ code: 0 });
  });

  it('--tag and --operation (repeatable) import a subset; --format json is one document', async () => {
    const byTag = await connectorCli('import', 'openapi', PETSTORE2, '--tag', 'store', '--format', 'json');
    expect(byTag.code).toBe(0);
    const report = JSON.parse(byTag.stdout) as { valid: boolean; manifest: { actions: Record<string, unknown> } };
    expect(report.valid).toBe(true);
    expect(Object.keys(report.manifest.actions)).toEqual(['get-inventory', 'place-order', 'get-order-by-id', 'delete-order']);
    const byOperation = await connectorCli('import', 'openapi', PETSTORE2, '--operation', 'getPetById', '--operation', 'login-user', '--id', 'two');
    expect(byOperation.code).toBe(0);
    expect(Object.keys((JSON.parse(byOperation.stdout) as { actions: object }).actions)).toEqual(['get-pet-by-id', 'login-user']);
    expect(byOperation.stderr).toContain('imported two (api_key; 2 actions;');
  });

  it('an unsupported scheme is a warning and the manifest has no auth; --openid-configuration reads the discovery document', async () => {
    const file = join(dir, 'secured.json');
    const schemes = { digest: { type: 'http', scheme: 'digest' }, oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://id.example.com/.well-known/openid-configuration' } };
    await writeFile(file, JSON.stringify({ openapi: '3.0.3', info: { title: 'Secured', version: '1' }, servers: [{ url: 'https://api.example.com' }], components: { securitySchemes: schemes }, security: [{ digest: [] }], paths: { '/me': { get: { responses: { '200': { description: 'ok' } } } } } }));
    const digest = await connectorCli('import', 'openapi', file, '--auth', 'digest');
    expect(digest.code).toBe(0);
    expect(digest.stderr).toContain(`${file}:1:1  /components/securitySchemes/digest  warning: the http scheme "digest" is not imported`);
    expect(JSON.parse(digest.stdout)).toMatchObject({ auth: { type: 'none' } });
    const discovery = join(dir, 'openid-configuration.json');
    await writeFile(discovery, JSON.stringify({ issuer: 'https://id.example.com', authorization_endpoint: 'https://id.example.com/auth', token_endpoint: 'https://id.example.com/token' }));
    const oidc = await connectorCli('import', 'openapi', file, '--auth', 'oidc', '--openid-configuration', discovery);
    expect(oidc.code).toBe(0);
    expect(JSON.parse(oidc.stdout)).toMatchObject({ auth: { type: 'oauth2_authorization_code', token_url: 'https://id.example.com/token', issuer: 'https://id.example.com' } });
  });

  it('what does not import: exit 3, the error printed, nothing written; the standard input is a usage error', async () => {
    const file = join(dir, 'not-openapi.json');
    await writeFile(file, '{"info": {"title": "x"}}');
    const out = join(dir, 'never.json');
    const result = await connectorCli('import', 'openapi', file, '--out', out);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${file}:1:1  /  error: not an OpenAPI document`);
    expect(result.stderr).toContain('connector import: not imported (1 error, 0 warnings); nothing written');
    expect(await exists(out)).toBe(false);
    const none = await connectorCli('import', 'openapi', PETSTORE2, '--tag', 'nope');
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('/paths  error: no operation matches the tags or operations asked for');
    const stdin = await connectorCli('import', 'openapi', '-');
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('openapi reads a file or a directory, not the standard input');
  });
});
