/**
 * Issue 15, leaks 2–5: the paths an independent attack found. Each test builds the exact
 * situation against a loopback server and then looks at everything the host can see of the
 * failure — message, stack, every cause, every own field, JSON.stringify, util.inspect, events —
 * for the secret in every encoding the SDK or a server may produce (the list here is the test's
 * own, not the SDK's).
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, loadConnector, NetworkError, ReauthorizationRequired, TokenResponseError } from '../../sdk/index.js';
import { Redactor } from '../../sdk/redact.js';
import { eventLog, record, registerSecret } from '../helpers/secret-scan.js';
import { fields, manifest } from './support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from './support/servers.js';

/** Characters URLSearchParams escapes and encodeURIComponent does not, a space, a slash and non-ASCII. */
const FORM_SECRET = "SECRET-form!'()~ canary/é-9b2";
const QUERY_SECRET = 'SECRET-query-tenant-canary-41c7';
const EXCERPT_SECRET = 'SECRET-excerpt-canary-0d3e9a71';
const KEY_SECRET = 'SECRET-keyname-canary-c55a';
registerSecret(FORM_SECRET, QUERY_SECRET, EXCERPT_SECRET, KEY_SECRET);

/** Every form a secret may take in a message, a body or a header, computed independently of the SDK. */
function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    new URLSearchParams({ v: secret }).toString().slice(2),
    json,
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ];
}

/** Everything a host may look at of an error, as one text per view. */
function views(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    out.push(current.message, current.stack ?? '', JSON.stringify(current), inspect(current, { depth: 10 }));
    current = current.cause;
  }
  return out;
}

function expectClean(texts: string[], secret: string): void {
  for (const text of texts) for (const form of encodingsOf(secret)) expect(text).not.toContain(form);
}

let api: RoutedServer;
beforeAll(async () => {
  api = await startRouted();
});
afterAll(async () => {
  await api.close();
});

describe('the form encoding the SDK itself produces (leak 2)', () => {
  const credentials = { client_id: 'client-form', client_secret: FORM_SECRET };
  const connectorFor = () =>
    loadConnector(
      manifest(
        api.origin,
        { type: 'oauth2_client_credentials', token_url: `${api.origin}/token`, client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' },
        fields(['client_id', 'client_secret'], ['client_secret']),
      ),
    );

  it.each([
    ['a refusal (invalid_client) that echoes the form body', 401, 'invalid_client'],
    ['a malformed-request answer (invalid_request) that echoes it', 400, 'invalid_request'],
  ])('%s: the client secret is in no encoding of the error or the events', async (_name, status, code) => {
    let received = '';
    api.routes.set('/token', (_req, res, body) => {
      received = body;
      sendJson(res, status, { error: code, error_description: `you sent ${body}`, echo: body });
    });
    const log = eventLog();
    const connector = await connectorFor();
    const connection = connector.connect({ connectionId: `form-${status}`, credentials, onEvent: log.listener, allowPrivateNetwork: true, allowInsecureHttp: true });
    const error = await connection.execute('get').catch((caught: unknown) => caught);
    record(error);
    // The server really got the secret in URLSearchParams form: the case is the real one.
    expect(received).toContain(new URLSearchParams({ v: FORM_SECRET }).toString().slice(2));
    expect(error).toBeInstanceOf(Error);
    expectClean([...views(error), ...log.events.map((event) => JSON.stringify(event))], FORM_SECRET);
    if (status === 401) expect(log.events.map((event) => event.type)).toContain('auth.reauthorization_required');
    await connector.close();
  });
});

describe('structured fields (leak 3)', () => {
  it('NetworkError.url of an action whose query holds an x-secret credential is masked in every field', async () => {
    const closed = await startRouted();
    const origin = closed.origin;
    await closed.close();
    const connector = await loadConnector(
      manifest(origin, { type: 'none' }, fields(['tenant'], ['tenant']), {
        actions: { get: { method: 'GET', path: '/api/data', query: { tenant: '{{ credentials.tenant }}' } } },
      }),
    );
    const connection = connector.connect({ connectionId: 'net-url', credentials: { tenant: QUERY_SECRET }, allowPrivateNetwork: true });
    const error = await connection.execute('get').catch((caught: unknown) => caught);
    record(error);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).url).toContain('/api/data?tenant=');
    expectClean(views(error), QUERY_SECRET);
    await connector.close();
  });
});

describe('the cause chain (leak 4)', () => {
  it('a token answer whose key is a secret: not in the message, the stack, any field or util.inspect', async () => {
    api.routes.set('/login-keys', (_req, res) => sendJson(res, 200, { [KEY_SECRET]: true, status: 'ok' }));
    const connector = await loadConnector(
      manifest(
        api.origin,
        {
          type: 'refreshable_token',
          authorization_request_url: `${api.origin}/login-keys`,
          authorization_request_method: 'POST',
          authorization_request_headers: { 'Content-Type': 'application/json' },
          authorization_request_body_template: '{"k": {{ credentials.k | json }}}',
          response_access_token_path: 'access_token',
        },
        fields(['k'], ['k']),
      ),
    );
    const connection = connector.connect({ connectionId: 'keys', credentials: { k: KEY_SECRET }, allowPrivateNetwork: true });
    const error = await connection.execute('get').catch((caught: unknown) => caught);
    record(error);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect((error as Error).message).toContain('top-level keys: [REDACTED], status');
    expectClean(views(error), KEY_SECRET);
    await connector.close();
  });

  it('ReauthorizationRequired: the refused authorization in its cause is cleaned too (message, stack, fields)', async () => {
    api.routes.set('/login-refused', (_req, res, body) => sendJson(res, 401, { message: `bad ${body}` }));
    const connector = await loadConnector(
      manifest(
        api.origin,
        {
          type: 'refreshable_token',
          authorization_request_url: `${api.origin}/login-refused`,
          authorization_request_method: 'POST',
          authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          authorization_request_body_template: 'k={{ credentials.k | url_encode }}',
          response_access_token_path: 'access_token',
        },
        fields(['k'], ['k']),
      ),
    );
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'chain', credentials: { k: FORM_SECRET }, onEvent: log.listener, allowPrivateNetwork: true });
    const error = await connection.execute('get').catch((caught: unknown) => caught);
    record(error);
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expectClean([...views(error), ...log.events.map((event) => JSON.stringify(event))], FORM_SECRET);
    await connector.close();
  });

  it('Redactor.redactError walks causes, AggregateError.errors and own fields, in place', () => {
    const redactor = new Redactor();
    redactor.add(FORM_SECRET);
    const inner = Object.assign(new Error(`deep ${FORM_SECRET}`), { body: { echo: encodeURIComponent(FORM_SECRET) } });
    const aggregate = new AggregateError([new Error(`one ${Buffer.from(FORM_SECRET).toString('base64')}`)], 'many');
    const top = new Error('top', { cause: new Error('middle', { cause: inner }) });
    Object.assign(top, { url: `https://x.test/?q=${new URLSearchParams({ v: FORM_SECRET }).toString().slice(2)}`, aggregate });
    expect(redactor.redactError(top)).toBe(top);
    expectClean(views(top), FORM_SECRET);
    expectClean([inspect(aggregate, { depth: 5 })], FORM_SECRET);
    expect(inner.message).toBe('deep [REDACTED]');
  });
});

describe('excerpts (leak 5)', () => {
  it('a secret that starts just before the 2 KB cut leaves none of its characters in HttpError.body', async () => {
    const padding = 'x'.repeat(2040);
    api.routes.set('/api/excerpt', (_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`${padding}${EXCERPT_SECRET} and more after it`);
    });
    const connector = await loadConnector(
      manifest(api.origin, { type: 'api_key', in: 'header', name: 'X-Key', value: '{{ credentials.k }}' }, fields(['k'], ['k']), {
        actions: { get: { method: 'GET', path: '/api/excerpt', response_format: 'text' } },
      }),
    );
    const connection = connector.connect({ connectionId: 'excerpt', credentials: { k: EXCERPT_SECRET }, allowPrivateNetwork: true });
    const error = await connection.execute('get').catch((caught: unknown) => caught);
    record(error);
    expect(error).toBeInstanceOf(HttpError);
    const body = String((error as HttpError).body);
    expect(body.startsWith(padding)).toBe(true);
    expect(body.length).toBeLessThanOrEqual(2048);
    // Not even the head of the secret: its first 4 characters after the padding would be a leak.
    expect(body.slice(padding.length)).not.toContain(EXCERPT_SECRET.slice(0, 4));
    expect(body.slice(padding.length)).toBe('[REDACTE');
    await connector.close();
  });
});
