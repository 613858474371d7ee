/**
 * MCP over the process's stdin and stdout, for `connector mcp` (the default transport: what a
 * desktop agent spawns). stdout then carries the protocol alone; everything else goes to stderr.
 */
import type { Readable, Writable } from 'node:stream';
import { loadStdioTransport } from './mcp-sdk.js';
import type { ConnectorMcpServer, McpTransport } from './server.js';

/**
 * Serves `server` over stdio; resolves when the client closes stdin (or the transport fails).
 *
 * @example
 * await serveMcpOverStdio(await createMcpServer(options));
 */
export async function serveMcpOverStdio(server: ConnectorMcpServer, input: Readable = process.stdin, output: Writable = process.stdout): Promise<void> {
  const StdioServerTransport = await loadStdioTransport();
  const transport = new StdioServerTransport(input, output);
  const closed = new Promise<void>((resolve) => {
    // Set before connect: the server chains its own close handler after this one.
    transport.onclose = resolve;
  });
  // The transport does not end with its input: the client closing stdin ends the session.
  input.once('end', () => void server.close());
  await server.connect(transport as McpTransport);
  return closed;
}
