/**
 * How manifests become MCP tools, on a manifest of its own against a loopback API: output
 * schemas of every type wrapped into the object shape structuredContent must have (and the MCP
 * Client, which validates structuredContent against outputSchema, accepts what the server
 * sends — or refuses it when the API breaks the declared schema), text results, and the
 * refusals of a tool set MCP cannot address (a name over 128 characters, two connectors with
 * one id, a bad binary cap).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createMcpServer, loadConnector, type Connector, type ConnectorManifest } from '../../sdk/index.js';
import { rejection } from '../helpers/secret-scan.js';
import { call, linkedClient, textOf, type LinkedClient } from './mcp-client.js';

const ANSWERS: Record<string, { type: string; body: string }> = {
  '/things': { type: 'application/json', body: JSON.stringify([{ id: 1 }, { id: 2 }]) },
  '/count': { type: 'application/json', body: JSON.stringify({ count: 7 }) },
  '/wrong-count': { type: 'application/json', body: JSON.stringify({ count: 'seven' }) },
  '/note': { type: 'text/plain', body: 'plain words' },
  '/maybe': { type: 'application/json', body: 'null' },
};

function manifest(baseUrl: string, id = 'shapes'): ConnectorManifest {
  return {
    id,
    name: 'Shapes',
    version: '2.1.0',
    base_url: baseUrl,
    auth: { type: 'none' },
    actions: {
      'list-things': { method: 'GET', path: '/things', output_schema: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } } },
      count: { method: 'GET', path: '/count', output: '$.count', output_schema: { type: 'integer' } },
      'wrong-count': { method: 'GET', path: '/wrong-count', output: '$.count', output_schema: { type: 'integer' } },
      note: { method: 'GET', path: '/note', response_format: 'text', output_schema: { type: 'string' } },
      maybe: { method: 'GET', path: '/maybe', output_schema: { type: ['object', 'null'] } },
    },
  };
}

let api: Server;
let apiUrl: string;
const served: string[] = [];
let connector: Connector;
let linked: LinkedClient;

beforeAll(async () => {
  api = createServer((req, res) => {
    served.push(`${req.method} ${req.url}`);
    const answer = ANSWERS[req.url ?? ''];
    res.writeHead(answer ? 200 : 404, { 'content-type': answer?.type ?? 'text/plain' });
    res.end(answer?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  connector = await loadConnector(manifest(apiUrl));
  const connection = connector.connect({ connectionId: 'shapes', credentials: {}, allowPrivateNetwork: true });
  linked = await linkedClient({ connectors: [connector], connectionFor: () => connection });
});

afterAll(async () => {
  await linked?.close();
  await connector?.close();
  await new Promise((resolve) => api.close(resolve));
});

describe('output schemas and structured results', () => {
  it('declares each output schema in the shape structuredContent has', async () => {
    const tools = new Map((await linked.client.listTools()).tools.map((tool) => [tool.name, tool]));
    const actions = manifest(apiUrl).actions;
    expect(tools.get('shapes.list-things')!.outputSchema).toEqual({ type: 'object', properties: { items: actions['list-things']!.output_schema }, required: ['items'] });
    expect(tools.get('shapes.count')!.outputSchema).toEqual({ type: 'object', properties: { value: { type: 'integer' } }, required: ['value'] });
    expect(tools.get('shapes.note')!.outputSchema).toEqual({ type: 'object', properties: { value: { type: 'string' } }, required: ['value'] });
    // A list of types says no single shape: no outputSchema.
    expect(tools.get('shapes.maybe')!.outputSchema).toBeUndefined();
    expect(tools.get('shapes.count')!.description).toBe('GET /count');
  });

  it('returns results the client validates against those schemas', async () => {
    served.length = 0;
    const things = await call(linked.client, 'shapes.list-things');
    expect(things.structuredContent).toEqual({ items: [{ id: 1 }, { id: 2 }] });
    expect(JSON.parse(textOf(things))).toEqual([{ id: 1 }, { id: 2 }]);
    const count = await call(linked.client, 'shapes.count');
    expect(count.structuredContent).toEqual({ value: 7 });
    expect(textOf(count)).toBe('7');
    const note = await call(linked.client, 'shapes.note');
    expect(note.structuredContent).toEqual({ value: 'plain words' });
    expect(textOf(note)).toBe('plain words');
    const maybe = await call(linked.client, 'shapes.maybe');
    expect(maybe.structuredContent).toEqual({ value: null });
    expect(served).toEqual(['GET /things', 'GET /count', 'GET /note', 'GET /maybe']);
  });

  it('lets the client refuse an answer that breaks the declared schema', async () => {
    await expect(call(linked.client, 'shapes.wrong-count')).rejects.toMatchObject({ message: expect.stringContaining('does not match the tool\'s output schema') });
  });
});

describe('tool sets MCP cannot address', () => {
  it('refuses a tool name over 128 characters, naming the action', async () => {
    const longId = `a${'b'.repeat(62)}`;
    const longAction = `c${'d'.repeat(64)}`;
    const base = manifest(apiUrl, longId);
    const long = await loadConnector({ ...base, actions: { [longAction]: { method: 'GET', path: '/count' } } });
    const error = await rejection(createMcpServer({ connectors: [long], connectionFor: () => { throw new Error('not called'); } }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: `/actions/${longAction}` });
    expect(error.message).toContain('is 129 characters, more than MCP\'s 128');
  });

  it('refuses two connectors with one id', async () => {
    const twin = await loadConnector(manifest(apiUrl));
    const error = await rejection(createMcpServer({ connectors: [connector, twin], connectionFor: () => { throw new Error('not called'); } }));
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/id', message: expect.stringContaining('two connectors have the id "shapes"') });
  });

  it('refuses a binary cap that is no whole number of bytes', async () => {
    const error = await rejection(createMcpServer({ connectors: [connector], connectionFor: () => { throw new Error('not called'); }, maxBinaryBytes: -1 }));
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', message: 'createMcpServer: maxBinaryBytes must be a whole number of bytes, not -1' });
  });
});
