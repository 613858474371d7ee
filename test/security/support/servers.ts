/**
 * Loopback servers for the security and fault tests: a routed HTTP server that counts requests
 * per path and remembers what each received, and a raw TCP server for answers HTTP servers
 * refuse to give (slow headers, half responses). 127.0.0.1, port 0; every socket is destroyed
 * on close.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { startLoopback, type Loopback, type ReceivedRequest } from '../../http/loopback.js';

export type Route = (req: IncomingMessage, res: ServerResponse, body: string, url: URL) => void;

export interface RoutedServer extends Loopback {
  /** Handlers by path; replace them per test. Unknown paths answer 404. */
  routes: Map<string, Route>;
  /** Requests received on a path. */
  hits(path: string): number;
  /** The requests received on a path, in order. */
  on(path: string): ReceivedRequest[];
  reset(): void;
}

export async function startRouted(routes: Record<string, Route> = {}): Promise<RoutedServer> {
  const table = new Map(Object.entries(routes));
  const loopback = await startLoopback((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = table.get(url.pathname);
    if (route) return route(req, res, body, url);
    sendJson(res, 404, { error: 'not_found' });
  });
  const pathOf = (request: ReceivedRequest) => new URL(request.url, 'http://127.0.0.1').pathname;
  return {
    ...loopback,
    routes: table,
    hits: (path) => loopback.received.filter((request) => pathOf(request) === path).length,
    on: (path) => loopback.received.filter((request) => pathOf(request) === path),
    reset: () => {
      loopback.received.length = 0;
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export interface RawServer {
  origin: string;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP server that hands each connection to `onSocket` (after the first bytes of the request arrived). */
export async function startRawServer(onSocket: (socket: Socket) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => onSocket(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
export function trickle(socket: Socket, text: string, everyMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[index++ % text.length] ?? ' ');
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** Resolves once `predicate` holds, polling every 5 ms; rejects after `ms` (a hang guard). */
export async function until(predicate: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
