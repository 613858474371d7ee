/**
 * Actions as integration builders need them, against a real loopback API: input defaults and
 * errors, body formats, response formats, output paths, every pagination strategy (3 pages
 * each), retries (Retry-After, backoff, idempotency), timeouts, size limits and streamed
 * downloads with bounded memory. Exact request counts throughout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { loadConnector, type Connector } from '../../sdk/index.js';
import type { Action, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { eventLog, rejection } from '../helpers/secret-scan.js';
import { heldMemory } from '../helpers/memory.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

type Handler = (request: IncomingMessage, response: ServerResponse, seen: Seen) => void;

let server: Server;
let origin = '';
const sockets = new Set<Socket>();
let handler: Handler = (_request, response) => response.end('{}');
let seen: Seen[] = [];
let connector: Connector | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString(), at: performance.now() };
      seen.push(entry);
      handler(request, response, entry);
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
  seen = [];
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function connect(actions: Record<string, Action>, extra: Partial<ConnectorManifest> = {}) {
  const manifest: ConnectorManifest = {
    id: 'actions-test',
    name: 'Actions',
    version: '1.0.0',
    base_url: `${origin}/api`,
    auth: { type: 'none' },
    retry: { max_attempts: 3, base_delay_ms: 20, max_elapsed_seconds: 10 },
    actions,
    ...extra,
  };
  connector = await loadConnector(manifest);
  const log = eventLog();
  const connection = connector.connect({ connectionId: 'actions', credentials: {}, onEvent: log.listener, allowPrivateNetwork: true });
  return { connection, log };
}

describe('input', () => {
  it('applies defaults and renders path, query, headers and a JSON body that keeps types', async () => {
    handler = (_request, response) => json(response, 200, { ok: true });
    const { connection } = await connect({
      create: {
        method: 'POST',
        path: '/items/{{ input.kind | uri_encode }}',
        query: { dry: '{{ input.dry }}', empty: '{{ input.missing }}' },
        headers: { 'X-Kind': '{{ input.kind }}' },
        body: { count: '{{ input.count }}', tags: '{{ input.tags }}', label: 'n={{ input.count }}' },
        input: {
          type: 'object',
          required: ['kind'],
          properties: {
            kind: { type: 'string' },
            count: { type: 'integer', default: 5 },
            tags: { type: 'array', items: { type: 'string' }, default: ['a'] },
            dry: { type: 'boolean', default: false },
            missing: { type: 'string' },
          },
        },
      },
    });
    await connection.execute('create', { kind: 'a b/c' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toBe('/api/items/a%20b%2Fc?dry=false');
    expect(seen[0]?.headers['x-kind']).toBe('a b/c');
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ count: 5, tags: ['a'], label: 'n=5' });
  });

  it('refuses a bad input before any request, naming the field', async () => {
    const { connection } = await connect({
      get: { method: 'GET', path: '/x', input: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } } },
    });
    const error = await rejection(connection.execute('get', { limit: 500 }));
    expect(error).toMatchObject({ code: 'CONNECTOR_INPUT_INVALID', field: 'limit' });
    expect(error.message).toBe('input of action "get": "limit" must be <= 100');
    expect(seen).toHaveLength(0);
  });
});

describe('bodies and responses', () => {
  it('form bodies repeat array keys; raw bodies go as written', async () => {
    handler = (_request, response) => json(response, 200, {});
    const { connection } = await connect({
      form: { method: 'POST', path: '/form', body_format: 'form', body: { 'emails[]': '{{ input.emails }}', note: 'a&b' }, input: { type: 'object', properties: { emails: { type: 'array' } } } },
      raw: { method: 'PUT', path: '/raw', body_format: 'raw', body_template: 'line one\nline {{ input.n }}', headers: { 'Content-Type': 'text/plain' }, input: { type: 'object', properties: { n: { type: 'integer' } } } },
    });
    await connection.execute('form', { emails: ['x@example.com', 'y@example.com'] });
    await connection.execute('raw', { n: 2 });
    expect(seen[0]?.body).toBe('emails%5B%5D=x%40example.com&emails%5B%5D=y%40example.com&note=a%26b');
    expect(seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[1]?.body).toBe('line one\nline 2');
    expect(seen[1]?.headers['content-type']).toBe('text/plain');
  });

  it('multipart with a file part', async () => {
    handler = async (request, response, entry) => {
      const form = await new Response(entry.body, { headers: { 'content-type': String(request.headers['content-type']) } }).formData();
      const file = form.get('file') as File;
      json(response, 201, { name: file.name, type: file.type, text: await file.text(), meta: JSON.parse(String(await (form.get('meta') as File).text())) });
    };
    const { connection } = await connect({
      upload: {
        method: 'POST',
        path: '/files',
        body_format: 'multipart',
        body: { meta: { owner: '{{ input.owner }}' }, file: { content: '{{ input.file }}', filename: '{{ input.name }}', content_type: 'text/csv' } },
        input: { type: 'object', properties: { owner: { type: 'string' }, name: { type: 'string' }, file: { 'x-binary': true } } },
        expected_status: [201],
      },
    });
    const { data } = await connection.execute('upload', { owner: 'ops', name: 'a.csv', file: Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n')]) });
    expect(data).toEqual({ name: 'a.csv', type: 'text/csv', text: 'a,b\n1,2\n', meta: { owner: 'ops' } });
  });

  it('text responses, a missing output path and a non-JSON body are typed', async () => {
    handler = (request, response) => {
      if (request.url?.includes('text')) {
        response.writeHead(200, { 'content-type': 'text/plain' });
        return response.end('hello');
      }
      if (request.url?.includes('html')) {
        response.writeHead(200, { 'content-type': 'text/html' });
        return response.end('<html>maintenance</html>');
      }
      json(response, 200, { data: { other: 1 } });
    };
    const { connection } = await connect({
      text: { method: 'GET', path: '/text' },
      missing: { method: 'GET', path: '/json', output: '$.data.items' },
      html: { method: 'GET', path: '/html', output: '$.data' },
    });
    expect((await connection.execute('text')).data).toBe('hello');
    const missing = await rejection(connection.execute('missing'));
    expect(missing).toMatchObject({ code: 'CONNECTOR_RESPONSE_INVALID', message: 'action "missing": the response has nothing at $.data.items' });
    const html = await rejection(connection.execute('html'));
    expect(html.code).toBe('CONNECTOR_RESPONSE_INVALID');
    expect(html.message).toMatch(/answered 200 with a body that is not JSON \(text\/html\)$/);
  });

  it('an unexpected status is an HttpError with the body excerpt', async () => {
    handler = (_request, response) => json(response, 404, { errors: { code: 404, title: 'not found' } });
    const { connection } = await connect({ get: { method: 'GET', path: '/nothing' } });
    const error = await rejection(connection.execute('get'));
    expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 404, body: { errors: { code: 404, title: 'not found' } } });
    expect(seen).toHaveLength(1);
  });
});

describe('pagination: 3 pages by each strategy', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));

  async function pages(actions: Record<string, Action>, input?: Record<string, unknown>): Promise<unknown[][]> {
    const { connection } = await connect(actions);
    const out: unknown[][] = [];
    for await (const page of connection.paginate<{ items: unknown[] }>('list', input)) out.push(page.data.items);
    return out;
  }

  it('cursor in the query', async () => {
    handler = (request, response) => {
      const after = Number(new URL(request.url ?? '', origin).searchParams.get('after') ?? 0);
      const page = items.filter((item) => item.id > after).slice(0, 3);
      json(response, 200, { items: page, next: page.length === 3 && after + 3 < 7 ? String(after + 3) : null });
    };
    const result = await pages({ list: { method: 'GET', path: '/items', pagination: { type: 'cursor', cursor_path: '$.next', param: 'after' } } });
    expect(result.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(seen.map((entry) => entry.path)).toEqual(['/api/items', '/api/items?after=3', '/api/items?after=6']);
  });

  it('cursor in a JSON body', async () => {
    handler = (_request, response, entry) => {
      const after = Number((JSON.parse(entry.body) as { after?: string }).after ?? 0);
      json(response, 200, { items: items.slice(after, after + 3), next: after + 3 < 7 ? String(after + 3) : '' });
    };
    const result = await pages({
      list: { method: 'POST', path: '/search', body: { q: 'all' }, pagination: { type: 'cursor', cursor_path: '$.next', param: 'after', in: 'body' } },
    });
    expect(result.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(seen.map((entry) => JSON.parse(entry.body))).toEqual([{ q: 'all' }, { q: 'all', after: '3' }, { q: 'all', after: '6' }]);
  });

  it('offset and limit', async () => {
    handler = (request, response) => {
      const params = new URL(request.url ?? '', origin).searchParams;
      const offset = Number(params.get('offset'));
      json(response, 200, { items: items.slice(offset, offset + Number(params.get('limit'))) });
    };
    const result = await pages({ list: { method: 'GET', path: '/items', pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 3, results_path: '$.items' } } });
    expect(result.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(seen.map((entry) => entry.path)).toEqual(['/api/items?offset=0&limit=3', '/api/items?offset=3&limit=3', '/api/items?offset=6&limit=3']);
  });

  it('page number', async () => {
    handler = (request, response) => {
      const page = Number(new URL(request.url ?? '', origin).searchParams.get('page'));
      json(response, 200, { items: items.slice((page - 1) * 3, page * 3) });
    };
    const result = await pages({ list: { method: 'GET', path: '/items', pagination: { type: 'page', page_param: 'page', size_param: 'per_page', size: 3, results_path: '$.items' } } });
    expect(result.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(seen.map((entry) => entry.path)).toEqual(['/api/items?page=1&per_page=3', '/api/items?page=2&per_page=3', '/api/items?page=3&per_page=3']);
  });

  it('Link: rel="next"', async () => {
    handler = (request, response) => {
      const page = Number(new URL(request.url ?? '', origin).searchParams.get('p') ?? 1);
      const link: Record<string, string> = page < 3 ? { link: `<${origin}/api/items?p=${page + 1}>; rel="next", <${origin}/api/items?p=3>; rel="last"` } : {};
      json(response, 200, { items: items.slice((page - 1) * 3, page * 3) }, link);
    };
    const result = await pages({ list: { method: 'GET', path: '/items', pagination: { type: 'link_header' } } });
    expect(result.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(seen.map((entry) => entry.path)).toEqual(['/api/items', '/api/items?p=2', '/api/items?p=3']);
  });

  it('a Link to another host is refused: credentials never leave the declared hosts', async () => {
    handler = (_request, response) => json(response, 200, { items: [1] }, { link: '<https://elsewhere.example/api/items?p=2>; rel="next"' });
    const { connection } = await connect({ list: { method: 'GET', path: '/items', pagination: { type: 'link_header' } } });
    const iterator = connection.paginate('list');
    expect((await iterator.next()).done).toBe(false);
    const error = await rejection(iterator.next());
    expect(error.code).toBe('CONNECTOR_REQUEST_REFUSED');
    expect(seen).toHaveLength(1);
  });

  it('items() yields the items at results_path, page after page; without results_path the output array', async () => {
    handler = (request, response) => {
      const params = new URL(request.url ?? '', origin).searchParams;
      const offset = Number(params.get('offset'));
      json(response, 200, { items: items.slice(offset, offset + Number(params.get('limit') ?? 3)) });
    };
    const offset = { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 3, results_path: '$.items' } as const;
    const { connection } = await connect({ list: { method: 'GET', path: '/items', pagination: offset }, bare: { method: 'GET', path: '/items', output: '$.items', pagination: { type: 'link_header' } } });
    const out: unknown[] = [];
    for await (const item of connection.items('list')) out.push(item);
    expect(out).toEqual(items);
    expect(seen).toHaveLength(3);
    const bare: unknown[] = [];
    for await (const item of connection.items('bare')) bare.push(item);
    expect(bare).toEqual(items.slice(0, 3));
    expect(seen).toHaveLength(4);
  });

  it('items() of a page with no item array: ResponseError naming where it looked', async () => {
    handler = (_request, response) => json(response, 200, { items: { not: 'an array' } });
    const { connection } = await connect({ list: { method: 'GET', path: '/items', pagination: { type: 'page', page_param: 'page', results_path: '$.items' } } });
    const error = await rejection(connection.items('list').next());
    expect(error).toMatchObject({ code: 'CONNECTOR_RESPONSE_INVALID', message: 'action "list": the page has no array of items at $.items; use paginate() for whole pages' });
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['offset', { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 3, results_path: '$.items' }],
    ['page', { type: 'page', page_param: 'page', size_param: 'limit', size: 3, results_path: '$.items' }],
  ] as const)('two walks of one %s action at once each keep their own place', async (_name, pagination) => {
    handler = (request, response) => {
      const params = new URL(request.url ?? '', origin).searchParams;
      const offset = params.has('page') ? (Number(params.get('page')) - 1) * 3 : Number(params.get('offset'));
      json(response, 200, { items: items.slice(offset, offset + 3) });
    };
    const { connection } = await connect({ list: { method: 'GET', path: '/items', pagination } });
    const first = connection.items('list');
    const second = connection.items('list');
    const a: unknown[] = [];
    const b: unknown[] = [];
    // Interleaved: the second walk starts while the first is on its second page.
    for (let i = 0; i < 4; i++) a.push((await first.next()).value);
    for await (const item of second) b.push(item);
    for await (const item of first) a.push(item);
    expect(a).toEqual(items);
    expect(b).toEqual(items);
    expect(seen).toHaveLength(6);
  });

  it('stops at max_pages; execute returns one page', async () => {
    handler = (_request, response) => json(response, 200, { items: [1, 2, 3], next: 'more' });
    const { connection } = await connect({ list: { method: 'GET', path: '/items', pagination: { type: 'cursor', cursor_path: '$.next', param: 'c', max_pages: 4 } } });
    let count = 0;
    for await (const _page of connection.paginate('list')) count++;
    expect(count).toBe(4);
    expect(seen).toHaveLength(4);
    await connection.execute('list');
    expect(seen).toHaveLength(5);
  });
});

describe('retries', () => {
  it('429 with Retry-After: 1, then 200 → 2 requests, at least a second apart', async () => {
    let calls = 0;
    handler = (_request, response) => (++calls === 1 ? json(response, 429, { error: 'slow down' }, { 'retry-after': '1' }) : json(response, 200, { ok: true }));
    const { connection, log } = await connect({ get: { method: 'GET', path: '/x' } });
    expect((await connection.execute('get')).status).toBe(200);
    expect(seen).toHaveLength(2);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(log.events.filter((event) => event.type === 'request.retry')).toEqual([
      expect.objectContaining({ action: 'get', attempt: 1, delayMs: 1000, reason: 'status 429' }),
    ]);
  });

  it('503 with Retry-After as an HTTP date is honoured, for a POST too (the server did not act)', async () => {
    let calls = 0;
    handler = (_request, response) =>
      ++calls === 1 ? json(response, 503, {}, { 'retry-after': new Date(Date.now() + 1000).toUTCString() }) : json(response, 200, { ok: true });
    const { connection } = await connect({ post: { method: 'POST', path: '/x', body: { a: 1 } } });
    expect((await connection.execute('post')).status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.body).toBe('{"a":1}');
  });

  it('a POST is never retried on 500', async () => {
    handler = (_request, response) => json(response, 500, { error: 'boom' });
    const { connection } = await connect({ post: { method: 'POST', path: '/x', body: { a: 1 } } });
    expect((await rejection(connection.execute('post'))).code).toBe('CONNECTOR_HTTP_STATUS');
    expect(seen).toHaveLength(1);
  });

  it('a GET is retried on 500 with backoff, a bounded number of times', async () => {
    handler = (_request, response) => json(response, 500, { error: 'boom' });
    const { connection, log } = await connect({ get: { method: 'GET', path: '/x' } });
    expect((await rejection(connection.execute('get'))).code).toBe('CONNECTOR_HTTP_STATUS');
    expect(seen).toHaveLength(3);
    expect(log.events.filter((event) => event.type === 'request.retry').map((event) => event.attempt)).toEqual([1, 2]);
  });

  it('a reset GET is retried; a reset POST is not (it may have been acted on)', async () => {
    let calls = 0;
    handler = (request, response) => (++calls === 1 || request.method === 'POST' ? request.socket.destroy() : json(response, 200, { ok: true }));
    const { connection } = await connect({ get: { method: 'GET', path: '/x' }, post: { method: 'POST', path: '/x', body: {} } });
    expect((await connection.execute('get')).status).toBe(200);
    expect(seen).toHaveLength(2);
    const error = await rejection(connection.execute('post'));
    expect(error).toMatchObject({ code: 'CONNECTOR_NETWORK_FAILED', sent: true });
    expect(seen).toHaveLength(3);
  });

  it('a Retry-After beyond the time budget returns the 429 at once', async () => {
    handler = (_request, response) => json(response, 429, {}, { 'retry-after': '3600' });
    const { connection } = await connect({ get: { method: 'GET', path: '/x' } });
    expect((await rejection(connection.execute('get'))).message).toMatch(/answered 429$/);
    expect(seen).toHaveLength(1);
  });
});

describe('limits', () => {
  it('a response larger than max_response_bytes is a typed error and the connection stays usable', async () => {
    handler = (request, response) => (request.url?.includes('big') ? json(response, 200, { blob: 'x'.repeat(20_000) }) : json(response, 200, { ok: true }));
    const { connection } = await connect({ big: { method: 'GET', path: '/big' }, small: { method: 'GET', path: '/small' } }, { timeouts: { max_response_bytes: 10_000 } });
    const error = await rejection(connection.execute('big'));
    expect(error.code).toBe('CONNECTOR_RESPONSE_TOO_LARGE');
    expect(error.message).toContain('exceeds the 10000-byte limit');
    expect((await connection.execute('small')).data).toEqual({ ok: true });
  });

  it('a server that never answers: a typed timeout, then no retry for a POST', async () => {
    handler = () => undefined;
    const { connection } = await connect({ post: { method: 'POST', path: '/hang', body: {} } }, { timeouts: { headers_ms: 300 } });
    const error = await rejection(connection.execute('post'));
    expect(error).toMatchObject({ code: 'CONNECTOR_TIMEOUT', phase: 'headers' });
    expect(seen).toHaveLength(1);
  });

  it('a 50 MB download streams through execute with bounded memory', async () => {
    const size = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    };
    const { connection } = await connect({ download: { method: 'GET', path: '/file', response_format: 'binary' } }, { timeouts: { body_ms: 60_000 } });
    const held = heldMemory();
    const baseline = held();
    const { data } = await connection.execute<Readable>('download');
    let bytes = 0;
    let peak = 0;
    let nextSample = 0;
    for await (const part of data) {
      bytes += (part as Buffer).length;
      if (bytes >= nextSample) {
        nextSample += 4 * 1024 * 1024;
        peak = Math.max(peak, held() - baseline);
      }
    }
    expect(bytes).toBe(size);
    expect(peak).toBeLessThan(10 * 1024 * 1024);
  });
});
