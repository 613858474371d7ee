/**
 * A reverse proxy on 127.0.0.1 in front of an authorization server that can lose one refresh
 * answer: asked to (`loseNextRefresh`), it forwards the next refresh_token grant, waits until the
 * server has answered in full (so the server has acted on it: a rotating one has spent the
 * refresh token), and then destroys the client's socket instead of passing the answer on. The
 * client sees a connection reset after its request was sent, exactly what it sees when the
 * answer is lost on the way.
 *
 * `thenUnreachable` stages the rest of a crash: from then on every connection is reset before
 * anything is forwarded, so the client that lost the answer can do nothing more (its fallback to
 * a fresh authorization fails too) and leaves the store as a process killed at that moment
 * would. `reachable()` lets the next client (the survivor) through again.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A refresh the server acted on and whose answer the client never got. */
export interface LostAnswer {
  status: number;
  /** The refresh token presented, and the one the lost answer carried (the same one, or its rotation). */
  presented: string | null;
  issued: string | undefined;
}

export interface LostAnswerProxy {
  url: string;
  /** Requests forwarded to the server, by path (`/token`, `/login`). */
  forwarded: Record<string, number>;
  /** Connections reset while unreachable, nothing forwarded. */
  refused: number;
  lost: LostAnswer[];
  loseNextRefresh(options?: { thenUnreachable?: boolean }): void;
  reachable(): void;
  close(): Promise<void>;
}

export async function startLostAnswerProxy(target: string): Promise<LostAnswerProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let losing: { thenUnreachable: boolean } | undefined;
  let unreachable = false;
  const state: LostAnswerProxy = {
    url: '',
    forwarded: {},
    refused: 0,
    lost: [],
    loseNextRefresh: (options = {}) => (losing = { thenUnreachable: options.thenUnreachable === true }),
    reachable: () => (unreachable = false),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((incoming, outgoing) => {
    if (unreachable) {
      state.refused++;
      incoming.socket.destroy();
      return;
    }
    void readAll(incoming).then(async (body) => {
      const path = new URL(incoming.url ?? '/', 'http://127.0.0.1').pathname;
      state.forwarded[path] = (state.forwarded[path] ?? 0) + 1;
      const params = new URLSearchParams(body.toString('utf8'));
      const answer = await forward(upstream, incoming, body);
      if (losing && params.get('grant_type') === 'refresh_token') {
        const issued = (JSON.parse(answer.body.toString('utf8') || '{}') as { refresh_token?: string }).refresh_token;
        state.lost.push({ status: answer.status, presented: params.get('refresh_token'), issued });
        unreachable = losing.thenUnreachable;
        losing = undefined;
        incoming.socket.destroy();
        return;
      }
      pass(outgoing, answer);
    }).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
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

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The server's whole answer to the request (unpooled: closing the server never waits on our sockets). */
function forward(upstream: URL, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host, connection: 'close' },
        agent: false,
      },
      (answer) => void readAll(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }), reject),
    );
    request.on('error', reject);
    request.end(body);
  });
}

function pass(outgoing: ServerResponse, answer: Answer): void {
  const { connection: _connection, 'transfer-encoding': _encoding, ...headers } = answer.headers;
  outgoing.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
  outgoing.end(answer.body);
}
