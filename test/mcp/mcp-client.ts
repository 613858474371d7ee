/**
 * The MCP SDK's own Client against a server made by createMcpServer, linked in process by the
 * SDK's InMemoryTransport (a real JSON-RPC exchange, no network), and the readers of its results.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer, type McpServerOptions } from '../../sdk/index.js';

export interface LinkedClient {
  client: Client;
  close(): Promise<void>;
}

/** A server for `options` and a connected client; close() ends both. */
export async function linkedClient(options: McpServerOptions): Promise<LinkedClient> {
  const server = await createMcpServer(options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'connector-sdk-tests', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** Calls a tool; the result as the client received it. */
export async function call(client: Client, name: string, args?: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, ...(args ? { arguments: args } : {}) })) as CallToolResult;
}

/** The text of a result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`the result's first content is ${String(first?.type)}, not text`);
  return first.text;
}

/** The error code a failed result carries in its `_meta`. */
export function errorCodeOf(result: CallToolResult): string | undefined {
  return (result._meta?.['connector-sdk/error'] as { code?: string } | undefined)?.code;
}
