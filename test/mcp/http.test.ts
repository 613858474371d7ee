/**
 * MCP over Streamable HTTP with the MCP SDK's StreamableHTTPClientTransport. In process: two
 * callers with their own bearer tokens get sessions that connectionFor maps to two connections
 * with different credentials (two snov.io sandboxes, each accepting only its own client), and
 * neither reaches the other's connection — not by its calls, not by naming the other's session.
 * Requests without a valid bearer token are refused with 401. Spawned: `connector mcp --http`
 * refuses to start without CONNECTOR_MCP_TOKEN or on a non-loopback address, and serves with it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer, loadConnector, type Connection, type Connector, type McpRequestContext } from '../../sdk/index.js';
import { serveMcpOverHttp, type McpHttpServer } from '../../sdk/mcp/http-server.js';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { root } from '../helpers/cli.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const TENANTS = {
  a: { clientId: 'tenant-a-client', secret: 'tenant-a-canary-secret', bearer: 'bearer-a-canary-7f1c9d' },
  b: { clientId: 'tenant-b-client', secret: 'tenant-b-canary-secret', bearer: 'bearer-b-canary-2e8a4b' },
} as const;
const CLI_TOKEN = 'cli-bearer-canary-5d0e3f9a';
registerSecret(TENANTS.a.secret, TENANTS.b.secret, TENANTS.a.bearer, TENANTS.b.bearer, CLI_TOKEN);
const TOKEN_PATH = '/v1/oauth/access_token';

type Tenant = keyof typeof TENANTS;

/** A client of `url` sending `bearer`; close() ends its session. */
async function httpClient(url: string, bearer: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } });
  const client = new Client({ name: 'connector-sdk-tests', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** A raw JSON-RPC POST, for what the SDK's client would never send. */
function post(url: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers },
    body: JSON.stringify(body),
  });
}

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const CALL_BALANCE = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'snov-io.get-balance', arguments: {} } };

describe('sessions of two callers (in process)', () => {
  const sandboxes = {} as Record<Tenant, SnovSandbox>;
  const connections = {} as Record<Tenant, Connection>;
  const contexts: { sessionId?: string; clientId?: string }[] = [];
  let connector: Connector;
  let endpoint: McpHttpServer;
  let serversMade = 0;

  beforeAll(async () => {
    connector = await loadConnector('connectors/snov-io.json');
    for (const tenant of ['a', 'b'] as const) {
      const { clientId, secret } = TENANTS[tenant];
      sandboxes[tenant] = await startSnovSandbox({ clientId, clientSecret: secret });
      connections[tenant] = connector.connect({
        connectionId: `tenant-${tenant}`,
        credentials: { client_id: clientId, client_secret: secret, api_base: sandboxes[tenant].url },
        allowPrivateNetwork: true,
      });
    }
    const connectionFor = ({ sessionId, authInfo }: McpRequestContext): Connection => {
      contexts.push({ sessionId, clientId: authInfo?.clientId });
      return authInfo?.clientId === 'a' ? connections.a : connections.b;
    };
    endpoint = await serveMcpOverHttp({
      host: '127.0.0.1',
      port: 0,
      verifyToken: (token) => {
        const tenant = (Object.keys(TENANTS) as Tenant[]).find((name) => TENANTS[name].bearer === token);
        return tenant ? { token, clientId: tenant, scopes: [] } : undefined;
      },
      createServer: () => {
        serversMade++;
        return createMcpServer({ connectors: [connector], connectionFor });
      },
    });
  });

  afterAll(async () => {
    await endpoint?.close();
    await connector?.close();
    await Promise.all(Object.values(sandboxes).map((sandbox) => sandbox.close()));
  });

  it('maps each session to its caller\'s connection: each call uses that caller\'s credentials only', async () => {
    const a = await httpClient(endpoint.url, TENANTS.a.bearer);
    const b = await httpClient(endpoint.url, TENANTS.b.bearer);
    try {
      expect(a.transport.sessionId).toBeTruthy();
      expect(b.transport.sessionId).toBeTruthy();
      expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
      const results = (await Promise.all([
        a.client.callTool({ name: 'snov-io.get-balance' }),
        b.client.callTool({ name: 'snov-io.get-balance' }),
        a.client.callTool({ name: 'snov-io.get-balance' }),
      ])) as CallToolResult[];
      results.forEach((result) => record(result, 'tool result'));
      expect(results.map((result) => result.isError ?? false)).toEqual([false, false, false]);
      // Each sandbox accepts only its own client: a token it issued proves whose credentials were sent.
      expect([sandboxes.a.count(TOKEN_PATH), sandboxes.a.count('/v1/get-balance')]).toEqual([1, 2]);
      expect([sandboxes.b.count(TOKEN_PATH), sandboxes.b.count('/v1/get-balance')]).toEqual([1, 1]);
      expect(contexts).toEqual(
        expect.arrayContaining([
          { sessionId: a.transport.sessionId, clientId: 'a' },
          { sessionId: b.transport.sessionId, clientId: 'b' },
        ]),
      );
      expect(contexts).toHaveLength(3);
      expect(new Set(contexts.map((context) => `${context.sessionId} ${context.clientId}`)).size).toBe(2);
      expect(serversMade).toBe(2);

      // B naming A's session is answered as for an unknown session: nothing reaches A's connection.
      const hijack = await post(endpoint.url, { authorization: `Bearer ${TENANTS.b.bearer}`, 'mcp-session-id': a.transport.sessionId! }, CALL_BALANCE);
      expect(hijack.status).toBe(404);
      expect(await hijack.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Session not found' }, id: null });
      expect(sandboxes.a.count('/v1/get-balance')).toBe(2);
      expect(contexts).toHaveLength(3);
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  it('refuses a request without a bearer token, or with a wrong one, with 401 and a challenge', async () => {
    const made = serversMade;
    const none = await post(endpoint.url, {}, INITIALIZE);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    await none.text();
    const wrong = await post(endpoint.url, { authorization: 'Bearer not-a-known-token' }, INITIALIZE);
    expect(wrong.status).toBe(401);
    record(await wrong.text(), '401 body');
    const basic = await post(endpoint.url, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, INITIALIZE);
    expect(basic.status).toBe(401);
    await basic.text();
    expect(serversMade).toBe(made);
  });

  it('refuses a foreign Host (DNS rebinding) with 403, and answers a body that is no JSON as JSON-RPC does, without a stack', async () => {
    const { port } = new URL(endpoint.url);
    const rebound = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const headers = { host: `attacker.example:${port}`, authorization: `Bearer ${TENANTS.a.bearer}`, 'content-type': 'application/json' };
      const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.once('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(rebound).toEqual({ status: 403, body: JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Invalid Host: attacker.example' }, id: null }) });
    const garbled = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TENANTS.a.bearer}` },
      body: '{"password": "tenant-a-canary-secret"',
    });
    expect(garbled.status).toBe(400);
    expect(await garbled.text()).toBe(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }));
  });

  it('refuses a non-loopback address before listening', async () => {
    await expect(serveMcpOverHttp({ host: '0.0.0.0', port: 0, verifyToken: () => undefined, createServer: () => Promise.reject(new Error('not called')) })).rejects.toMatchObject({
      code: 'CONNECTOR_REQUEST_REFUSED',
      message: 'the MCP HTTP server listens on a loopback address only (127.0.0.1, ::1 or localhost), not "0.0.0.0"',
    });
  });
});

describe('connector mcp --http (spawned)', () => {
  let scratch: string;
  let sandbox: SnovSandbox;
  let credentials: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'connector-mcp-http-'));
    sandbox = await startSnovSandbox({ clientId: TENANTS.a.clientId, clientSecret: TENANTS.a.secret });
    credentials = join(scratch, 'snov.json');
    await writeFile(credentials, JSON.stringify({ client_id: TENANTS.a.clientId, client_secret: TENANTS.a.secret, api_base: sandbox.url }));
  });

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  afterAll(async () => {
    await sandbox?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const args = (http: string) => ['--import', 'tsx', 'sdk/cli/main.ts', 'mcp', 'connectors/snov-io.json', '--credentials', credentials, '--allow-private-network', '--http', http];
  const envWithout = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CONNECTOR_MCP_TOKEN'));

  function runToEnd(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, argv, { cwd: root, env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    });
  }

  it('refuses to start without CONNECTOR_MCP_TOKEN, or on an address that is not loopback', async () => {
    const unset = await runToEnd(args('127.0.0.1:0'), envWithout());
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('connector mcp: --http needs a bearer token in the variable CONNECTOR_MCP_TOKEN');
    expect(unset.stdout).toBe('');
    const open = await runToEnd(args('0.0.0.0:8931'), { ...envWithout(), CONNECTOR_MCP_TOKEN: CLI_TOKEN });
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('connector mcp: --http takes 127.0.0.1:<port> (or localhost or [::1]: loopback only), not "0.0.0.0:8931"');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('--format json: a failure to start is one {"error"} object — on stdout with --http, one line on stderr over stdio', async () => {
    const http = await runToEnd([...args('127.0.0.1:0'), '--format', 'json'], envWithout());
    expect(http.code).toBe(2);
    expect(http.stderr).toBe('');
    expect(JSON.parse(http.stdout)).toEqual({
      error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: expect.stringContaining('--http needs a bearer token in the variable CONNECTOR_MCP_TOKEN') },
    });
    const stdio = await runToEnd(['--import', 'tsx', 'sdk/cli/main.ts', 'mcp', 'connectors/snov-io.json', '--allow-private-network', '--format', 'json'], envWithout());
    expect(stdio.code).toBe(2);
    expect(stdio.stdout).toBe('');
    expect(stdio.stderr.endsWith('\n') && !stdio.stderr.slice(0, -1).includes('\n')).toBe(true);
    expect(JSON.parse(stdio.stderr)).toEqual({ error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: '--credentials <file|env:PREFIX> is required' } });
    expect(sandbox.requests).toHaveLength(0);
  });

  it('serves with the token: 401 without it, tools and a call with it; SIGTERM ends it with status 0', async () => {
    const started = spawn(process.execPath, args('127.0.0.1:0'), { cwd: root, env: { ...envWithout(), CONNECTOR_MCP_TOKEN: CLI_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      started.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const found = /at (http:\/\/127\.0\.0\.1:\d+\/mcp) /.exec(stderr);
        if (found) resolve(found[1]!);
      });
      started.once('exit', (code) => reject(new Error(`connector mcp exited ${String(code)} before serving: ${stderr}`)));
    });
    expect(stderr).toBe(`connector mcp: serving 9 tools over Streamable HTTP at ${url} (Authorization: Bearer $CONNECTOR_MCP_TOKEN)\n`);

    const refused = await post(url, {}, INITIALIZE);
    expect(refused.status).toBe(401);
    await refused.text();
    const { client } = await httpClient(url, CLI_TOKEN);
    try {
      expect((await client.listTools()).tools).toHaveLength(9);
      const result = (await client.callTool({ name: 'snov-io.get-balance' })) as CallToolResult;
      record(result, 'tool result');
      expect(result.structuredContent).toMatchObject({ balance: '25000.00' });
      expect([sandbox.count(TOKEN_PATH), sandbox.count('/v1/get-balance')]).toEqual([1, 1]);
    } finally {
      await client.close();
    }
    started.kill('SIGTERM');
    expect(await exited).toBe(0);
    record(stderr, 'connector mcp stderr');
  });
});
