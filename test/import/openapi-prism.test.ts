/**
 * importOpenApi end to end against Stoplight Prism: two published Petstore documents — the
 * OpenAPI 3.0 one (test/import/openapi/petstore3.yaml) and the classic Swagger 2.0 one
 * (petstore2.swagger.yaml, converted by the importer) — import to manifests that validate, and
 * their actions run against `prism mock --errors` of the same document, which validates every
 * request (path, query, headers, security, body) against it: 0 request failures, and exactly
 * the requests the actions make, counted by the proxy and by Prism's own log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Connector, ConnectorManifest } from '../../sdk/index.js';
import { startPrism, type PrismMock } from '../helpers/prism.js';
import { connectToPrism, imported, run } from '../helpers/openapi-import.js';
import { registerSecret } from '../helpers/secret-scan.js';

const API_KEY = 'special-key-for-prism';
/** A token of the oauth2 implicit flow, which a manifest cannot express (a diagnostic says so): a host holding one sends it per call. */
const IMPLICIT = { headers: { Authorization: 'Bearer implicit-flow-token' } };
const PET = { id: 7, name: 'doggie', category: { id: 1, name: 'Dogs' }, photoUrls: ['https://example.com/d.png'], tags: [{ id: 1, name: 'brown' }], status: 'available' };

describe('the Petstore OpenAPI 3.0 document', () => {
  const document = 'test/import/openapi/petstore3.yaml';
  let prism: PrismMock;
  let manifest: ConnectorManifest;
  let connector: Connector;
  let connection: Connection;

  beforeAll(async () => {
    registerSecret(API_KEY, 'implicit-flow-token');
    prism = await startPrism(document);
    ({ manifest } = await imported(document, { id: 'petstore3' }));
    ({ connector, connection } = await connectToPrism(manifest, prism, { server_url: 'https://petstore3.swagger.io', api_key: API_KEY }));
  }, 200_000);

  afterAll(async () => {
    await connector?.close();
    await prism?.close();
  });

  it('imports every operation, the api key scheme as auth, the relative server as a credential', () => {
    expect(Object.keys(manifest.actions)).toHaveLength(19);
    expect(manifest.auth).toEqual({ type: 'api_key', in: 'header', name: 'api_key', value: '{{ credentials.api_key }}' });
    expect(manifest.base_url).toBe('{{ credentials.server_url }}/v3');
  });

  it('runs its actions against Prism with 0 request failures, one request each', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['get-pet-by-id', { petId: 7 }],
      ['get-inventory', {}],
      ['place-order', { id: 10, petId: 198772, quantity: 7, shipDate: '2026-11-23T09:00:00Z', status: 'approved', complete: true }],
      ['get-order-by-id', { orderId: 3 }],
      ['delete-order', { orderId: 3 }],
      ['create-user', { id: 10, username: 'theUser', firstName: 'John', email: 'john@email.com', userStatus: 1 }],
      ['create-users-with-list-input', { body: [{ id: 1, username: 'a' }, { id: 2, username: 'b' }] }],
      ['login-user', { username: 'theUser', password: 'pw' }],
      ['logout-user', {}],
      ['get-user-by-name', { username: 'theUser' }],
      ['update-user', { username: 'theUser', body: { id: 10, username: 'theUser', lastName: 'James' } }],
      ['delete-user', { username: 'theUser' }],
    ];
    const statuses: number[] = [];
    for (const [action, input] of calls) statuses.push((await run(connection, prism, action, input)).status);
    // The document gives delete-order and delete-user no 2xx answer: Prism answers its first one, 400.
    expect(statuses).toEqual([200, 200, 200, 200, 400, 200, 200, 200, 200, 200, 200, 400]);
    expect(prism.exchanges).toHaveLength(calls.length);
    expect(prism.requestFailures()).toEqual([]);
    expect(prism.received()).toBe(calls.length);
    expect(prism.exchanges.map((e) => `${e.method} ${e.url}`)).toEqual([
      'GET /pet/7',
      'GET /store/inventory',
      'POST /store/order',
      'GET /store/order/3',
      'DELETE /store/order/3',
      'POST /user',
      'POST /user/createWithList',
      'GET /user/login?username=theUser&password=pw',
      'GET /user/logout',
      'GET /user/theUser',
      'PUT /user/theUser',
      'DELETE /user/theUser',
    ]);
    expect(prism.exchanges.every((e) => e.headers.api_key === API_KEY)).toBe(true);
    expect(JSON.parse(prism.exchanges[2]?.body.toString() ?? '')).toEqual(calls[2]?.[1]);
    expect(JSON.parse(prism.exchanges[6]?.body.toString() ?? '')).toEqual(calls[6]?.[1].body);
  });

  it('runs the operations of the implicit oauth2 scheme with a token given per call: JSON, exploded query arrays, a binary body', async () => {
    const before = prism.exchanges.length;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const calls: [string, Record<string, unknown>][] = [
      ['add-pet', PET],
      ['update-pet', { ...PET, status: 'sold' }],
      ['find-pets-by-status', { status: 'pending' }],
      ['find-pets-by-tags', { tags: ['brown', 'big dog'] }],
      ['update-pet-with-form', { petId: 7, name: 'Rex', status: 'sold' }],
      ['upload-file', { petId: 7, additionalMetadata: 'front view', body: png }],
      ['delete-pet', { petId: 7 }],
    ];
    const statuses: number[] = [];
    for (const [action, input] of calls) statuses.push((await run(connection, prism, action, input, IMPLICIT)).status);
    // update-pet-with-form and delete-pet document no 2xx answer.
    expect(statuses).toEqual([200, 200, 200, 200, 400, 200, 400]);
    const sent = prism.exchanges.slice(before);
    expect(sent.map((e) => `${e.method} ${e.url}`)).toEqual([
      'POST /pet',
      'PUT /pet',
      'GET /pet/findByStatus?status=pending',
      'GET /pet/findByTags?tags=brown&tags=big%20dog',
      'POST /pet/7?name=Rex&status=sold',
      'POST /pet/7/uploadImage?additionalMetadata=front%20view',
      'DELETE /pet/7',
    ]);
    expect(JSON.parse(sent[0]?.body.toString() ?? '')).toEqual(PET);
    expect(sent[5]?.headers['content-type']).toBe('application/octet-stream');
    expect(sent[5]?.body.equals(png)).toBe(true);
    expect(prism.requestFailures()).toEqual([]);
    expect(prism.received()).toBe(prism.exchanges.length);
  });

  it('the checker is not blind: a request the document refuses is counted as a failure', async () => {
    const before = prism.exchanges.length;
    const answer = await fetch(`${prism.url}/store/order/not-a-number`, { headers: { api_key: API_KEY } });
    await answer.arrayBuffer();
    expect(prism.exchanges.length).toBe(before + 1);
    expect(prism.requestFailures()).toEqual([
      expect.objectContaining({ url: '/store/order/not-a-number', violations: [expect.objectContaining({ location: ['request', 'path', 'orderid'], code: 'type' })] }),
    ]);
    prism.exchanges.splice(before);
  });
});

describe('the classic Petstore Swagger 2.0 document (converted to OpenAPI 3)', () => {
  const document = 'test/import/openapi/petstore2.swagger.yaml';
  let prism: PrismMock;
  let manifest: ConnectorManifest;
  let connector: Connector;
  let connection: Connection;

  beforeAll(async () => {
    registerSecret(API_KEY, 'implicit-flow-token');
    prism = await startPrism(document);
    ({ manifest } = await imported(document, { id: 'petstore2' }));
    ({ connector, connection } = await connectToPrism(manifest, prism, { api_key: API_KEY }));
  }, 200_000);

  afterAll(async () => {
    await connector?.close();
    await prism?.close();
  });

  it('imports host, basePath and schemes as the base URL, every operation as an action', () => {
    expect(manifest.base_url).toBe('https://petstore.swagger.io/v2');
    expect(Object.keys(manifest.actions)).toHaveLength(20);
    expect(manifest.actions['update-pet-with-form']).toMatchObject({ body_format: 'form' });
    expect(manifest.actions['upload-file']).toMatchObject({ body_format: 'multipart' });
  });

  it('runs its actions against Prism (which serves the paths without the basePath) with 0 request failures: JSON, form and multipart bodies, collectionFormat multi', async () => {
    // Operations whose body has no `consumes` are left out: Prism reads them as taking no body at all (the importer assumes JSON and says so).
    const calls: [string, Record<string, unknown>, object?][] = [
      ['get-pet-by-id', { petId: 7 }],
      ['get-inventory', {}],
      ['get-order-by-id', { orderId: 5 }],
      ['delete-order', { orderId: 2 }],
      ['login-user', { username: 'user1', password: 'pw' }],
      ['get-user-by-name', { username: 'user1' }],
      ['logout-user', {}],
      ['add-pet', PET, IMPLICIT],
      ['update-pet', { ...PET, name: 'Rex' }, IMPLICIT],
      ['find-pets-by-status', { status: ['available', 'sold'] }, IMPLICIT],
      ['update-pet-with-form', { petId: 7, name: 'Rex', status: 'sold' }, IMPLICIT],
      ['upload-file', { petId: 7, additionalMetadata: 'side', file: Buffer.from('GIF89a') }, IMPLICIT],
    ];
    const statuses: number[] = [];
    for (const [action, input, options] of calls) statuses.push((await run(connection, prism, action, input, options)).status);
    expect(prism.requestFailures()).toEqual([]);
    expect(prism.exchanges).toHaveLength(calls.length);
    expect(prism.received()).toBe(calls.length);
    expect(prism.exchanges.map((e) => `${e.method} ${e.url}`)).toEqual([
      'GET /pet/7',
      'GET /store/inventory',
      'GET /store/order/5',
      'DELETE /store/order/2',
      'GET /user/login?username=user1&password=pw',
      'GET /user/user1',
      'GET /user/logout',
      'POST /pet',
      'PUT /pet',
      'GET /pet/findByStatus?status=available&status=sold',
      'POST /pet/7',
      'POST /pet/7/uploadImage',
    ]);
    expect(statuses).toEqual([200, 200, 200, 400, 200, 200, 200, 405, 400, 200, 405, 200]);
    const [form, upload] = prism.exchanges.slice(-2);
    expect(form?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(form?.body.toString()))).toEqual({ name: 'Rex', status: 'sold' });
    expect(upload?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.body.toString()).toContain('GIF89a');
  });
});
