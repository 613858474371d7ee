/**
 * importOpenApi's mapping of operations, run through the runtime against a loopback server that
 * records what it receives: array and object path parameters (which Prism 5.14 cannot check),
 * header objects, JSON bodies without the fields left out, raw text bodies, readOnly / writeOnly,
 * text answers and the pagination the importer detects or leaves out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, type ConnectorManifest } from '../../sdk/index.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { imported } from '../helpers/openapi-import.js';

const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
const json = (schema: unknown, headers?: unknown) => ({ '200': { description: 'ok', ...(headers !== undefined && { headers }), content: { 'application/json': { schema } } } });
const pathParameter = (name: string, schema: unknown, style?: string, explode?: boolean) => ({ name, in: 'path', required: true, schema, ...(style && { style }), ...(explode !== undefined && { explode }) });
const ARRAY = { type: 'array', items: { type: 'string' } };
const OBJECT = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } };

const document = {
  openapi: '3.0.3',
  info: { title: 'Mapping', version: '1' },
  servers: [{ url: 'https://api.example.com' }],
  paths: {
    '/simple/{ids}/{obj}': { get: { operationId: 'simple', parameters: [pathParameter('ids', ARRAY), pathParameter('obj', OBJECT, 'simple', true)], responses: { '204': { description: 'ok' } } } },
    '/label/{ids}/matrix/{m}/{o}': {
      get: { operationId: 'labelMatrix', parameters: [pathParameter('ids', ARRAY, 'label', true), pathParameter('m', ARRAY, 'matrix', true), pathParameter('o', OBJECT, 'matrix', true)], responses: { '204': { description: 'ok' } } },
    },
    '/headers': { get: { operationId: 'headerObject', parameters: [{ name: 'X-Pair', in: 'header', explode: true, schema: OBJECT }], responses: { '200': text('pong') } } },
    '/notes': {
      post: {
        operationId: 'createNote',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['title'], properties: { id: { type: 'integer', readOnly: true }, title: { type: 'string', description: 'The title.' }, tags: ARRAY, secret: { type: 'string', writeOnly: true } } } } } },
        responses: json({ type: 'object', properties: { id: { type: 'integer' }, title: { type: 'string' }, secret: { type: 'string', writeOnly: true } } }),
      },
    },
    '/raw': { put: { operationId: 'putRaw', requestBody: { content: { 'text/csv': { schema: { type: 'string' } } } }, responses: { '204': { description: 'ok' } } } },
    '/linked': { get: { operationId: 'linked', responses: json({ type: 'array', items: {} }, { Link: { schema: { type: 'string' } } }) } },
    '/ambiguous': {
      get: {
        operationId: 'ambiguous',
        parameters: [{ name: 'cursor', in: 'query', schema: { type: 'string' } }, { name: 'after', in: 'query', schema: { type: 'string' } }],
        responses: json({ type: 'object', properties: { data: ARRAY, next: { type: 'string' } } }),
      },
    },
  },
};

let server: Loopback;
let manifest: ConnectorManifest;

beforeAll(async () => {
  server = await startLoopback((req, res) => {
    if (req.url === '/notes') {
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1,"title":"t"}');
    } else if (req.url === '/headers') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
    } else res.writeHead(204).end();
  });
  ({ manifest } = await imported(document, { id: 'mapping' }));
});

afterAll(() => server.close());

async function send(action: string, input: Record<string, unknown>): Promise<{ data: unknown; request: Loopback['received'][number] }> {
  const connector = await loadConnector({ ...manifest, environments: { dev: { base_url: server.origin } } });
  try {
    const before = server.received.length;
    const { data } = await connector.connect({ connectionId: 'mapping', credentials: {}, environment: 'dev', allowPrivateNetwork: true }).execute(action, input);
    expect(server.received).toHaveLength(before + 1);
    return { data, request: server.received[before] as Loopback['received'][number] };
  } finally {
    await connector.close();
  }
}

describe('operations through the runtime', () => {
  it('path arrays and objects: simple, label and matrix, exploded, each value percent-encoded alone', async () => {
    expect((await send('simple', { ids: ['a b', 'c/d'], obj: { a: '1', b: '2' } })).request.url).toBe('/simple/a%20b,c%2Fd/a=1,b=2');
    expect((await send('label-matrix', { ids: ['x', 'y'], m: ['1', '2'], o: { a: 'p', b: 'q' } })).request.url).toBe('/label/.x.y/matrix/;m=1;m=2/;a=p;b=q');
  });

  it('an exploded header object as k=v pairs; a text answer as text', async () => {
    const { data, request } = await send('header-object', { 'X-Pair': { a: '1', b: '2' } });
    expect(request.headers['x-pair']).toBe('a=1,b=2');
    expect(data).toBe('pong');
    expect(manifest.actions['header-object']?.response_format).toBe('text');
  });

  it('a JSON body of its fields: absent ones left out, readOnly not asked for, writeOnly not answered, descriptions and required kept', async () => {
    const action = manifest.actions['create-note'];
    expect(Object.keys(action?.input?.properties ?? {})).toEqual(['title', 'tags', 'secret']);
    expect(action?.input).toMatchObject({ required: ['title'], properties: { title: { type: 'string', description: 'The title.' } } });
    expect(Object.keys(action?.output_schema?.properties ?? {})).toEqual(['id', 'title']);
    const { request, data } = await send('create-note', { title: 'Hello "world"' });
    expect(JSON.parse(request.body)).toEqual({ title: 'Hello "world"' });
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(data).toEqual({ id: 1, title: 't' });
    expect(JSON.parse((await send('create-note', { title: 't', tags: ['a'], secret: 's' })).request.body)).toEqual({ title: 't', tags: ['a'], secret: 's' });
  });

  it('another media type is a raw body of that type', async () => {
    expect(manifest.actions['put-raw']).toMatchObject({ body_format: 'raw', headers: { 'Content-Type': 'text/csv' } });
    const { request } = await send('put-raw', { body: 'a,b\n1,2\n' });
    expect(request.headers['content-type']).toBe('text/csv');
    expect(request.body).toBe('a,b\n1,2\n');
  });

  it('pagination: a Link header is link_header; two cursor-like parameters are ambiguous and left out', () => {
    expect(manifest.actions.linked?.pagination).toEqual({ type: 'link_header' });
    expect(manifest.actions.ambiguous?.pagination).toBeUndefined();
  });
});
