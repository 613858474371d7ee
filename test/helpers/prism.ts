/**
 * Stoplight Prism (`@stoplight/prism-cli`, a dev dependency) as the API of an OpenAPI document:
 * `prism mock <doc> --errors` in a child process on 127.0.0.1, which validates every request
 * against the document and, with --errors, answers a request that does not match it with an
 * error (a 422 / 401 problem, or the document's own error response, with an `sl-violations`
 * header). In front of it a recording proxy keeps every exchange — the request as sent and what
 * Prism said of it — so a test counts requests and violations exactly. Prism 5.14 runs on Node 20
 * (5.15+ needs a newer one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const PRISM = fileURLToPath(new URL('../../node_modules/.bin/prism', import.meta.url));
const PROBLEM = 'https://stoplight.io/prism/errors#';

/** One request as it reached Prism, and Prism's verdict. */
export interface PrismExchange {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
  /** The `sl-violations` Prism reported (request and response), parsed. */
  violations: { location: string[]; severity: string; code?: string; message: string }[];
  /** The Prism error type (`https://stoplight.io/prism/errors#…`) when Prism answered with its own error. */
  problem?: string;
}

export interface PrismMock {
  /** The proxy's origin: point the manifest's base URL here. */
  url: string;
  exchanges: PrismExchange[];
  /** Exchanges Prism found fault with in the request (see isRequestFailure). */
  requestFailures(): PrismExchange[];
  /** Requests Prism logged as received (its own count, beside the proxy's). */
  received(): number;
  close(): Promise<void>;
}

/**
 * Starts Prism on `document` and a recording proxy before it; resolves once Prism says it is listening.
 *
 * @example
 * const prism = await startPrism('test/import/openapi/petstore3.yaml');
 * try { … } finally { await prism.close(); }
 */
export async function startPrism(document: string, { startTimeoutMs = 180_000 } = {}): Promise<PrismMock> {
  const port = await freePort();
  const child = spawn(PRISM, ['mock', document, '--host', '127.0.0.1', '--port', String(port), '--errors'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (log.text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (log.text += chunk.toString('utf8')));
  try {
    await listening(child, log, startTimeoutMs);
  } catch (error) {
    await stop(child);
    throw error;
  }
  const exchanges: PrismExchange[] = [];
  const proxy = await startProxy(port, exchanges);
  return {
    url: proxy.url,
    exchanges,
    requestFailures: () => exchanges.filter(isRequestFailure),
    received: () => log.text.split('\n').filter((line) => line.includes('Request received')).length,
    close: async () => {
      await proxy.close();
      await stop(child);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listening(child: ChildProcess, log: { text: string }, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`prism did not start within ${timeoutMs} ms:\n${log.text.slice(-2000)}`)), timeoutMs);
    const onData = () => {
      if (log.text.includes('Prism is listening')) done();
    };
    const onExit = (code: number | null) => done(new Error(`prism exited (${code}) before listening:\n${log.text.slice(-2000)}`));
    function done(error?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A proxy on 127.0.0.1 that forwards to Prism and records each exchange once Prism has answered. */
async function startProxy(target: number, exchanges: PrismExchange[]): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = httpRequest(
        { host: '127.0.0.1', port: target, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, connection: 'close' }, agent: false },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const answered = Buffer.concat(parts);
            exchanges.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body, status: answer.statusCode ?? 0, ...verdict(answer.headers, answered) });
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(answered);
          });
        },
      );
      forward.on('error', (error) => {
        exchanges.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body, status: 502, violations: [], problem: `proxy: ${error.message}` });
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
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Prism found fault with the request: a violation located in it, or an error of its own (no
 * route, security not met) — not `#VIOLATIONS` alone, which with --errors is also how Prism
 * reports that its own example answer breaks the document's response schema.
 */
function isRequestFailure(exchange: PrismExchange): boolean {
  if (exchange.violations.some((v) => v.location[0] === 'request')) return true;
  return exchange.problem !== undefined && exchange.problem !== `${PROBLEM}VIOLATIONS`;
}

/** What Prism said of a request: its sl-violations header, and its own error type if it answered with one. */
function verdict(headers: IncomingHttpHeaders, body: Buffer): Pick<PrismExchange, 'violations' | 'problem'> {
  const header = headers['sl-violations'];
  const violations = typeof header === 'string' ? (JSON.parse(header) as PrismExchange['violations']) : [];
  let problem: string | undefined;
  if (/problem\+json/i.test(String(headers['content-type'] ?? ''))) {
    const type = (JSON.parse(body.toString('utf8')) as { type?: unknown }).type;
    if (typeof type === 'string' && type.startsWith(PROBLEM)) problem = type;
  }
  return { violations, ...(problem !== undefined && { problem }) };
}
