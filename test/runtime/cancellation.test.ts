/**
 * Cancellation and per-call options of execute(), paginate() and items(), against a real
 * loopback server: an aborted call stops waiting at once wherever it waits — before it starts,
 * while the server has not answered, in a retry's backoff, queued behind the rate limit, for a
 * token renewal others wait for too, reading the body — and rejects with the standard
 * AbortError whose cause is the signal's reason. What it leaves behind keeps working: the
 * renewal finishes for the others, the next call goes out. Every wait here ends by an event the
 * test sees (a request arriving, a retry announced), never by a timer it races.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, type Connector } from '../../sdk/index.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let origin = '';
const sockets = new Set<Socket>();
let handler: Handler = (_request, response) => response.end('{}');
let requests: { path: string; headers: IncomingMessage['headers'] }[] = [];
/** Resolves the next time a request arrives. */
let arrived: () => void = () => undefined;
let connector: Connector | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push({ path: request.url ?? '', headers: request.headers });
    request.resume();
    request.on('end', () => {
      handler(request, response);
      arrived();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  requests = [];
  for (const socket of sockets) socket.destroy();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const nextRequest = () => new Promise<void>((resolve) => (arrived = resolve));

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function connect(extra: Partial<ConnectorManifest> = {}) {
  connector = await loadConnector({
    id: 'cancel-test',
    name: 'Cancel',
    version: '1.0.0',
    base_url: `${origin}/api`,
    auth: { type: 'none' },
    retry: { max_attempts: 3, base_delay_ms: 20, max_elapsed_seconds: 120 },
    actions: {
      get: { method: 'GET', path: '/x' },
      list: { method: 'GET', path: '/items', pagination: { type: 'page', page_param: 'page', results_path: '$.items' } },
    },
    ...extra,
  });
  const log = eventLog();
  return { connection: connector.connect({ connectionId: 'c', credentials: {}, onEvent: log.listener, allowPrivateNetwork: true }), log };
}

/** The AbortError of a call aborted with `reason`. */
function expectAbort(error: Error & { cause?: unknown }, reason: unknown): void {
  expect(error.name).toBe('AbortError');
  expect(error).toBeInstanceOf(DOMException);
  expect(error.cause).toBe(reason);
}

describe('an aborted call', () => {
  it('already aborted: rejects at once, nothing sent', async () => {
    const { connection } = await connect();
    const reason = new Error('the user left');
    const error = await rejection(connection.execute('get', {}, { signal: AbortSignal.abort(reason) }));
    expectAbort(error, reason);
    expect(requests).toHaveLength(0);
  });

  it('while the server has not answered: rejects at once; the next call goes out', async () => {
    let hold = true;
    handler = (_request, response) => (hold ? undefined : json(response, 200, { ok: true }));
    const { connection } = await connect();
    const controller = new AbortController();
    const sent = nextRequest();
    const call = rejection(connection.execute('get', {}, { signal: controller.signal }));
    await sent;
    controller.abort('stop');
    expectAbort(await call, 'stop');
    hold = false;
    expect((await connection.execute('get')).data).toEqual({ ok: true });
    expect(requests).toHaveLength(2);
  });

  it('in a retry\'s backoff (503, Retry-After: 60): rejects as soon as it is aborted, no second attempt', async () => {
    handler = (_request, response) => json(response, 503, { error: 'busy' }, { 'retry-after': '60' });
    const { connection, log } = await connect();
    const controller = new AbortController();
    const call = rejection(connection.execute('get', {}, { signal: controller.signal }));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (log.events.some((event) => event.type === 'request.retry')) resolve(clearInterval(timer));
      }, 5);
    });
    controller.abort('enough');
    expectAbort(await call, 'enough');
    expect(requests).toHaveLength(1);
  });

  it('queued behind the rate limit: rejects at once, its turn is not spent', async () => {
    handler = (_request, response) => json(response, 200, { ok: true });
    const { connection } = await connect({ rate_limit: { requests: 1, per_seconds: 600 } });
    await connection.execute('get');
    const controller = new AbortController();
    const call = rejection(connection.execute('get', {}, { signal: controller.signal }));
    // The budget of one request per 10 minutes is spent: the call can only be waiting for it.
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort('queued too long');
    expectAbort(await call, 'queued too long');
    expect(requests).toHaveLength(1);
  });

  it('waiting for a token renewal: only that caller stops; the renewal finishes and serves the others (1 token request)', async () => {
    let release: () => void = () => undefined;
    handler = (request, response) => {
      if (request.url === '/token') {
        release = () => json(response, 200, { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 });
        return;
      }
      json(response, 200, { ok: request.headers.authorization === 'Bearer tok-1' });
    };
    const { connection } = await connect({
      auth: { type: 'oauth2_client_credentials', token_url: `${origin}/token`, client_id: 'id', client_secret: 'secret', allow_insecure_http: true },
    });
    const tokenAsked = nextRequest();
    const patient = connection.execute('get');
    const controller = new AbortController();
    const impatient = rejection(connection.execute('get', {}, { signal: controller.signal }));
    await tokenAsked;
    controller.abort('no time');
    expectAbort(await impatient, 'no time');
    release();
    expect((await patient).data).toEqual({ ok: true });
    expect((await connection.execute('get')).data).toEqual({ ok: true });
    expect(requests.map((request) => request.path)).toEqual(['/token', '/api/x', '/api/x']);
  });

  it('while reading the body: rejects at once', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"items": [');
    };
    const { connection } = await connect();
    const controller = new AbortController();
    const sent = nextRequest();
    const call = rejection(connection.execute('get', {}, { signal: controller.signal }));
    await sent;
    controller.abort('slow body');
    expectAbort(await call, 'slow body');
    expect(requests).toHaveLength(1);
  });

  it('timeoutMs: an AbortError whose cause is the TimeoutError of AbortSignal.timeout', async () => {
    handler = () => undefined;
    const { connection } = await connect();
    const error = await rejection(connection.execute('get', {}, { timeoutMs: 50 }));
    expect(error.name).toBe('AbortError');
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(requests).toHaveLength(1);
  });

  it('paginate() and items() stop at the page being read when aborted', async () => {
    let held = false;
    handler = (request, response) => {
      const page = Number(new URL(request.url ?? '', origin).searchParams.get('page'));
      if (page === 2) held = true;
      else json(response, 200, { items: [page] });
    };
    const { connection } = await connect();
    const controller = new AbortController();
    const items = connection.items('list', {}, { signal: controller.signal });
    expect((await items.next()).value).toBe(1);
    const second = nextRequest();
    const pending = rejection(items.next());
    await second;
    expect(held).toBe(true);
    controller.abort('done reading');
    expectAbort(await pending, 'done reading');
    expect(requests.map((request) => request.path)).toEqual(['/api/items?page=1', '/api/items?page=2']);
  });
});

describe('per-call headers', () => {
  it('are added to this request only, after the action\'s own', async () => {
    handler = (_request, response) => json(response, 200, { ok: true });
    const { connection } = await connect({ actions: { get: { method: 'GET', path: '/x', headers: { 'X-Trace': 'action' } } } });
    await connection.execute('get', {}, { headers: { 'X-Request-Id': 'r-1', 'X-Trace': 'call' } });
    await connection.execute('get');
    expect(requests.map((request) => [request.headers['x-request-id'], request.headers['x-trace']])).toEqual([
      ['r-1', 'call'],
      [undefined, 'action'],
    ]);
  });
});
