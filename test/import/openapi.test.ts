/**
 * importOpenApi's mapping of a document's frame: security schemes (every kind the manifest can
 * express, and a diagnostic for each it cannot), servers, action ids, --tag / --operation
 * subsets, Swagger 2.0 conversion, and documents that are not OpenAPI. The parameter, body and
 * response mapping is in openapi-mapping.test.ts; runs against Prism in openapi-prism,
 * openapi-styles and openapi-github.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOpenApi, type ConnectorManifest } from '../../sdk/index.js';
import { imported } from '../helpers/openapi-import.js';

const OK = { '200': { description: 'ok' } };

/** A document with one GET and the given security schemes (and top-level requirements). */
function documentWith(schemes: Record<string, unknown>, security?: Record<string, string[]>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { openapi: '3.0.3', info: { title: 'Secured', version: '1' }, servers: [{ url: 'https://api.example.com/v1/' }], components: { securitySchemes: schemes }, ...(security && { security }), paths: { '/me': { get: { operationId: 'getMe', responses: OK } } }, ...extra };
}

const auth = async (schemes: Record<string, unknown>, security?: Record<string, string[]>[], options = {}) => (await imported(documentWith(schemes, security), options)).manifest;
const messages = (result: { diagnostics: { pointer: string; severity: string; message: string }[] }) => result.diagnostics.map((d) => [d.pointer, d.severity, d.message]);

describe('security schemes', () => {
  it.each([
    ['header', { type: 'api_key', in: 'header', name: 'X-Api-Key', value: '{{ credentials.api_key }}' }],
    ['query', { type: 'api_key', in: 'query', name: 'X-Api-Key', value: '{{ credentials.api_key }}' }],
    ['cookie', { type: 'api_key', in: 'cookie', name: 'X-Api-Key', value: '{{ credentials.api_key }}' }],
  ])('apiKey in %s: api_key auth, a secret credential', async (where, expected) => {
    const manifest = await auth({ key: { type: 'apiKey', in: where, name: 'X-Api-Key' } });
    expect(manifest.auth).toEqual(expected);
    expect(manifest.credentials).toEqual({ type: 'object', properties: { api_key: { type: 'string', 'x-secret': true, description: `Sent as the ${where} X-Api-Key.` } }, required: ['api_key'] });
  });

  it('http basic and bearer (the scheme name is case-insensitive)', async () => {
    expect((await auth({ b: { type: 'http', scheme: 'Basic' } })).auth).toEqual({ type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' });
    const bearer = await auth({ t: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(bearer.auth).toEqual({ type: 'bearer', token: '{{ credentials.token }}' });
    expect(bearer.credentials?.properties?.token).toEqual({ type: 'string', 'x-secret': true });
  });

  it('oauth2 authorizationCode: PKCE on, the scopes the requirements ask for, a redirect_uri credential', async () => {
    const flows = { authorizationCode: { authorizationUrl: 'https://id.example.com/authorize', tokenUrl: 'https://id.example.com/token', scopes: { read: '', write: '' } } };
    const manifest = await auth({ oauth: { type: 'oauth2', flows } }, [{ oauth: ['read', 'write'] }]);
    expect(manifest.auth).toEqual({
      type: 'oauth2_authorization_code',
      authorization_url: 'https://id.example.com/authorize',
      token_url: 'https://id.example.com/token',
      client_id: '{{ credentials.client_id }}',
      client_secret: '{{ credentials.client_secret }}',
      redirect_uri: '{{ credentials.redirect_uri }}',
      pkce: true,
      scope: 'read write',
    });
    expect(manifest.credentials?.required).toEqual(['client_id', 'redirect_uri']);
  });

  it('oauth2 clientCredentials and password flows', async () => {
    const client = await auth({ o: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://id.example.com/token', scopes: {} } } } });
    expect(client.auth).toEqual({ type: 'oauth2_client_credentials', token_url: 'https://id.example.com/token', client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' });
    const password = await auth({ o: { type: 'oauth2', flows: { password: { tokenUrl: 'https://id.example.com/token', scopes: {} } } } }, [{ o: ['profile'] }]);
    expect(password.auth).toMatchObject({ type: 'oauth2_password', username: '{{ credentials.username }}', password: '{{ credentials.password }}', scope: 'profile' });
    expect(password.credentials?.required).toEqual(['username', 'password']);
  });

  it('openIdConnect: an authorization code grant from the discovery document given; without it a diagnostic', async () => {
    const scheme = { oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://id.example.com/.well-known/openid-configuration' } };
    const discovery = { issuer: 'https://id.example.com', authorization_endpoint: 'https://id.example.com/auth', token_endpoint: 'https://id.example.com/token' };
    const manifest = await auth(scheme, [{ oidc: ['email'] }], { openIdConfiguration: discovery });
    expect(manifest.auth).toMatchObject({ type: 'oauth2_authorization_code', authorization_url: 'https://id.example.com/auth', token_url: 'https://id.example.com/token', issuer: 'https://id.example.com', pkce: true, scope: 'openid email' });
    const without = await importOpenApi(documentWith(scheme));
    expect(without.manifest?.auth).toEqual({ type: 'none' });
    expect(messages(without)).toContainEqual([
      '/components/securitySchemes/oidc/openIdConnectUrl',
      'warning',
      'openIdConnect needs the discovery document at https://id.example.com/.well-known/openid-configuration: not imported',
    ]);
  });

  it.each([
    ['http digest', { type: 'http', scheme: 'digest' }, 'the http scheme "digest" is not imported: the manifest\'s http auth is basic or bearer'],
    ['mutualTLS', { type: 'mutualTLS' }, 'the mutualTLS scheme is not imported as auth'],
    ['oauth2 implicit', { type: 'oauth2', flows: { implicit: { authorizationUrl: 'https://id.example.com/a', scopes: {} } } }, 'the oauth2 implicit flow cannot be expressed by the manifest: not imported'],
    ['an unknown type', { type: 'hmac-custom' }, 'the security scheme of type "hmac-custom" cannot be expressed by the manifest: not imported'],
  ])('%s: a diagnostic, not a silent drop; the manifest has no auth and says which actions needed it', async (_name, scheme, message) => {
    const result = await importOpenApi(documentWith({ s: scheme }, [{ s: [] }]));
    expect(result.valid).toBe(true);
    expect(result.manifest?.auth).toEqual({ type: 'none' });
    const diagnostics = messages(result);
    expect(diagnostics.find((d) => d[2] === message)).toEqual([scheme.type === 'oauth2' ? '/components/securitySchemes/s/flows/implicit' : '/components/securitySchemes/s', 'warning', message]);
    expect(diagnostics).toContainEqual(['/paths', 'warning', 'an action asks for a security scheme not imported (s): get-me; their requests carry no auth']);
  });

  it('several schemes: the one the requirements ask for first, a warning for each other; --auth picks, an unknown name is an error', async () => {
    const schemes = { basic: { type: 'http', scheme: 'basic' }, key: { type: 'apiKey', in: 'header', name: 'K' } };
    const result = await importOpenApi(documentWith(schemes, [{ key: [] }]));
    expect(result.manifest?.auth).toMatchObject({ type: 'api_key' });
    expect(messages(result)).toContainEqual(['/components/securitySchemes/basic', 'warning', 'the security scheme "basic" is not imported: a manifest has one auth, "key"']);
    expect((await importOpenApi(documentWith(schemes, [{ key: [] }]), { auth: 'basic' })).manifest?.auth).toMatchObject({ type: 'basic' });
    const unknown = await importOpenApi(documentWith(schemes), { auth: 'nope' });
    expect(unknown.valid).toBe(false);
    expect(messages(unknown)).toContainEqual(['/components/securitySchemes', 'error', 'the document has no security scheme "nope"']);
  });

  it('an operation with `security: []` is sent without auth (apply_auth false)', async () => {
    const document = documentWith({ key: { type: 'apiKey', in: 'header', name: 'K' } }, [{ key: [] }]);
    (document.paths as Record<string, unknown>)['/health'] = { get: { security: [], responses: OK } };
    const { manifest } = await imported(document);
    expect(manifest.actions['get-health']?.apply_auth).toBe(false);
    expect(manifest.actions['get-me']?.apply_auth).toBeUndefined();
  });
});

describe('servers, ids and subsets', () => {
  it('the first server is the base URL (trailing slash dropped); a relative one or none becomes the server_url credential', async () => {
    expect((await imported(documentWith({}))).manifest.base_url).toBe('https://api.example.com/v1');
    const relative = await importOpenApi({ ...documentWith({}), servers: [{ url: '/api' }] });
    expect(relative.manifest?.base_url).toBe('{{ credentials.server_url }}/api');
    expect(relative.manifest?.credentials?.properties?.server_url).toMatchObject({ type: 'string', format: 'uri' });
    expect(messages(relative)).toContainEqual(['/servers/0/url', 'warning', 'the server URL /api is relative: the base URL is the credential server_url followed by it']);
    expect((await importOpenApi({ ...documentWith({}), servers: undefined }, { baseUrl: 'https://given.example.com' })).manifest?.base_url).toBe('https://given.example.com');
  });

  it('ids from operationId (kebab-cased) or method and path, unique over the whole document', async () => {
    const document = {
      openapi: '3.0.3',
      info: { title: 'Ids', version: '1' },
      servers: [{ url: 'https://api.example.com' }],
      paths: {
        '/a-b': { get: { responses: OK } },
        '/a/b': { get: { responses: OK }, post: { operationId: 'createABThing', responses: OK } },
        '/users/{user_id}/repos': { get: { responses: OK } },
        '/v1/orgs.list': { get: { operationId: 'orgs/list', responses: OK }, put: { operationId: 'orgs/list', responses: OK } },
      },
    };
    const { manifest } = await imported(document);
    expect(Object.keys(manifest.actions)).toEqual(['get-a-b', 'get-a-b-2', 'create-ab-thing', 'get-users-user_id-repos', 'orgs-list', 'orgs-list-2']);
    // A subset keeps the ids of the full import.
    expect(Object.keys((await imported(document, { operations: ['get-a-b-2', 'orgs/list'] })).manifest.actions)).toEqual(['get-a-b-2', 'orgs-list', 'orgs-list-2']);
  });

  it('--tag keeps the operations with one of the tags; nothing matching is an error', async () => {
    const document = { ...documentWith({}), paths: { '/a': { get: { tags: ['x'], responses: OK } }, '/b': { get: { tags: ['y', 'z'], responses: OK } }, '/c': { get: { responses: OK } } } };
    expect(Object.keys((await imported(document, { tags: ['z', 'x'] })).manifest.actions)).toEqual(['get-a', 'get-b']);
    const none = await importOpenApi(document, { tags: ['nope'] });
    expect(none).toMatchObject({ manifest: undefined, valid: false });
    expect(messages(none)).toEqual([['/paths', 'error', 'no operation matches the tags or operations asked for']]);
  });

  it('id, name and description from the info; the manifest is written as 2-space JSON', async () => {
    const result = await imported({ ...documentWith({}), info: { title: 'Acme CRM — API', version: '3.2', description: 'CRM.' }, externalDocs: { url: 'https://docs.acme.example' } });
    expect(result.manifest).toMatchObject({ id: 'acme-crm-api', name: 'Acme CRM — API', description: 'CRM.\n\nImported from an OpenAPI description (Acme CRM — API 3.2).', docs_url: 'https://docs.acme.example' });
    expect(result.text).toBe(`${JSON.stringify(result.manifest, null, 2)}\n`);
  });
});

describe('Swagger 2.0', () => {
  const swagger = {
    swagger: '2.0',
    info: { title: 'Legacy', version: '1' },
    host: 'legacy.example.com',
    basePath: '/api/',
    schemes: ['http', 'https'],
    securityDefinitions: { client: { type: 'oauth2', flow: 'application', tokenUrl: 'https://legacy.example.com/token', scopes: { all: '' } }, pass: { type: 'basic' } },
    security: [{ client: ['all'] }],
    paths: {
      '/things': {
        get: { parameters: [{ name: 'ids', in: 'query', type: 'array', items: { type: 'integer' }, collectionFormat: 'pipes' }], responses: { '200': { description: 'ok', schema: { type: 'array', items: { type: 'string' } } } } },
        post: { consumes: ['application/x-www-form-urlencoded'], parameters: [{ name: 'name', in: 'formData', type: 'string', required: true }], responses: OK },
      },
      '/things/{id}': { put: { parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }, { name: 'thing', in: 'body', required: true, schema: { type: 'object', properties: { label: { type: 'string' } } } }], responses: OK } },
    },
  };

  it('host, basePath and schemes as the server (https preferred); oauth2 application as client credentials; a warning per body without consumes', async () => {
    const result = await imported(swagger);
    const manifest: ConnectorManifest = result.manifest;
    expect(manifest.base_url).toBe('https://legacy.example.com/api');
    expect(manifest.auth).toMatchObject({ type: 'oauth2_client_credentials', token_url: 'https://legacy.example.com/token', scope: 'all' });
    expect(manifest.actions['get-things']).toMatchObject({ query: { ids: '{{ input.ids | join: "|" }}' }, output_schema: { type: 'array', items: { type: 'string' } } });
    expect(manifest.actions['post-things']).toMatchObject({ body_format: 'form', body: { name: '{{ input.name }}' }, input: { required: ['name'] } });
    expect(manifest.actions['put-things-id']?.input?.required).toEqual(['id']);
    expect(messages(result)).toContainEqual(['/paths/~1things~1{id}/put/parameters/1', 'warning', "the body parameter has no consumes (the operation's or the document's): it is sent as application/json"]);
    expect((await imported(swagger, { auth: 'pass' })).manifest.auth).toMatchObject({ type: 'basic' });
  });
});

describe('documents that do not import', () => {
  it('not OpenAPI, unparsable, an empty paths object, a directory without a document: an error each, no manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-import-'));
    try {
      await writeFile(join(dir, 'broken.yaml'), 'openapi: 3.0.0\ninfo: [unclosed\n');
      const results = await Promise.all([importOpenApi({ info: { title: 'x' } }), importOpenApi(join(dir, 'broken.yaml')), importOpenApi({ ...documentWith({}), paths: {} }), importOpenApi(dir)]);
      for (const result of results) expect(result).toMatchObject({ manifest: undefined, text: undefined, valid: false });
      expect(results.map((result) => result.diagnostics.map((d) => [d.pointer, d.severity]))).toEqual([[['', 'error']], [['', 'error']], [['/paths', 'error']], [['', 'error']]]);
      expect(results[0]?.diagnostics[0]?.message).toBe('not an OpenAPI document: it has neither "openapi" nor "swagger": "2.0"');
      expect(results[1]?.diagnostics[0]).toMatchObject({ file: join(dir, 'broken.yaml'), line: 1, column: 1 });
      expect(results[1]?.diagnostics[0]?.message).toMatch(/^the document does not parse: /);
      // A directory holding openapi.json imports it, external $refs resolved from there.
      await writeFile(join(dir, 'openapi.json'), JSON.stringify({ ...documentWith({}), paths: { '/x': { $ref: 'item.json' } } }));
      await writeFile(join(dir, 'item.json'), JSON.stringify({ get: { operationId: 'getX', responses: OK } }));
      expect(Object.keys((await imported(dir)).manifest.actions)).toEqual(['get-x']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
