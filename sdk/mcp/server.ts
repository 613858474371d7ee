/**
 * An MCP server exposing connectors' actions as tools (`createMcpServer`). The MCP layer only
 * translates: a call runs `connection.execute`, so the token lifecycle stays the runtime's (one
 * token cached per connection, one renewal for every concurrent caller), and which user a call
 * runs as is the host's decision (`connectionFor`, given the request's session and validated
 * token). Built on the package's low-level `Server`: the tools' schemas are the manifests' JSON
 * Schemas as they are, which McpServer (Zod shapes) would not take.
 */
import { ConfigurationError } from '../errors.js';
import type { Connection } from '../runtime/connection.js';
import type { Connector } from '../runtime/connector.js';
import { authorizationSettled } from './authorization-prompt.js';
import { loadServerSdk } from './mcp-sdk.js';
import { toolError } from './tool-error.js';
import { DEFAULT_MAX_BINARY_BYTES, toolResult } from './tool-result.js';
import { toolBindings, type ToolBinding } from './tools.js';

/**
 * A loaded connector, typed or not: the parts the MCP server reads.
 *
 * @example
 * const connectors: McpConnector[] = [await loadConnector('connectors/snov-io.json')];
 */
export type McpConnector = Pick<Connector, 'id' | 'actions' | 'manifest'>;

/**
 * A bearer token the host validated (the MCP SDK's AuthInfo, as far as the server passes it on).
 *
 * @example
 * const tenant = (info: McpAuthInfo) => info.clientId;
 */
export interface McpAuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  extra?: Record<string, unknown>;
}

/**
 * Who a tool call comes from, for `connectionFor`.
 *
 * @example
 * const connectionFor = ({ connector, authInfo }: McpRequestContext) => tenants.get(`${authInfo?.clientId}/${connector.id}`)!;
 */
export interface McpRequestContext {
  /** The connector whose tool is called. */
  connector: McpConnector;
  /** The transport's session (Streamable HTTP); undefined over stdio and in-process transports. */
  sessionId?: string;
  /** The caller's validated bearer token, when the host's HTTP layer put one on the request. */
  authInfo?: McpAuthInfo;
}

/**
 * Options of createMcpServer.
 *
 * @example
 * const options: McpServerOptions = { connectors: [snov], connectionFor: () => connection, maxBinaryBytes: 4 << 20 };
 */
export interface McpServerOptions {
  /** The connectors whose actions become tools, `<connector id>.<action id>`. */
  connectors: readonly McpConnector[];
  /**
   * The connection a call runs on, from `connector.connect(…)`. Called for every call: return the
   * same Connection for the same user, so its token is cached and renewed once for all calls.
   */
  connectionFor(context: McpRequestContext): Connection | Promise<Connection>;
  /** Largest binary result (a download) returned as an embedded resource; beyond it the call is a tool error. Default 1 MiB. */
  maxBinaryBytes?: number;
  /** The name and version the server reports. Default connector-sdk, with the connectors' ids and versions. */
  serverInfo?: { name: string; version: string };
}

/**
 * A transport of @modelcontextprotocol/sdk (stdio, Streamable HTTP, in-memory), as far as this API names it.
 *
 * @example
 * const transport: McpTransport = new StdioServerTransport();
 */
export interface McpTransport {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The server: @modelcontextprotocol/sdk's `Server`, typed here without naming the optional package
 * (cast it to `Server` for the rest of its API).
 *
 * @example
 * const server: ConnectorMcpServer = await createMcpServer(options);
 * await server.connect(transport);
 * await server.close();
 */
export interface ConnectorMcpServer {
  /** Serves over `transport` (one transport per server: make a server per session). */
  connect(transport: McpTransport): Promise<void>;
  close(): Promise<void>;
}

/**
 * Makes an MCP server with one tool per action of each connector. Needs @modelcontextprotocol/sdk
 * (an optional peer, loaded only here): without it, a ConfigurationError says what to install.
 *
 * @example
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
 * const snov = await loadConnector('connectors/snov-io.json');
 * const connection = snov.connect({ connectionId: 'tenant-42', credentials });
 * const server = await createMcpServer({ connectors: [snov], connectionFor: () => connection });
 * await server.connect(new StdioServerTransport());
 */
export async function createMcpServer(options: McpServerOptions): Promise<ConnectorMcpServer> {
  const bindings = toolBindings(options.connectors);
  const maxBinaryBytes = options.maxBinaryBytes ?? DEFAULT_MAX_BINARY_BYTES;
  if (!Number.isSafeInteger(maxBinaryBytes) || maxBinaryBytes < 0) {
    throw new ConfigurationError('', `createMcpServer: maxBinaryBytes must be a whole number of bytes, not ${String(options.maxBinaryBytes)}`);
  }
  const sdk = await loadServerSdk();
  const server = new sdk.Server(options.serverInfo ?? defaultServerInfo(options.connectors), { capabilities: { tools: {} } });
  const tools = [...bindings.values()].map((binding) => binding.tool);
  server.setRequestHandler(sdk.ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(sdk.CallToolRequestSchema, async (request, extra) => {
    const binding = bindings.get(request.params.name);
    // An unknown tool is a protocol error (MCP spec, tools: error handling), not a tool result.
    if (!binding) throw new sdk.McpError(sdk.ErrorCode.InvalidParams, `unknown tool "${request.params.name}"`);
    const context: McpRequestContext = { connector: binding.connector, sessionId: extra.sessionId, authInfo: extra.authInfo };
    return callTool(binding, request.params.arguments, context, extra.signal, { ...options, maxBinaryBytes });
  });
  return server as unknown as ConnectorMcpServer;
}

/** One tool call: the host's connection, the action, the result or the error as a tool result. */
async function callTool(
  binding: ToolBinding,
  args: Record<string, unknown> | undefined,
  context: McpRequestContext,
  signal: AbortSignal,
  options: McpServerOptions & { maxBinaryBytes: number },
): ReturnType<typeof toolResult> {
  let connection: Connection | undefined;
  try {
    connection = await options.connectionFor(context);
    const result = await connection.execute(binding.actionId, binding.input(args), { signal });
    authorizationSettled(connection);
    return await toolResult(binding, result, options.maxBinaryBytes);
  } catch (error) {
    return toolError(error, binding.connector, connection);
  }
}

function defaultServerInfo(connectors: readonly McpConnector[]): { name: string; version: string } {
  return { name: 'connector-sdk', version: connectors.map((connector) => `${connector.id}@${connector.manifest.version}`).join(' ') || '0' };
}
