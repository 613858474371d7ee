/**
 * A reverse proxy on 127.0.0.1 that counts every request per path before forwarding it to a
 * target origin (a third-party server we cannot instrument, such as oauth2-mock-server), and
 * keeps the form parameters of each request. Upstream connections are not pooled, so stopping
 * the target never waits on our sockets.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as form parameters (empty for other bodies). */
  params: URLSearchParams;
  /** Status the target answered with. */
  status?: number;
}

export interface CountingProxy {
  url: string;
  counts: Record<string, number>;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const state: CountingProxy = {
    url: '',
    counts: {},
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((incoming, outgoing) => {
    const path = new URL(incoming.url ?? '/', 'http://127.0.0.1').pathname;
    state.counts[path] = (state.counts[path] ?? 0) + 1;
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const form = /^application\/x-www-form-urlencoded\b/i.test(incoming.headers['content-type'] ?? '');
      const recorded: ProxiedRequest = {
        method: incoming.method ?? '',
        path,
        headers: incoming.headers,
        body: text,
        params: form ? new URLSearchParams(text) : new URLSearchParams(),
      };
      state.requests.push(recorded);
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: upstream.host, connection: 'close' },
          agent: false,
        },
        (answer) => {
          recorded.status = answer.statusCode;
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.on('error', () => {
        outgoing.writeHead(502);
        outgoing.end();
      });
      forward.end(body);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
