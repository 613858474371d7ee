/**
 * `connector mcp` as an agent runs it: a spawned process (the CLI through tsx) speaking MCP on
 * stdio to the MCP SDK's StdioClientTransport, against sandboxes this test starts. One manifest
 * with its credentials file as `run` takes it; two manifests with a file keyed by connector id.
 * Exact request counts at the sandboxes; the process's stderr is scanned for secrets.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';
import { root } from '../helpers/cli.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const SNOV = { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret' };
const DOCUWARE = { username: 'sandbox-user', password: 'sandbox-password', organization: 'Sandbox Org' };
registerSecret(SNOV.client_secret, DOCUWARE.password);

let scratch: string;
let snov: SnovSandbox;
let docuware: DocuwareSandbox;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'connector-mcp-stdio-'));
  snov = await startSnovSandbox();
  docuware = await startDocuwareSandbox();
});

afterAll(async () => {
  await Promise.all([snov?.close(), docuware?.close()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Spawns `connector mcp …args` and connects the SDK's client to it; close() ends the process and returns its stderr. */
async function spawnMcp(...args: string[]): Promise<{ client: Client; close(): Promise<string> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'sdk/cli/main.ts', 'mcp', ...args],
    cwd: root,
    env: { ...process.env } as Record<string, string>,
    stderr: 'pipe',
  });
  const stderr: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => stderr.push(chunk));
  transport.stderr?.pipe(sink);
  const client = new Client({ name: 'connector-sdk-tests', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    close: async () => {
      await client.close();
      const text = Buffer.concat(stderr).toString('utf8');
      record(text, 'connector mcp stderr');
      return text;
    },
  };
}

describe('connector mcp over stdio', () => {
  it('one manifest, its credentials file: lists the tools and runs one against the sandbox', async () => {
    const credentials = join(scratch, 'snov.json');
    await writeFile(credentials, JSON.stringify({ ...SNOV, api_base: snov.url }));
    const { client, close } = await spawnMcp('connectors/snov-io.json', '--credentials', credentials, '--allow-private-network');
    let stderr = '';
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual([
        'snov-io.get-balance',
        'snov-io.get-user-lists',
        'snov-io.add-prospect-to-list',
        'snov-io.get-emails-from-names',
        'snov-io.start-email-verification',
        'snov-io.get-email-verification-result',
        'snov-io.start-domain-search',
        'snov-io.get-domain-search-result',
        'snov-io.domain-emails-with-info',
      ]);
      expect(tools[0]).toMatchObject({ title: 'Get balance', description: 'The account\'s credit balance and limits. Free.' });
      const result = (await client.callTool({ name: 'snov-io.get-balance' })) as CallToolResult;
      record(result, 'tool result');
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ balance: '25000.00' });
      expect(snov.count('/v1/oauth/access_token')).toBe(1);
      expect(snov.count('/v1/get-balance')).toBe(1);
    } finally {
      stderr = await close();
    }
    expect(stderr).toBe('connector mcp: serving 9 tools over stdio\n');
  });

  it('two manifests, credentials keyed by connector id: tools of both, each call on its own connection', async () => {
    const credentials = join(scratch, 'keyed.json');
    await writeFile(credentials, JSON.stringify({ 'snov-io': { ...SNOV, api_base: snov.url }, docuware: { scheme: 'http', host: docuware.host, ...DOCUWARE } }));
    const before = { tokens: snov.count('/v1/oauth/access_token'), lists: snov.count('/v1/get-user-lists'), logons: docuware.count('/DocuWare/Platform/Account/Logon') };
    const { client, close } = await spawnMcp('connectors/snov-io.json', 'connectors/docuware.json', '--credentials', credentials, '--allow-private-network');
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names.filter((name) => name.startsWith('snov-io.'))).toHaveLength(9);
      expect(names.filter((name) => name.startsWith('docuware.'))).toHaveLength(8);
      const cabinets = (await client.callTool({ name: 'docuware.list-file-cabinets' })) as CallToolResult;
      const lists = (await client.callTool({ name: 'snov-io.get-user-lists' })) as CallToolResult;
      record(cabinets, 'tool result');
      record(lists, 'tool result');
      expect(cabinets.isError).toBeFalsy();
      expect((cabinets.structuredContent as { items: { Name: string }[] }).items.map((cabinet) => cabinet.Name)).toEqual(['Invoices', 'Archive', 'Document Tray']);
      expect(Array.isArray((lists.structuredContent as { items?: unknown }).items)).toBe(true);
      expect(docuware.count('/DocuWare/Platform/Account/Logon') - before.logons).toBe(1);
      expect(snov.count('/v1/oauth/access_token') - before.tokens).toBe(1);
      expect(snov.count('/v1/get-user-lists') - before.lists).toBe(1);
    } finally {
      await close();
    }
  });
});
