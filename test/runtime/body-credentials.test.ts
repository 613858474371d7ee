/**
 * Credentials in the body of every action (api_key `in: "body"`, a token's `apply.body`) against a
 * real loopback API that parses what it gets by its content type: merged into a JSON object body,
 * appended to a form or multipart body, a body created for a bodiless POST, a renewed token in the
 * replayed body, never re-sent to another origin by a redirect; GET actions and bodies that are no
 * object are refused (by the validator, else at request time). Exact request counts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  loadConnector,
  ManifestError,
  MemoryTokenStore,
  RequestRefusedError,
  validateManifest,
  type Connector,
} from '../../sdk/index.js';
import type { Action, Authentication, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const API_KEY = 'body-key-canary-7f3a';
registerSecret(API_KEY);

let api: RoutedServer;
let connectors: Connector[] = [];

/** What the API parsed from each request, by path: the content type and the fields. */
let parsed: { path: string; contentType: string; fields: Record<string, unknown> }[] = [];

beforeEach(async () => {
  parsed = [];
  api = await startRouted();
});

afterEach(async () => {
  await Promise.all(connectors.map((connector) => connector.close()));
  connectors = [];
  await api.close();
});

function manifest(auth: Authentication, actions: Record<string, Action>, secrets = ['api_key']): ConnectorManifest {
  return {
    id: 'body-credentials',
    name: 'Body credentials',
    version: '1.0.0',
    base_url: api.origin,
    credentials: credentialFields(['api_key'], secrets),
    auth,
    actions,
  };
}

const keyInBody: Authentication = { type: 'api_key', in: 'body', name: 'api_key', value: '{{ credentials.api_key }}' };

async function connect(auth: Authentication, actions: Record<string, Action>, secrets?: string[]) {
  const connector = await loadConnector(manifest(auth, actions, secrets));
  connectors.push(connector);
  const log = eventLog();
  const connection = connector.connect({
    connectionId: 'body-1',
    credentials: { api_key: API_KEY },
    store: new MemoryTokenStore(),
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
  return { connection, log };
}

/** Parses a body as a strict API does: by its content type, refusing anything else with 415. */
async function parseBody(req: IncomingMessage, body: string): Promise<Record<string, unknown> | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (/^application\/json\b/.test(type)) return JSON.parse(body) as Record<string, unknown>;
  if (/^application\/x-www-form-urlencoded\b/.test(type)) {
    const form = new URLSearchParams(body);
    return Object.fromEntries([...new Set(form.keys())].map((key) => [key, form.getAll(key).length > 1 ? form.getAll(key) : form.get(key)]));
  }
  if (/^multipart\/form-data\b/.test(type)) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
    return Object.fromEntries([...form.entries()].map(([key, value]) => [key, String(value)]));
  }
  return undefined;
}

/** A route that parses, records, and answers 200 only when the key arrived in the body (401 otherwise). */
function keyedRoute(path: string): void {
  api.routes.set(path, (req: IncomingMessage, res: ServerResponse, body: string) => {
    void parseBody(req, body).then((fields) => {
      if (fields === undefined) return sendJson(res, 415, { error: 'unsupported media type' });
      parsed.push({ path, contentType: req.headers['content-type'] ?? '', fields });
      sendJson(res, fields.api_key === API_KEY ? 200 : 401, { ok: fields.api_key === API_KEY });
    });
  });
}

const nameInput = { type: 'object', properties: { name: { type: 'string' } } } as const;

describe('api_key in the body', () => {
  it('merged into the JSON object of a POST action, types and content type kept', async () => {
    keyedRoute('/v1/items');
    const { connection } = await connect(keyInBody, {
      create: { method: 'POST', path: '/v1/items', body: { name: '{{ input.name }}', count: 2, tags: ['a'] }, input: nameInput },
    });
    const result = await connection.execute('create', { name: 'first' });
    expect(result.status).toBe(200);
    expect(parsed).toEqual([{ path: '/v1/items', contentType: 'application/json', fields: { name: 'first', count: 2, tags: ['a'], api_key: API_KEY } }]);
    expect(api.on('/v1/items')[0]!.headers['x-api-key']).toBeUndefined();
    expect(new URL(api.on('/v1/items')[0]!.url, api.origin).search).toBe('');
    expect(api.hits('/v1/items')).toBe(1);
  });

  it('appended to a form body, the action fields byte for byte', async () => {
    keyedRoute('/v1/form');
    const { connection } = await connect(keyInBody, {
      submit: { method: 'POST', path: '/v1/form', body_format: 'form', body: { name: '{{ input.name }}', 'emails[]': ['a@x.example', 'b@x.example'] }, input: nameInput },
    });
    await connection.execute('submit', { name: 'Jane Doe' });
    expect(parsed).toEqual([
      { path: '/v1/form', contentType: 'application/x-www-form-urlencoded', fields: { name: 'Jane Doe', 'emails[]': ['a@x.example', 'b@x.example'], api_key: API_KEY } },
    ]);
    expect(api.on('/v1/form')[0]!.body).toBe(`name=Jane+Doe&emails%5B%5D=a%40x.example&emails%5B%5D=b%40x.example&api_key=${API_KEY}`);
    expect(api.hits('/v1/form')).toBe(1);
  });

  it('appended to a multipart body', async () => {
    keyedRoute('/v1/upload');
    const { connection } = await connect(keyInBody, {
      upload: { method: 'POST', path: '/v1/upload', body_format: 'multipart', body: { title: '{{ input.name }}' }, input: nameInput },
    });
    await connection.execute('upload', { name: 'report' });
    expect(parsed).toEqual([{ path: '/v1/upload', contentType: expect.stringMatching(/^multipart\/form-data; boundary=/), fields: { title: 'report', api_key: API_KEY } }]);
    expect(api.hits('/v1/upload')).toBe(1);
  });

  it('a field of the same name in the action body is replaced by the credential, in JSON and in a form', async () => {
    keyedRoute('/v1/items');
    keyedRoute('/v1/form');
    const { connection } = await connect(keyInBody, {
      json: { method: 'POST', path: '/v1/items', body: { api_key: 'from-the-action', name: 'x' } },
      form: { method: 'POST', path: '/v1/form', body_format: 'form', body: { api_key: 'from-the-action', name: 'x' } },
    });
    await connection.execute('json');
    await connection.execute('form');
    expect(parsed.map(({ fields }) => fields)).toEqual([
      { api_key: API_KEY, name: 'x' },
      { name: 'x', api_key: API_KEY },
    ]);
    expect([api.hits('/v1/items'), api.hits('/v1/form')]).toEqual([1, 1]);
  });

  it('a bodiless POST gets a body of just the credential: JSON by default, a form with body_format form', async () => {
    keyedRoute('/v1/ping');
    keyedRoute('/v1/ping-form');
    const { connection } = await connect(keyInBody, {
      ping: { method: 'POST', path: '/v1/ping' },
      'ping-form': { method: 'POST', path: '/v1/ping-form', body_format: 'form' },
    });
    await connection.execute('ping');
    await connection.execute('ping-form');
    expect(parsed).toEqual([
      { path: '/v1/ping', contentType: 'application/json', fields: { api_key: API_KEY } },
      { path: '/v1/ping-form', contentType: 'application/x-www-form-urlencoded', fields: { api_key: API_KEY } },
    ]);
    expect([api.hits('/v1/ping'), api.hits('/v1/ping-form')]).toEqual([1, 1]);
  });

  it("a JSON body_template keeps its own text (a big integer survives), the key spliced in", async () => {
    keyedRoute('/v1/items');
    const { connection } = await connect(keyInBody, {
      create: { method: 'POST', path: '/v1/items', body_template: '{"id": 12345678901234567890, "name": "{{ input.name }}"}', input: nameInput },
    });
    await connection.execute('create', { name: 'big' });
    expect(api.on('/v1/items')[0]!.body).toBe(`{"id": 12345678901234567890, "name": "big","api_key":"${API_KEY}"}`);
    expect(api.hits('/v1/items')).toBe(1);
  });

  it('a body_template that renders no JSON object: a ConfigurationError naming /auth/in, nothing sent, no secret in it', async () => {
    keyedRoute('/v1/items');
    const { connection } = await connect(keyInBody, {
      list: { method: 'POST', path: '/v1/items', body_template: '[1, 2]' },
      text: { method: 'POST', path: '/v1/items', body_template: 'plain words' },
    });
    for (const [action, reason] of [['list', 'its body is not a JSON object'], ['text', 'its body is not JSON']] as const) {
      const error = await rejection(connection.execute(action));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ field: '/auth/in' });
      expect(error.message).toContain(`action "${action}" cannot carry the credential field "api_key" in its body (/auth/in puts it there): ${reason}`);
      expect(error.message).not.toContain(API_KEY);
    }
    expect(api.hits('/v1/items')).toBe(0);
  });

  it('a body that is `{{ input.payload }}`: an object is merged, anything else refused at request time', async () => {
    keyedRoute('/v1/items');
    const { connection } = await connect(keyInBody, {
      update: { method: 'PATCH', path: '/v1/items', body: '{{ input.payload }}' as unknown as Action['body'], input: { type: 'object', properties: { payload: {} } } },
    });
    await connection.execute('update', { payload: { id: 7 } });
    expect(parsed.map(({ fields }) => fields)).toEqual([{ id: 7, api_key: API_KEY }]);
    const error = await rejection(connection.execute('update', { payload: [7] }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('its body is not a JSON object');
    expect(api.hits('/v1/items')).toBe(1);
  });

  it('a redirect to another origin never takes the body with the credential (307)', async () => {
    const other = await startRouted({ '/v1/items': (_req, res) => sendJson(res, 200, { stolen: true }) });
    try {
      api.routes.set('/v1/items', (_req, res) => {
        res.writeHead(307, { location: `${other.origin}/v1/items`, 'content-length': '0' });
        res.end();
      });
      const { connection } = await connect(keyInBody, { create: { method: 'POST', path: '/v1/items', body: { name: 'x' } } });
      const error = await rejection(connection.execute('create'));
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect(error.message).toContain('the request body holds a credential');
      expect(api.hits('/v1/items')).toBe(1);
      expect(other.hits('/v1/items')).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('a GET action with a body placement', () => {
  const getAction: Record<string, Action> = { list: { method: 'GET', path: '/v1/items' } };

  it('is a validator error at the action\'s method; loading refuses the manifest', async () => {
    const result = validateManifest(manifest(keyInBody, getAction));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([
      expect.objectContaining({ pointer: '/actions/list/method', message: 'a GET action carries no body, but /auth/in puts the credential in the body' }),
    ]);
    const error = await rejection(loadConnector(manifest(keyInBody, getAction)));
    expect(error).toBeInstanceOf(ManifestError);
    expect(api.received).toHaveLength(0);
  });

  it('the same for a token apply.body, raw bodies and bodies that are no object; apply_auth false is left alone', () => {
    const tokenInBody: Authentication = { type: 'bearer', token: '{{ credentials.api_key }}', apply: { body: { token: '{{ auth.access_token }}' } } };
    const result = validateManifest(
      manifest(tokenInBody, {
        head: { method: 'HEAD', path: '/v1/items' },
        raw: { method: 'POST', path: '/v1/raw', body_format: 'raw', body_template: 'bytes' },
        list: { method: 'POST', path: '/v1/items', body: ['a'] as unknown as Action['body'] },
        public: { method: 'GET', path: '/v1/public', apply_auth: false },
        fine: { method: 'PUT', path: '/v1/items', body: { a: 1 } },
        // A template string keeps the JSON type of what it renders: it may be an object, so only a request can tell.
        passed: { method: 'PATCH', path: '/v1/items', body: '{{ input.payload }}' as unknown as Action['body'], input: { type: 'object', properties: { payload: {} } } },
      }),
    );
    // A parsed object has no positions: the diagnostics come sorted by pointer.
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.pointer, d.message])).toEqual([
      ['/actions/head/method', 'a HEAD action carries no body, but /auth/apply/body puts the credential in the body'],
      ['/actions/list/body', 'the body is not a JSON object, so /auth/apply/body cannot add the credential to it'],
      ['/actions/raw/body_format', 'a raw body takes no fields, but /auth/apply/body puts the credential in the body'],
    ]);
  });
});

describe('a token in the body (apply.body)', () => {
  it('each attempt carries the current token; a rejected one is renewed once and the replay carries the new one', async () => {
    let issued = 0;
    const live = new Set<string>();
    api.routes.set('/oauth/token', (req, res, body) => {
      const form = new URLSearchParams(body);
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || form.get('client_secret') !== API_KEY) return sendJson(res, 401, { error: 'invalid_client' });
      const token = `body-token-canary-${++issued}`;
      registerSecret(token);
      live.add(token);
      sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    });
    api.routes.set('/v1/items', (req, res, body) => {
      const fields = JSON.parse(body) as Record<string, unknown>;
      parsed.push({ path: '/v1/items', contentType: req.headers['content-type'] ?? '', fields });
      const ok = typeof fields.access_token === 'string' && live.has(fields.access_token) && req.headers.authorization === undefined;
      sendJson(res, ok ? 200 : 401, { ok });
    });
    const auth: Authentication = {
      type: 'oauth2_client_credentials',
      token_url: `${api.origin}/oauth/token`,
      client_id: 'body-client',
      client_secret: '{{ credentials.api_key }}',
      allow_insecure_http: true,
      apply: { body: { access_token: '{{ auth.access_token }}' } },
    };
    const { connection, log } = await connect(auth, { create: { method: 'POST', path: '/v1/items', body: { name: 'x' } } });
    await connection.execute('create');
    live.clear(); // the API revokes every token: the next call is refused once
    await connection.execute('create');
    expect(parsed.map(({ fields }) => fields)).toEqual([
      { name: 'x', access_token: 'body-token-canary-1' },
      { name: 'x', access_token: 'body-token-canary-1' },
      { name: 'x', access_token: 'body-token-canary-2' },
    ]);
    expect(parsed.every(({ contentType }) => contentType === 'application/json')).toBe(true);
    expect([api.hits('/oauth/token'), api.hits('/v1/items')]).toEqual([2, 3]);
    expect(log.events.filter((event) => event.type === 'auth.token_rejected')).toHaveLength(1);
  });

  it('a body field that is no secret at all still never crosses origins on a redirect', async () => {
    const other = await startRouted({ '/v1/items': (_req, res) => sendJson(res, 200, {}) });
    try {
      api.routes.set('/v1/items', (_req, res) => {
        res.writeHead(308, { location: `${other.origin}/v1/items`, 'content-length': '0' });
        res.end();
      });
      // api_key is not marked x-secret here, so the redactor does not know it: the placement alone decides.
      const auth: Authentication = { type: 'bearer', token: 'static-token-canary', apply: { body: { account: '{{ credentials.api_key }}' } } };
      registerSecret('static-token-canary');
      const { connection } = await connect(auth, { create: { method: 'POST', path: '/v1/items', body: { name: 'x' } } }, []);
      const error = await rejection(connection.execute('create'));
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect([api.hits('/v1/items'), other.hits('/v1/items')]).toEqual([1, 0]);
    } finally {
      await other.close();
    }
  });
});
