/**
 * Hostile Liquid templates (cases 30–35): prototype names as variables, filters and tags, the
 * `valueOf` RCE of liquidjs < 10.26, file tags, runaway loops and allocations, deep nesting; and
 * hostile values in well-meant templates (input that looks like a template, passwords that
 * look like JSON, CRLF in a header). Errors come within bounded time, no file is read, no
 * internals are printed, Object.prototype stays as it was (checked after every test).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Connector,
  loadConnector,
  RequestRefusedError,
  TemplateError,
  validateManifest,
  type ConnectorManifest,
} from '../../sdk/index.js';
import { compileTemplate } from '../../sdk/template/liquid.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';
import { apiKeyCredentials, apiKeyManifest, CANARY, registerCanaries } from './support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from './support/servers.js';

registerCanaries();

const PROTOTYPE_NAMES = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype),
    ...['call', 'apply', 'bind', 'prototype', 'caller', 'arguments', 'then'],
  ]),
];

const SCOPE = { credentials: { api_key: CANARY.apiKey, tenant_secret: CANARY.tenantSecret }, input: { q: 'x' }, env: 'live', now: 1 };

/** A manifest whose shared header is the template under test. */
function headerTemplate(template: string): ConnectorManifest {
  return apiKeyManifest('https://api.example.com', { headers: { 'X-Test': template } });
}

function renderError(template: string): TemplateError {
  let caught: unknown;
  try {
    compileTemplate(template, '/t').render(SCOPE);
  } catch (error) {
    caught = error;
  }
  expect(caught, template).toBeInstanceOf(TemplateError);
  return caught as TemplateError;
}

describe('prototype names (case 30)', () => {
  it.each(PROTOTYPE_NAMES)('"%s" as a filter, a tag and a variable: refused at validation and at render', (name) => {
    for (const template of [`{{ credentials.api_key | ${name} }}`, `{% ${name} %}`, `{{ credentials.${name} }}`, `{{ credentials.api_key.${name} }}`]) {
      // The validator knows filters, tags and the declared credentials; a property of a string
      // credential is left to the engine, which reads own properties only and refuses the rest.
      if (!template.startsWith('{{ credentials.api_key.')) {
        const result = validateManifest(headerTemplate(template));
        expect(result.valid, template).toBe(false);
        expect(result.diagnostics.some((d) => d.pointer === '/headers/X-Test'), template).toBe(true);
      }
      const error = renderError(template);
      // Messages name the template position, never a value or an engine object.
      expect(error.message).not.toContain(CANARY.apiKey);
      expect(error.message).not.toMatch(/\[object |function |=>|native code/);
    }
  });

  it('{{ x | valueOf }} (liquidjs < 10.26 RCE) leaks no context, liquid or fs object', () => {
    const result = validateManifest(headerTemplate('{{ credentials | valueOf }}'));
    expect(result.diagnostics.find((d) => d.pointer === '/headers/X-Test')?.message).toMatch(/undefined filter: valueOf/);
    expect(renderError('{{ credentials | valueOf }}').message).toMatch(/undefined filter: valueOf/);
  });

  it('a host that skips validation still gets a TemplateError at the first render, no request is sent', async () => {
    const api = await startRouted({ '/x': (_req, res) => sendJson(res, 200, { ok: true }) });
    try {
      const connector = new Connector(
        apiKeyManifest(api.origin, { actions: { get: { method: 'GET', path: '/x', headers: { 'X-Leak': '{{ credentials.constructor }}' } } } }),
      );
      const connection = connector.connect({ connectionId: 'proto', credentials: apiKeyCredentials, allowPrivateNetwork: true });
      const error = await rejection(connection.execute('get'));
      expect(error).toBeInstanceOf(TemplateError);
      expect(error.message).toMatch(/undefined variable: credentials\.constructor/);
      expect(api.received).toEqual([]);
      await connector.close();
    } finally {
      await api.close();
    }
  });
});

describe('file tags (case 31)', () => {
  let dir: string;
  const FILE_CANARY = 'SECRET-canary-file-contents-0c4e';
  beforeAll(async () => {
    registerSecret(FILE_CANARY);
    dir = await mkdtemp(join(tmpdir(), 'liquid-files-'));
    await writeFile(join(dir, 'leak.liquid'), FILE_CANARY);
    await writeFile(join(dir, '.env'), FILE_CANARY);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['include of an absolute path', () => `{% include '${join(dir, 'leak.liquid')}' %}`],
    ['include of /etc/passwd', () => "{% include '/etc/passwd' %}"],
    ['render of a relative path', () => `{% render '${join(dir, '..', dir.split('/').at(-1) ?? '', '.env')}' %}`],
    ['render of ../../.env', () => "{% render '../../.env' %}"],
    ['layout', () => `{% layout '${join(dir, 'leak.liquid')}' %}x`],
    ['include with a variable name', () => '{% include credentials.api_key %}'],
  ])('%s → refused at validation and compile; the file is never read', (_name, template) => {
    const source = template();
    const result = validateManifest(headerTemplate(source));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.find((d) => d.pointer === '/headers/X-Test')?.message).toMatch(/is not available in connector templates/);
    let output = '';
    try {
      output = compileTemplate(source, '/t').render(SCOPE);
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as Error).message).not.toContain(FILE_CANARY);
    }
    expect(output).not.toContain(FILE_CANARY);
  });
});

describe('runaway templates (case 32) and deep nesting', () => {
  let api: RoutedServer;
  beforeAll(async () => {
    api = await startRouted({ '/x': (_req, res) => sendJson(res, 200, { data: 'ok' }) });
  });
  afterEach(() => api.reset());
  afterAll(async () => {
    await api.close();
  });

  const RUNAWAY: [string, string, RegExp][] = [
    ['a range of 100 000 000', '{% for i in (1..100000000) %}{{ i }}{% endfor %}', /memory alloc limit exceeded|render limit exceeded/],
    ['an empty loop of 100 000 000', '{% for i in (1..100000000) %}{% endfor %}', /memory alloc limit exceeded|render limit exceeded/],
    ['nested loops (9 000 000 iterations)', '{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}', /render limit exceeded|memory alloc limit/],
    ['a million outputs', '{% for i in (1..999999) %}x{% endfor %}', /render limit exceeded|memory alloc limit/],
    [
      'the doubling append',
      '{% assign s = "ab" %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
      /memory alloc limit exceeded/,
    ],
    [
      'the doubling concat',
      '{% assign a = "x,y" | split: "," %}{% for i in (1..64) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}',
      // On a loaded machine the render time limit may fire before the memory limit: either stops it.
      /memory alloc limit exceeded|render limit exceeded/,
    ],
    ['a huge strftime width', '{{ now | date: "%100000000Y" }}', /memory alloc limit exceeded/],
  ];

  it.each(RUNAWAY)('%s → TemplateError, stopped by the limits, nothing sent; the connection stays responsive', async (_name, template, reason) => {
    const connector = await loadConnector(
      apiKeyManifest(api.origin, {
        actions: {
          runaway: { method: 'POST', path: '/x', body_template: template, body_format: 'raw' },
          ok: { method: 'GET', path: '/x', output: '$.data' },
        },
      }),
    );
    const connection = connector.connect({ connectionId: 'runaway', credentials: apiKeyCredentials, allowPrivateNetwork: true });
    const started = Date.now();
    const error = await rejection(connection.execute('runaway'));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.message).toMatch(reason);
    expect(api.received).toEqual([]);
    expect((await connection.execute('ok')).data).toBe('ok');
    await connector.close();
  });

  it('deep nesting: 3 000 nested ifs render or fail cleanly; 10 000 nested parentheses and 100 000 characters are refused', () => {
    const started = Date.now();
    const nestedIfs = '{%if true%}'.repeat(3000) + 'x' + '{%endif%}'.repeat(3000);
    let output: string | undefined;
    try {
      output = compileTemplate(nestedIfs, '/t').render(SCOPE);
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
    }
    if (output !== undefined) expect(output).toBe('x');
    for (const template of [`{{ ${'('.repeat(10_000)}1${')'.repeat(10_000)} }}`, `{{ credentials.api_key${' | append: "x"'.repeat(10_000)} }}`]) {
      expect(validateManifest(headerTemplate(template)).valid).toBe(false);
      expect(() => compileTemplate(template, '/t')).toThrow(TemplateError);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('hostile values in ordinary templates (cases 33, 34)', () => {
  let api: RoutedServer;
  beforeAll(async () => {
    api = await startRouted({
      '/items': (_req, res) => sendJson(res, 200, { data: 'ok' }),
      '/token': (_req, res) => sendJson(res, 200, { access_token: 'tok-canary-template-9d1', token_type: 'Bearer', expires_in: 600 }),
    });
    registerSecret('tok-canary-template-9d1');
  });
  afterEach(() => api.reset());
  afterAll(async () => {
    await api.close();
  });

  it('input that looks like a template is sent literally: one rendering pass, no secret reaches the request', async () => {
    const trap = '{{ credentials.api_key }}{% for c in credentials %}{{ c }}{% endfor %}';
    const connector = await loadConnector(
      apiKeyManifest(api.origin, {
        actions: {
          post: {
            method: 'POST',
            path: '/items',
            query: { q: '{{ input.name }}' },
            headers: { 'X-Name': '{{ input.name }}' },
            body: { name: '{{ input.name }}', nested: ['{{ input.name }}'] },
            output: '$.data',
            input: { type: 'object', properties: { name: { type: 'string' } } },
          },
        },
      }),
    );
    const connection = connector.connect({ connectionId: 'literal', credentials: apiKeyCredentials, allowPrivateNetwork: true });
    await connection.execute('post', { name: trap });
    const received = api.received[0]!;
    expect(JSON.parse(received.body)).toEqual({ name: trap, nested: [trap] });
    expect(new URL(received.url, 'http://x').searchParams.get('q')).toBe(trap);
    expect(received.headers['x-name']).toBe(trap);
    // The only place the API key may appear is its own header.
    const { ['x-api-key']: _key, ...otherHeaders } = received.headers;
    expect(JSON.stringify([otherHeaders, received.body, received.url])).not.toContain(CANARY.apiKey);
    await connector.close();
  });

  const NASTY = `p"a\\ss\nword", "admin": true, "x": "\u2028</script>`;

  it('a password with quotes, backslashes and newlines arrives exact in JSON bodies: no field injection', async () => {
    registerSecret(NASTY);
    const connector = await loadConnector({
      id: 'json-body',
      name: 'JSON body',
      version: '1.0.0',
      base_url: api.origin,
      credentials: { type: 'object', properties: { user: { type: 'string' }, password: { type: 'string', 'x-secret': true } } },
      auth: {
        type: 'refreshable_token',
        authorization_request_url: `${api.origin}/token`,
        authorization_request_body_template: '{"user": {{ credentials.user | json }}, "password": {{ credentials.password | json }}}',
        authorization_request_headers: { 'Content-Type': 'application/json' },
        response_access_token_path: 'access_token',
      },
      actions: {
        post: {
          method: 'POST',
          path: '/items',
          body: { password: '{{ credentials.password }}', note: 'pw={{ credentials.password }}' },
          output: '$.data',
        },
      },
    });
    const connection = connector.connect({ connectionId: 'nasty', credentials: { user: 'u', password: NASTY }, allowPrivateNetwork: true });
    await connection.execute('post');
    const login = JSON.parse(api.on('/token')[0]!.body) as Record<string, unknown>;
    expect(login).toEqual({ user: 'u', password: NASTY });
    const body = JSON.parse(api.on('/items')[0]!.body) as Record<string, unknown>;
    expect(body).toEqual({ password: NASTY, note: `pw=${NASTY}` });
    expect(Object.keys(body)).not.toContain('admin');
    await connector.close();
  });

  // undici refuses these before it writes a byte; the SDK's message names the header (a host's dispatcher gets the same check first).
  it.each([
    ['CRLF', `value\r\nX-Injected: ${CANARY.tenantSecret}`, 'contains a line break or NUL', false],
    ['NUL', `value\0${CANARY.tenantSecret}`, 'contains a line break or NUL', false],
    ['a character beyond Latin-1', `value€${CANARY.tenantSecret}`, 'contains a control character or a character beyond Latin-1', false],
    ['CRLF, through a host-supplied dispatcher', `value\r\nX-Injected: ${CANARY.tenantSecret}`, 'contains a line break or NUL', true],
  ])('%s in a header value → RequestRefusedError naming the header, never the value; nothing is sent', async (_case, injected, reason, ownDispatcher) => {
    const dispatcher = ownDispatcher ? new Agent() : undefined;
    const connector = await loadConnector(
      apiKeyManifest(api.origin, {
        actions: {
          get: {
            method: 'GET',
            path: '/items',
            headers: { 'X-User': '{{ input.user }}' },
            input: { type: 'object', properties: { user: { type: 'string' } } },
          },
        },
      }),
    );
    const connection = connector.connect({ connectionId: 'crlf', credentials: apiKeyCredentials, allowPrivateNetwork: true, ...(dispatcher && { dispatcher }) });
    const error = await rejection(connection.execute('get', { user: injected }));
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error.message).toContain(`the value of header "X-User" ${reason}`);
    expect(error.message).not.toContain('X-Injected');
    expect(error.message).not.toContain(CANARY.tenantSecret);
    expect(api.received).toEqual([]);
    await connector.close();
    await dispatcher?.close();
  });
});
