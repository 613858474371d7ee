/**
 * `connector generate`: the typed connector it writes makes a host's compiler accept the
 * connector's own action ids, inputs, outputs and credentials and reject everything else —
 * checked with tsc on a host that must compile (its @ts-expect-error lines must each be
 * errors) and on one that must not.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorCli as connector } from '../helpers/cli.js';

const root = resolve('.');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connector-generate-'));
  const made = await connector('generate', 'connectors/snov-io.json', '--out', join(dir, 'snov-io.connector.ts'));
  expect(made).toMatchObject({ code: 0, stderr: '' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** tsc over one host file (and the SDK it imports), with the repository's compiler options. */
function typecheck(host: string, text: string): Promise<{ code: number; output: string }> {
  return (async () => {
    await writeFile(join(dir, host), text);
    const config = join(dir, `${host}.tsconfig.json`);
    await writeFile(config, JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { noEmit: true, rootDir: '/', typeRoots: [join(root, 'node_modules/@types')] }, include: [], files: [join(dir, host)] }));
    return new Promise((done) => {
      execFile(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: root }, (error, stdout) => done({ code: error ? Number(error.code) : 0, output: stdout }));
    });
  })();
}

const preamble = [
  `import { loadConnector } from '${join(root, 'sdk/index.js')}';`,
  "import type { SnovIo } from './snov-io.connector.js';",
  'export async function host(): Promise<void> {',
  "  const connector = await loadConnector<SnovIo>('connectors/snov-io.json');",
  "  const connection = connector.connect({ connectionId: 't', credentials: { client_id: 'a', client_secret: 'b' } });",
];

describe('connector generate', () => {
  it('declares the ids, inputs, the output of output_schema and the credentials', async () => {
    const text = await readFile(join(dir, 'snov-io.connector.ts'), 'utf8');
    expect(text).toContain('export interface SnovIo {');
    expect(text).toContain("'get-balance': { input: undefined; output: SnovIoGetBalanceOutput };");
    expect(text).toContain("'add-prospect-to-list': { input: SnovIoAddProspectToListInput; output: unknown };");
    expect(text).toMatch(/export interface SnovIoCredentials \{[\s\S]*client_id: string;[\s\S]*api_base\?: string;/);
  });

  it('a host using the connector as declared compiles, and each misuse marked @ts-expect-error is an error', async () => {
    const { code, output } = await typecheck('good.ts', [
      ...preamble,
      "  const balance = await connection.execute('get-balance');",
      '  const credits: string = balance.data.balance;',
      "  await connection.execute('add-prospect-to-list', { list_id: 1, email: 'a@example.com' }, { timeoutMs: 1000 });",
      "  for await (const page of connection.paginate('domain-emails-with-info', { domain: 'snov.io' })) void page.status;",
      '  // @ts-expect-error an action the manifest does not declare',
      "  await connection.execute('no-such-action');",
      '  // @ts-expect-error list_id is an integer',
      "  await connection.execute('add-prospect-to-list', { list_id: 'one' });",
      '  // @ts-expect-error list_id is required',
      "  await connection.execute('add-prospect-to-list', { email: 'a@example.com' });",
      '  // @ts-expect-error the output of get-balance has no such field',
      '  void balance.data.credits;',
      '  // @ts-expect-error credentials of another connector',
      "  connector.connect({ connectionId: 't', credentials: { api_key: 'x' } });",
      '  void credits;',
      '}',
      '',
    ].join('\n'));
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('a host that calls an unknown action or passes a wrong input does not compile', async () => {
    const { code, output } = await typecheck('bad.ts', [...preamble, "  await connection.execute('no-such-action');", "  await connection.execute('add-prospect-to-list', { list_id: 'one' });", '}', ''].join('\n'));
    expect(code).not.toBe(0);
    expect(output).toContain('bad.ts(6,');
    expect(output).toContain('"no-such-action"');
    expect(output).toContain('bad.ts(7,');
  });

  it("each error class narrows code to its own codes, and events' code fields are ErrorCode", async () => {
    const { code, output } = await typecheck('codes.ts', [
      `import { AuthError, ConnectorError, HttpError, ReauthorizationRequired, ResponseError, type ConnectorEvent, type ErrorCode } from '${join(root, 'sdk/index.js')}';`,
      'export function host(error: unknown, event: ConnectorEvent): void {',
      "  if (error instanceof HttpError) { const only: 'CONNECTOR_HTTP_STATUS' = error.code; void only; }",
      "  if (error instanceof ReauthorizationRequired) { const only: 'CONNECTOR_REAUTHORIZATION_REQUIRED' = error.code; void only; }",
      "  if (error instanceof ResponseError) { const two: 'CONNECTOR_RESPONSE_INVALID' | 'CONNECTOR_RESPONSE_TOO_LARGE' = error.code; void two; }",
      '  if (error instanceof AuthError) {',
      "    const four: 'CONNECTOR_AUTH_FAILED' | 'CONNECTOR_TOKEN_RESPONSE_INVALID' | 'CONNECTOR_CREDENTIALS_REFUSED' | 'CONNECTOR_REAUTHORIZATION_REQUIRED' = error.code;",
      '    // @ts-expect-error an AuthError never carries an HTTP status code',
      "    const wrong: 'CONNECTOR_HTTP_STATUS' = error.code;",
      '    void four; void wrong;',
      '  }',
      '  if (error instanceof ConnectorError) { const any: ErrorCode = error.code; void any; }',
      "  if (event.type === 'token.refresh_failed' || event.type === 'auth.reauthorization_required') {",
      '    const known: ErrorCode = event.code;',
      '    // @ts-expect-error not any string',
      "    const other: 'ECONNREFUSED' = event.code;",
      '    void known; void other;',
      '  }',
      '}',
      '',
    ].join('\n'));
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('--format json: {"written"} with --out, {"declarations"} without; a missing manifest is {"error"} with exit 2', async () => {
    const file = join(dir, 'json.connector.ts');
    const written = await connector('generate', 'connectors/snov-io.json', '--out', file, '--format', 'json');
    expect(written).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(written.stdout)).toEqual({ written: file });
    const text = await readFile(file, 'utf8');
    const printed = await connector('generate', 'connectors/snov-io.json', '--format=json');
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(printed.stdout)).toEqual({ declarations: text });
    const missing = await connector('generate', join(dir, 'no-such.json'), '--format', 'json');
    expect(missing).toMatchObject({ code: 2, stderr: '' });
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'CONNECTOR_MANIFEST_UNREADABLE', reason: 'no such file' } });
    const usage = await connector('generate', '--format', 'json');
    expect(usage).toMatchObject({ code: 2, stderr: '' });
    expect(JSON.parse(usage.stdout)).toEqual({ error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: 'give exactly one manifest' } });
    expect((await connector('generate', '--help')).stdout).toMatch(/--format text\|json/);
  });

  it('an untyped connector stays untyped: any id and input compile', async () => {
    const { code, output } = await typecheck('untyped.ts', [
      `import { loadConnector } from '${join(root, 'sdk/index.js')}';`,
      'export async function host(): Promise<void> {',
      "  const connection = (await loadConnector('connectors/snov-io.json')).connect({ connectionId: 't', credentials: {} });",
      "  const result = await connection.execute<{ any: number }>('whatever', { anything: 1 });",
      '  void result.data.any;',
      '}',
      '',
    ].join('\n'));
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
