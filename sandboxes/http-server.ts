/**
 * The plumbing every sandbox shares: an HTTP server bound to loopback only, a log of the requests
 * it received (tests count calls exactly), and a close that does not wait for idle keep-alive
 * connections, which fetch and undici leave open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a sandbox received it. */
export interface SandboxRequestLog {
  method: string;
  /** The request target as sent: path and query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Arrival time in milliseconds on the sandbox's clock (its `now` option). */
  at: number;
}

/** Handles one request; `url` is absolute, its origin the sandbox's own. */
export type SandboxHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** A running sandbox server. */
export interface SandboxServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** `127.0.0.1:<port>`. */
  host: string;
  /** Every request received, oldest first. */
  requests: SandboxRequestLog[];
  /** How many logged requests have a path (query included) starting with `pathPrefix`. */
  count(pathPrefix: string): number;
  close(): Promise<void>;
}

/**
 * Starts `handler` on 127.0.0.1 (never another interface: sandboxes hold fake credentials).
 *
 * @example
 * const server = await startSandboxServer(async (req, res) => { res.end('ok'); }, Date.now);
 * await fetch(server.url); // server.count('/') === 1
 * await server.close();
 */
export async function startSandboxServer(
  handler: SandboxHandler,
  now: () => number,
  port = 0,
): Promise<SandboxServer> {
  const requests: SandboxRequestLog[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, at: now() });
    handler(req, res, new URL(req.url ?? '/', origin)).catch((error: unknown) => failed(res, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin = `http://${host}`;
  return {
    url: origin,
    host,
    requests,
    count: (pathPrefix) => requests.filter((r) => r.path.startsWith(pathPrefix)).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A handler that throws is a sandbox bug or an oversized body: answer so the client sees it
 * instead of hanging. Errors may carry the status to answer with (`status`, e.g. 413).
 */
function failed(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  const status =
    typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number'
      ? (error as { status: number }).status
      : 500;
  const text = `sandbox: ${error instanceof Error ? error.message : String(error)}`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
