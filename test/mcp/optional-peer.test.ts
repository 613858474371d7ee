/**
 * @modelcontextprotocol/sdk is an optional peer: a host without it loads the SDK and uses it as
 * before, and only createMcpServer fails, with a ConfigurationError saying what to install. Run
 * in a child process whose module resolution refuses the package (a Node resolve hook), as a
 * host that never installed it would see it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { root } from '../helpers/cli.js';

/** Registers a hook that answers every specifier of the package as a missing package does. */
const HOOK = `
import { register } from 'node:module';
const hook = \`export async function resolve(specifier, context, next) {
  if (specifier === '@modelcontextprotocol/sdk' || specifier.startsWith('@modelcontextprotocol/sdk/')) {
    const error = new Error('Cannot find package @modelcontextprotocol/sdk');
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}\`;
register('data:text/javascript,' + encodeURIComponent(hook));
`;

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'connector-mcp-peer-'));
  await writeFile(join(scratch, 'no-mcp.mjs'), HOOK);
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

it('loads and runs the SDK without the package; createMcpServer says what to install', async () => {
  const script = `
    const sdk = await import(${JSON.stringify(pathToFileURL(join(root, 'sdk/index.ts')).href)});
    const reachable = await import('@modelcontextprotocol/sdk/server/index.js').then(() => true, () => false);
    const manifest = { id: 'plain', name: 'Plain', version: '1.0.0', base_url: 'https://api.example.com', auth: { type: 'none' }, actions: { ping: { method: 'GET', path: '/ping' } } };
    const connector = await sdk.loadConnector(manifest);
    const failure = await sdk.createMcpServer({ connectors: [connector], connectionFor: () => { throw new Error('not called'); } }).then(() => undefined, (error) => error);
    console.log(JSON.stringify({
      reachable,
      loaded: connector.actions,
      isConfigurationError: failure instanceof sdk.ConfigurationError,
      code: failure?.code,
      message: failure?.message,
    }));
  `;
  const output = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--import', join(scratch, 'no-mcp.mjs'), '--input-type=module', '-e', script], { cwd: root }, (error, stdout, stderr) =>
      error ? reject(new Error(`the host process failed: ${stderr}`)) : resolve(stdout),
    );
  });
  expect(JSON.parse(output)).toEqual({
    reachable: false,
    loaded: ['ping'],
    isConfigurationError: true,
    code: 'CONNECTOR_CONFIGURATION_INVALID',
    message: 'the MCP server needs @modelcontextprotocol/sdk ^1.32, an optional peer dependency: npm install @modelcontextprotocol/sdk',
  });
});
