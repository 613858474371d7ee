/**
 * createMcpServer in process, driven by the MCP SDK's own Client over its InMemoryTransport,
 * against the snov.io and DocuWare sandboxes on 127.0.0.1: the tools as listed (names, titles,
 * descriptions, input and output schemas from the manifests), calls returning the sandboxes'
 * data (objects, bare arrays, a download as a blob, an upload from base64), and the failures a
 * call can have (bad input, a download over the cap, an unknown tool). Exact request counts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { loadConnector, type Connection, type Connector, type ConnectorManifest } from '../../sdk/index.js';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { patternByte, startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';
import { eventLog, record, registerSecret } from '../helpers/secret-scan.js';
import { call, errorCodeOf, linkedClient, textOf, type LinkedClient } from './mcp-client.js';

const SNOV = { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret' };
const DOCUWARE = { username: 'sandbox-user', password: 'sandbox-password', organization: 'Sandbox Org' };
registerSecret(SNOV.client_secret, DOCUWARE.password);
const LARGE_BYTES = 5000;

const manifestOf = (file: string): ConnectorManifest => JSON.parse(readFileSync(new URL(`../../connectors/${file}`, import.meta.url), 'utf8')) as ConnectorManifest;
const snovManifest = manifestOf('snov-io.json');
const docuwareManifest = manifestOf('docuware.json');

let clockMs = Date.UTC(2026, 0, 5, 9, 0, 0);
const clock = { now: () => clockMs };
let snovSandbox: SnovSandbox;
let docuwareSandbox: DocuwareSandbox;
let snov: Connector;
let docuware: Connector;
let connections: Record<string, Connection>;
let linked: LinkedClient;

beforeAll(async () => {
  snovSandbox = await startSnovSandbox({ now: clock.now });
  docuwareSandbox = await startDocuwareSandbox({ now: clock.now, largeDocumentBytes: LARGE_BYTES });
  snov = await loadConnector('connectors/snov-io.json');
  docuware = await loadConnector('connectors/docuware.json');
  const log = eventLog();
  connections = {
    'snov-io': snov.connect({ connectionId: 'mcp-snov', credentials: { ...SNOV, api_base: snovSandbox.url }, clock, onEvent: log.listener, allowPrivateNetwork: true }),
    docuware: docuware.connect({
      connectionId: 'mcp-docuware',
      credentials: { scheme: 'http', host: docuwareSandbox.host, ...DOCUWARE },
      clock,
      onEvent: log.listener,
      allowPrivateNetwork: true,
    }),
  };
  linked = await linkedClient({ connectors: [snov, docuware], connectionFor: ({ connector }) => connections[connector.id]! });
});

afterAll(async () => {
  await linked?.close();
  await Promise.all([snov?.close(), docuware?.close()]);
  await Promise.all([snovSandbox?.close(), docuwareSandbox?.close()]);
});

/** Records a result for the secret scan and returns it. */
async function scanned(result: Promise<CallToolResult>): Promise<CallToolResult> {
  const settled = await result;
  record(settled, 'tool result');
  return settled;
}

describe('tools/list', () => {
  it('lists one tool per action, <connector id>.<action id>, in manifest order', async () => {
    const { tools } = await linked.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      ...Object.keys(snovManifest.actions).map((id) => `snov-io.${id}`),
      ...Object.keys(docuwareManifest.actions).map((id) => `docuware.${id}`),
    ]);
  });

  it('carries the action\'s title, description and schemas', async () => {
    const tools = new Map((await linked.client.listTools()).tools.map((tool) => [tool.name, tool]));
    const balance = tools.get('snov-io.get-balance')!;
    const spec = snovManifest.actions['get-balance'] as unknown as { title: string; description: string; output_schema: object };
    expect(balance).toMatchObject({ title: spec.title, description: spec.description, inputSchema: { type: 'object' }, outputSchema: spec.output_schema });
    expect(balance.annotations).toMatchObject({ readOnlyHint: true });
    // No output_schema in the manifest: no outputSchema (test/mcp/tools.test.ts wraps arrays and scalars).
    expect(tools.get('snov-io.get-user-lists')!.outputSchema).toBeUndefined();
    expect(tools.get('docuware.list-dialogs')!.inputSchema).toEqual(docuwareManifest.actions['list-dialogs']!.input);
    const download = tools.get('docuware.download-document')!;
    expect(download.outputSchema).toBeUndefined();
    expect(download.annotations?.readOnlyHint).toBe(true);
    expect(tools.get('docuware.upload-document')!.annotations?.readOnlyHint).toBe(false);
  });

  it('gives file content inputs as base64 strings', async () => {
    const upload = (await linked.client.listTools()).tools.find((tool) => tool.name === 'docuware.upload-document')!;
    expect(upload.inputSchema.properties?.file).toEqual({
      type: 'string',
      contentEncoding: 'base64',
      title: 'File',
      description: 'The file\'s content (Buffer, Uint8Array, Blob or stream). Base64-encoded bytes.',
    });
    expect(upload.inputSchema.required).toEqual(docuwareManifest.actions['upload-document']!.input!.required);
  });
});

describe('tools/call', () => {
  it('returns an object result as structuredContent and as JSON text', async () => {
    const result = await scanned(call(linked.client, 'snov-io.get-balance'));
    const balance = { balance: '25000.00', teamwork: false, unique_recipients_used: 0, limit_resets_in: 29, expires_in: 359 };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(balance);
    expect(JSON.parse(textOf(result))).toEqual(balance);
    expect(snovSandbox.count('/v1/get-balance')).toBe(1);
    expect(snovSandbox.count('/v1/oauth/access_token')).toBe(1);
  });

  it('wraps a bare array as { items }', async () => {
    const result = await scanned(call(linked.client, 'snov-io.get-user-lists'));
    const direct = await connections['snov-io']!.execute('get-user-lists');
    expect(Array.isArray(direct.data)).toBe(true);
    expect(result.structuredContent).toEqual({ items: direct.data });
    expect(snovSandbox.count('/v1/get-user-lists')).toBe(2);
  });

  it('passes the input: DocuWare dialogs of a cabinet', async () => {
    const { invoicesCabinetId, searchDialogId } = docuwareSandbox.ids;
    const result = await scanned(call(linked.client, 'docuware.list-dialogs', { file_cabinet_id: invoicesCabinetId }));
    expect(result.isError).toBeFalsy();
    const dialogs = JSON.stringify(result.structuredContent);
    expect(dialogs).toContain(searchDialogId);
    expect(docuwareSandbox.count(`/DocuWare/Platform/FileCabinets/${invoicesCabinetId}/Dialogs`)).toBe(1);
  });

  it('returns a download as an embedded blob resource with its bytes and type', async () => {
    const { archiveCabinetId, largeDocumentId } = docuwareSandbox.ids;
    const result = await scanned(call(linked.client, 'docuware.download-document', { file_cabinet_id: archiveCabinetId, document_id: largeDocumentId }));
    expect(result.isError).toBeFalsy();
    const [content] = result.content;
    if (content?.type !== 'resource' || !('blob' in content.resource)) throw new Error(`expected a blob resource, got ${JSON.stringify(content).slice(0, 200)}`);
    expect(content.resource.uri).toBe('connector://docuware/download-document');
    expect(content.resource.mimeType).toBeTruthy();
    const bytes = Buffer.from(content.resource.blob, 'base64');
    expect(bytes.length).toBe(LARGE_BYTES);
    expect([...bytes].every((byte, index) => byte === patternByte(index))).toBe(true);
    expect(result.structuredContent).toBeUndefined();
  });

  it('uploads file content given as base64', async () => {
    const { invoicesCabinetId } = docuwareSandbox.ids;
    const file = Buffer.from('%PDF-1.7 uploaded through MCP \u0000\u00ff');
    const before = docuwareSandbox.documents.list(invoicesCabinetId).length;
    const result = await scanned(call(linked.client, 'docuware.upload-document', {
      file_cabinet_id: invoicesCabinetId,
      file: file.toString('base64'),
      filename: 'mcp.pdf',
      content_type: 'application/pdf',
    }));
    expect(result.isError).toBeFalsy();
    const stored = docuwareSandbox.documents.list(invoicesCabinetId);
    expect(stored.length).toBe(before + 1);
    const added = stored.at(-1)!;
    expect((result.structuredContent as { Id?: number }).Id).toBe(added.id);
    expect(added.file).toMatchObject({ name: 'mcp.pdf', contentType: 'application/pdf' });
    expect(Buffer.compare(added.file!.content as Buffer, file)).toBe(0);
  });

  it('refuses file content that is not base64, before any request', async () => {
    const requests = docuwareSandbox.requests.length;
    const result = await scanned(call(linked.client, 'docuware.upload-document', { file_cabinet_id: docuwareSandbox.ids.invoicesCabinetId, file: 'not base64!', filename: 'x.pdf' }));
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe('CONNECTOR_INPUT_INVALID');
    expect(textOf(result)).toBe('CONNECTOR_INPUT_INVALID: input "file" of action "upload-document" must be file content as a base64 string');
    expect(docuwareSandbox.requests.length).toBe(requests);
  });

  it('reports invalid input as a tool error with its code, before any request', async () => {
    const requests = docuwareSandbox.requests.length;
    const result = await scanned(call(linked.client, 'docuware.list-dialogs', {}));
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe('CONNECTOR_INPUT_INVALID');
    expect(textOf(result)).toMatch(/^CONNECTOR_INPUT_INVALID: .*file_cabinet_id/);
    expect(textOf(result)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(docuwareSandbox.requests.length).toBe(requests);
  });

  it('answers an unknown tool with a protocol error', async () => {
    await expect(linked.client.callTool({ name: 'snov-io.no-such-action' })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('unknown tool "snov-io.no-such-action"'),
    });
  });
});

describe('the binary cap', () => {
  it('refuses a download over maxBinaryBytes with a tool error naming the cap, and releases the stream', async () => {
    const small = await linkedClient({ connectors: [docuware], connectionFor: () => connections.docuware!, maxBinaryBytes: LARGE_BYTES - 1 });
    try {
      const { archiveCabinetId, largeDocumentId } = docuwareSandbox.ids;
      const path = `/DocuWare/Platform/FileCabinets/${archiveCabinetId}/Documents/${largeDocumentId}/FileDownload`;
      const downloads = docuwareSandbox.count(path);
      const result = await scanned(call(small.client, 'docuware.download-document', { file_cabinet_id: archiveCabinetId, document_id: largeDocumentId }));
      expect(result.isError).toBe(true);
      expect(errorCodeOf(result)).toBe('CONNECTOR_RESPONSE_TOO_LARGE');
      expect(textOf(result)).toContain(`more than ${LARGE_BYTES - 1} bytes, the MCP server's cap for binary results (maxBinaryBytes)`);
      expect(docuwareSandbox.count(path)).toBe(downloads + 1);
      // The connection is still usable: the refused stream gave its socket back.
      expect((await scanned(call(small.client, 'docuware.list-file-cabinets'))).isError).toBeFalsy();
    } finally {
      await small.close();
    }
  });
});
