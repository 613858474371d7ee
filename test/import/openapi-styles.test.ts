/**
 * The parameter styles and the names real documents use, end to end: a document written for the
 * test (test/import/openapi/styles.openapi.json) imports, and Prism mocking it validates what the
 * actions send — `page[size]`, `$filter`, `api-version` and `X-Amz-Date` reached by bracket
 * access under their own names, form / spaceDelimited / pipeDelimited / deepObject query
 * parameters, label and matrix path parameters, header arrays, a cookie parameter beside an API
 * key in a cookie, form, multipart and JSON bodies, and a cursor the importer recognised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Connector, ConnectorManifest } from '../../sdk/index.js';
import { startPrism, type PrismMock } from '../helpers/prism.js';
import { connectToPrism, imported, run } from '../helpers/openapi-import.js';
import { registerSecret } from '../helpers/secret-scan.js';

const DOCUMENT = 'test/import/openapi/styles.openapi.json';
const SESSION = 'session-cookie-secret';
let prism: PrismMock;
let manifest: ConnectorManifest;
let connector: Connector;
let connection: Connection;

beforeAll(async () => {
  registerSecret(SESSION);
  prism = await startPrism(DOCUMENT);
  ({ manifest } = await imported(DOCUMENT, { id: 'styles' }));
  ({ connector, connection } = await connectToPrism(manifest, prism, { api_key: SESSION }));
}, 200_000);

afterAll(async () => {
  await connector?.close();
  await prism?.close();
});

const sent = (from: number) => prism.exchanges.slice(from);

describe('an imported document of every parameter style, against Prism', () => {
  it('server variables are credentials (enum, default, description kept); the cookie API key is the auth', () => {
    expect(manifest.base_url).toBe('https://{{ credentials.region }}.api.example.com/{{ credentials.basePath }}');
    expect(manifest.credentials?.properties).toMatchObject({
      region: { type: 'string', enum: ['eu', 'us'], default: 'eu', description: 'Where the account lives.' },
      basePath: { type: 'string', default: 'v2' },
      api_key: { type: 'string', 'x-secret': true },
    });
    expect(manifest.auth).toEqual({ type: 'api_key', in: 'cookie', name: 'SESSION-ID', value: '{{ credentials.api_key }}' });
    expect(manifest.actions['list-items']?.input?.properties).toHaveProperty(['page[size]']);
    expect(manifest.actions['list-items']?.query?.['page[size]']).toBe('{{ input["page[size]"] }}');
    expect(manifest.actions['list-items']?.pagination).toEqual({ type: 'cursor', cursor_path: '$["next_cursor"]', param: 'cursor', results_path: '$["items"]' });
  });

  it('query styles, bracketed names, headers and cookies: every request valid, sent as OpenAPI serializes it', async () => {
    const from = prism.exchanges.length;
    const input = {
      'page[size]': 25,
      $filter: "name eq 'x'",
      'api-version': '2024-01-01',
      'X-Amz-Date': '20261123T090000Z',
      ids: [3, 4],
      tags: ['red', 'big one'],
      names: ['a', 'b'],
      codes: ['x', 'y'],
      filter: { status: 'open', owner: 'me' },
      'X-Trace': ['t1', 't2'],
      theme: 'dark',
    };
    const answer = await run(connection, prism, 'list-items', input);
    expect(answer).toEqual({ status: 200, data: { items: [{ id: 'a1', name: 'first' }], next_cursor: 'c2' } });
    const [exchange] = sent(from);
    const url = new URL(exchange?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/items');
    // Repeated names (exploded arrays, deepObject) are written in the path's query, before the action's query map.
    expect([...url.searchParams]).toEqual([
      ['tags', 'red'],
      ['tags', 'big one'],
      ['filter[status]', 'open'],
      ['filter[owner]', 'me'],
      ['page[size]', '25'],
      ['$filter', "name eq 'x'"],
      ['api-version', '2024-01-01'],
      ['ids', '3,4'],
      ['names', 'a b'],
      ['codes', 'x|y'],
    ]);
    expect(exchange?.headers['x-amz-date']).toBe('20261123T090000Z');
    expect(exchange?.headers['x-trace']).toBe('t1,t2');
    expect(exchange?.headers.cookie?.split('; ').sort()).toEqual([`SESSION-ID=${SESSION}`, 'theme=dark']);
    expect(sent(from)).toHaveLength(1);
  });

  it('absent optional parameters are left out; a missing cookie credential is Prism-visible as a security failure', async () => {
    const from = prism.exchanges.length;
    // X-Trace is required in the document: Prism 5.14 crashes on an absent optional array header.
    await run(connection, prism, 'list-items', { 'api-version': '2024-01-01', 'X-Amz-Date': '20261123T090000Z', 'X-Trace': ['t'] });
    expect(sent(from).map((e) => e.url)).toEqual(['/items?api-version=2024-01-01']);
    expect(sent(from)[0]?.headers.cookie).toBe(`SESSION-ID=${SESSION}`);
    const anonymous = await fetch(`${prism.url}/items?api-version=2024-01-01`, { headers: { 'X-Amz-Date': '20261123T090000Z', 'X-Trace': 't' } });
    await anonymous.arrayBuffer();
    expect(prism.requestFailures()).toEqual([expect.objectContaining({ status: 401, problem: 'https://stoplight.io/prism/errors#UNAUTHORIZED' })]);
  });

  // Array path parameters are left to the unit tests: Prism 5.14's path deserializer crashes on them.
  it('path styles: simple, label and matrix, percent-encoded', async () => {
    const from = prism.exchanges.length;
    const answer = await run(connection, prism, 'get-shapes', { ids: 'a b/c', label: 'blue', point: 'x1' });
    expect(answer.status).toBe(204);
    expect(sent(from).map((e) => e.url)).toEqual(['/shapes/a%20b%2Fc/.blue/;point=x1']);
  });

  it('form, multipart and JSON bodies; an operation with `security: []` is sent without the credential', async () => {
    const from = prism.exchanges.length;
    expect(await run(connection, prism, 'create-item', { name: 'first', count: 2 })).toEqual({ status: 201, data: { id: 'a1', name: 'first' } });
    expect((await run(connection, prism, 'put-items-id', { id: 'a1', file: Buffer.from('file-bytes'), note: 'v2' })).status).toBe(204);
    expect((await run(connection, prism, 'patch-items-id', { id: 'a1', body: { name: 'renamed' } })).status).toBe(204);
    expect((await run(connection, prism, 'get-health', {})).status).toBe(204);
    const [form, multipart, json, health] = sent(from);
    expect(form?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(form?.body.toString()))).toEqual({ name: 'first', count: '2' });
    expect(multipart?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart?.body.toString()).toMatch(/name="file"[\s\S]*file-bytes[\s\S]*name="note"[\s\S]*v2/);
    expect(JSON.parse(json?.body.toString() ?? '')).toEqual({ name: 'renamed' });
    expect(health?.headers.cookie).toBeUndefined();
    expect(sent(from)).toHaveLength(4);
    // Over the whole file: the one anonymous request sent by hand is the only failure; Prism logged every request the proxy passed.
    expect(prism.requestFailures().map((e) => `${e.status} ${e.url}`)).toEqual(['401 /items?api-version=2024-01-01']);
    expect(prism.received()).toBe(prism.exchanges.length);
    expect(prism.exchanges).toHaveLength(8);
  });
});
