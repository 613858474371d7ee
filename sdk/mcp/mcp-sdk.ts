/**
 * The one door to @modelcontextprotocol/sdk, an optional peer. Its modules are loaded with
 * import() when an MCP server is made, never when the SDK is loaded: a host without the package
 * loads the SDK all the same (a static import of a missing package fails the whole graph), and a
 * host with it shares its copy (ESM, not a second CommonJS one). As http/tracing.ts does for
 * @opentelemetry/api, the package's types are named only inside sdk/mcp/, never in a public
 * declaration, so a host compiling without the package sees no missing module.
 */
import type * as ServerModule from '@modelcontextprotocol/sdk/server/index.js';
import type * as TypesModule from '@modelcontextprotocol/sdk/types.js';
import type * as StdioModule from '@modelcontextprotocol/sdk/server/stdio.js';
import type * as HttpModule from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as BearerModule from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type * as AuthErrorsModule from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigurationError, ConnectorError, ERROR_CODES, safeErrorCode } from '../errors.js';

/** What createMcpServer uses. */
export interface ServerSdk {
  Server: typeof ServerModule.Server;
  ListToolsRequestSchema: typeof TypesModule.ListToolsRequestSchema;
  CallToolRequestSchema: typeof TypesModule.CallToolRequestSchema;
  McpError: typeof TypesModule.McpError;
  ErrorCode: typeof TypesModule.ErrorCode;
}

/** A Node request handler with Express's routing: what createMcpExpressApp returns, as far as it is used here. */
export interface McpExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  use(handler: unknown): unknown;
  all(path: string, ...handlers: ((req: McpHttpRequest, res: ServerResponse, next: () => void) => unknown)[]): unknown;
}

/** A request as the app hands it on: its parsed JSON body, and the identity the bearer middleware found. */
export interface McpHttpRequest extends IncomingMessage {
  body?: unknown;
  auth?: { clientId: string };
}

/** What the Streamable HTTP server uses. */
export interface HttpSdk {
  StreamableHTTPServerTransport: typeof HttpModule.StreamableHTTPServerTransport;
  createMcpExpressApp(options: { host: string }): McpExpressApp;
  requireBearerAuth: typeof BearerModule.requireBearerAuth;
  InvalidTokenError: typeof AuthErrorsModule.InvalidTokenError;
  isInitializeRequest: typeof TypesModule.isInitializeRequest;
}

const MISSING = 'the MCP server needs @modelcontextprotocol/sdk ^1.32, an optional peer dependency: npm install @modelcontextprotocol/sdk';

/** Loads a module of the package; a missing (or too old) package is a ConfigurationError saying what to install. */
async function peer<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = safeErrorCode(error);
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw new ConfigurationError('', MISSING);
    // Never the foreign message: it may name paths of the host.
    throw new ConnectorError(ERROR_CODES.internal, `@modelcontextprotocol/sdk could not be loaded (${code ?? 'unknown error'})`);
  }
}

let serverSdk: Promise<ServerSdk> | undefined;

/**
 * The server half of the package, loaded once.
 *
 * @example
 * const { Server } = await loadServerSdk();
 */
export function loadServerSdk(): Promise<ServerSdk> {
  serverSdk ??= (async () => {
    const [{ Server }, types] = await Promise.all([
      peer(() => import('@modelcontextprotocol/sdk/server/index.js')),
      peer(() => import('@modelcontextprotocol/sdk/types.js')),
    ]);
    const { ListToolsRequestSchema, CallToolRequestSchema, McpError, ErrorCode } = types;
    return { Server, ListToolsRequestSchema, CallToolRequestSchema, McpError, ErrorCode };
  })();
  return serverSdk;
}

/**
 * The stdio transport.
 *
 * @example
 * const transport = new (await loadStdioTransport())(process.stdin, process.stdout);
 */
export async function loadStdioTransport(): Promise<typeof StdioModule.StdioServerTransport> {
  return (await peer(() => import('@modelcontextprotocol/sdk/server/stdio.js'))).StdioServerTransport;
}

/**
 * The Streamable HTTP transport, its Express app with DNS-rebinding protection, and its bearer-token middleware.
 *
 * @example
 * const { createMcpExpressApp } = await loadHttpSdk();
 */
export async function loadHttpSdk(): Promise<HttpSdk> {
  const [http, express, bearer, errors, types] = await Promise.all([
    peer(() => import('@modelcontextprotocol/sdk/server/streamableHttp.js')),
    peer(() => import('@modelcontextprotocol/sdk/server/express.js')),
    peer(() => import('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js')),
    peer(() => import('@modelcontextprotocol/sdk/server/auth/errors.js')),
    peer(() => import('@modelcontextprotocol/sdk/types.js')),
  ]);
  return {
    StreamableHTTPServerTransport: http.StreamableHTTPServerTransport,
    createMcpExpressApp: express.createMcpExpressApp as unknown as HttpSdk['createMcpExpressApp'],
    requireBearerAuth: bearer.requireBearerAuth,
    InvalidTokenError: errors.InvalidTokenError,
    isInitializeRequest: types.isInitializeRequest,
  };
}
