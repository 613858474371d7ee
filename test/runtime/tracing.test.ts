/**
 * OpenTelemetry: with a provider registered (an in-memory exporter), a refresh-then-replay is
 * one execute span whose children are the hops and token requests it caused, each with the
 * semantic-convention attributes and none holding a secret; with propagateTraceContext the API
 * receives the W3C traceparent of each hop's span, without it none. Against a loopback server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, type Connector } from '../../sdk/index.js';

const SECRET = 'client-secret-7f3a';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

let server: Server;
let origin = '';
let seen: { path: string; traceparent?: string }[] = [];
let tokens = 0;
let rejectNext = false;
let connector: Connector | undefined;

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const traceparent = request.headers.traceparent;
  seen.push({ path: request.url ?? '', ...(typeof traceparent === 'string' ? { traceparent } : {}) });
  if (request.url === '/token') return json(response, 200, { access_token: `token-${++tokens}-9c1e`, token_type: 'Bearer', expires_in: 3600 });
  if (request.url === '/api/missing') return json(response, 404, { error: 'no such thing' });
  if (rejectNext) {
    rejectNext = false;
    return json(response, 401, { error: 'expired' });
  }
  json(response, 200, { items: [1, 2] });
}

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  server = createServer((request, response) => request.resume().on('end', () => handle(request, response)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  exporter.reset();
  seen = [];
});

afterAll(async () => {
  trace.disable();
  propagation.disable();
  context.disable();
  await provider.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function connect(propagateTraceContext: boolean) {
  connector = await loadConnector({
    id: 'traced',
    name: 'Traced',
    version: '1.0.0',
    base_url: `${origin}/api`,
    credentials: { type: 'object', properties: { client_secret: { type: 'string', 'x-secret': true } } },
    auth: { type: 'oauth2_client_credentials', token_url: `${origin}/token`, client_id: 'traced-client', client_secret: '{{ credentials.client_secret }}', allow_insecure_http: true },
    actions: { missing: { method: 'GET', path: '/missing' }, list: { method: 'GET', path: '/items/{{ input.kind }}', query: { key: '{{ input.kind }}' }, input: { type: 'object', properties: { kind: { type: 'string' } } } } },
  });
  return connector.connect({ connectionId: 'c', credentials: { client_secret: SECRET }, allowPrivateNetwork: true, propagateTraceContext });
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing', () => {
  it('a refresh-then-replay: one execute span, its token requests and hops as children, no secret in any attribute', async () => {
    const connection = await connect(true);
    rejectNext = true;
    tokens = 0;
    await connection.execute('list', { kind: 'books' });
    await connection.close();
    const spans = exporter.getFinishedSpans();
    const execute = spans.filter((span) => span.name === 'connector.execute');
    expect(execute).toHaveLength(1);
    const root = execute[0]!;
    expect(root.attributes).toEqual({ 'connector.action': 'list' });
    const tokenSpans = spans.filter((span) => span.name === 'connector.token_request');
    expect(tokenSpans.map((span) => [parentOf(span), span.attributes['connector.manifest_field']])).toEqual([
      [root.spanContext().spanId, '/auth/token_url'],
      [root.spanContext().spanId, '/auth/token_url'],
    ]);
    const hops = spans.filter((span) => span.name === 'HTTP GET' || span.name === 'HTTP POST');
    // Token, the rejected call, the renewal's token, the replay.
    expect(hops.map((span) => [span.name, span.attributes['http.response.status_code'], span.attributes['url.template'] ?? null])).toEqual([
      ['HTTP POST', 200, null],
      ['HTTP GET', 401, '/items/{{ input.kind }}'],
      ['HTTP POST', 200, null],
      ['HTTP GET', 200, '/items/{{ input.kind }}'],
    ]);
    for (const hop of hops) {
      expect(hop.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': Number(new URL(origin).port) });
      const parent = parentOf(hop);
      expect(parent === root.spanContext().spanId || tokenSpans.some((span) => span.spanContext().spanId === parent)).toBe(true);
    }
    const attributes = JSON.stringify(spans.map((span) => span.attributes));
    for (const secret of [SECRET, 'token-1-9c1e', 'token-2-9c1e', 'books']) expect(attributes).not.toContain(secret);
    // Each request carried the traceparent of its own hop span.
    expect(seen.map((request) => request.traceparent)).toEqual(hops.map((hop) => `00-${hop.spanContext().traceId}-${hop.spanContext().spanId}-01`));
  });

  it('without propagateTraceContext the API sees no traceparent; spans are made all the same', async () => {
    const connection = await connect(false);
    await connection.execute('list', { kind: 'x' });
    expect(seen.map((request) => request.traceparent)).toEqual([undefined, undefined]);
    expect(exporter.getFinishedSpans().map((span) => span.name).sort()).toEqual(['HTTP GET', 'HTTP POST', 'connector.execute', 'connector.token_request']);
  });

  it('a failed execute marks its span as an error, with the error code only', async () => {
    const connection = await connect(false);
    await expect(connection.execute('missing')).rejects.toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 404 });
    const spans = exporter.getFinishedSpans();
    const execute = spans.find((span) => span.name === 'connector.execute');
    expect(execute?.status).toEqual({ code: 2, message: 'CONNECTOR_HTTP_STATUS' });
    const hop = spans.find((span) => span.name === 'HTTP GET');
    expect(hop?.attributes['http.response.status_code']).toBe(404);
    expect(seen.map((request) => request.path)).toEqual(['/token', '/api/missing']);
  });
});
