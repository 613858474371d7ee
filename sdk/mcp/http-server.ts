/**
 * MCP over Streamable HTTP on a loopback address, for `connector mcp --http`. The MCP SDK does
 * the protocol and the guards: its Express app (Host-header check against DNS rebinding, JSON
 * bodies up to Express's 100 KB default) and its bearer middleware (401 with a WWW-Authenticate
 * challenge for a missing or refused token). Here: one MCP server per session (a server serves
 * one transport), and a session belongs to the identity that opened it: a request naming
 * another identity's session is answered as for an unknown session, so no caller reaches
 * another's connection, nor learns that the session exists.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestRefusedError } from '../errors.js';
import { loadHttpSdk, type HttpSdk, type McpHttpRequest } from './mcp-sdk.js';
import type { ConnectorMcpServer, McpAuthInfo, McpTransport } from './server.js';

/** Options of serveMcpOverHttp. */
export interface McpHttpOptions {
  /** 127.0.0.1, ::1 or localhost: nothing else is served. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The identity a bearer token stands for, or undefined to refuse it with 401. */
  verifyToken(token: string): McpAuthInfo | undefined;
  /** A server for a new session. */
  createServer(): Promise<ConnectorMcpServer>;
}

/** A running MCP HTTP endpoint. */
export interface McpHttpServer {
  /** `http://<host>:<port>/mcp`. */
  url: string;
  close(): Promise<void>;
}

type Transport = InstanceType<HttpSdk['StreamableHTTPServerTransport']>;

interface Session {
  transport: Transport;
  server: ConnectorMcpServer;
  clientId: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** A static token never expires; the SDK's middleware wants a time, so it is always an hour ahead. */
const TOKEN_HORIZON_SECONDS = 3600;

/**
 * Serves MCP at `/mcp` on a loopback address.
 *
 * @example
 * const endpoint = await serveMcpOverHttp({ host: '127.0.0.1', port: 0, verifyToken, createServer: () => createMcpServer(options) });
 * // … endpoint.url …
 * await endpoint.close();
 */
export async function serveMcpOverHttp(options: McpHttpOptions): Promise<McpHttpServer> {
  if (!LOOPBACK.has(options.host)) {
    throw new RequestRefusedError(`the MCP HTTP server listens on a loopback address only (127.0.0.1, ::1 or localhost), not "${options.host}"`);
  }
  const sdk = await loadHttpSdk();
  const sessions = new Map<string, Session>();
  const app = sdk.createMcpExpressApp({ host: options.host });
  const verifier = {
    verifyAccessToken: async (token: string) => {
      const info = options.verifyToken(token);
      if (!info) throw new sdk.InvalidTokenError('the bearer token is not valid');
      return { expiresAt: Math.floor(Date.now() / 1000) + TOKEN_HORIZON_SECONDS, ...info };
    },
  };
  app.all('/mcp', sdk.requireBearerAuth({ verifier }) as never, (req, res) => {
    handle(sdk, sessions, options, req, res).catch(() => replyError(res, 500, 'Internal error'));
  });
  // Express would answer a body it cannot parse with an HTML page holding the stack, and log the body (which may hold
  // a tool's arguments): answer as JSON-RPC does, log nothing. Four parameters: that is how Express knows an error handler.
  app.use((error: unknown, _req: unknown, res: ServerResponse, _next: unknown) => {
    const status = (error as { status?: unknown } | null)?.status === 413 ? 413 : 400;
    replyError(res, status, status === 413 ? 'Request body too large' : 'Parse error', -32700);
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/mcp`,
    close: async () => {
      await Promise.allSettled([...sessions.values()].map((session) => session.server.close()));
      sessions.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** One authenticated request: to its session (only the identity's own), or an initialize that opens one. */
async function handle(sdk: HttpSdk, sessions: Map<string, Session>, options: McpHttpOptions, req: McpHttpRequest, res: ServerResponse): Promise<void> {
  const clientId = req.auth?.clientId;
  const sessionId = req.headers['mcp-session-id'];
  if (typeof sessionId === 'string') {
    const session = sessions.get(sessionId);
    if (!session || session.clientId !== clientId) return replyError(res, 404, 'Session not found');
    return session.transport.handleRequest(req as never, res, req.body);
  }
  if (req.method !== 'POST' || !sdk.isInitializeRequest(req.body) || clientId === undefined) {
    return replyError(res, 400, 'Bad Request: no session; start one with an initialize request');
  }
  const server = await options.createServer();
  const transport: Transport = new sdk.StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      sessions.set(id, { transport, server, clientId });
    },
  });
  // Set before connect: the server chains its own close handler after this one.
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await server.connect(transport as McpTransport);
  await transport.handleRequest(req as never, res, req.body);
}

/** A JSON-RPC error answer, as the SDK's transport gives one. */
function replyError(res: ServerResponse, status: number, message: string, code = -32000): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
