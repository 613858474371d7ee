/**
 * The test kit's parts on their own: the fixture server's view of the token lifecycle, the
 * dispatchers (redirecting, recording), placeholders, the secret scrubber, routes, and the
 * validator's rules for scenarios.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createFixtureDispatcher, ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { createRecordingDispatcher } from '../../sdk/http/recording-dispatcher.js';
import type { TestRoutes } from '../../sdk/manifest/types.gen.js';
import { validateManifest } from '../../sdk/manifest/validate.js';
import { startFixtureServer, type FixtureServer } from '../../sdk/testkit/fixture-server.js';
import { PlaceholderFiller } from '../../sdk/testkit/placeholders.js';
import { compileRoute, routeOf } from '../../sdk/testkit/routes.js';
import { SecretScrubber } from '../../sdk/testkit/scrub.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

let clockMs = Date.UTC(2026, 0, 1);

async function server(routes: TestRoutes, extra: { tokenRoutes?: string[]; refreshRoute?: string; publicRoutes?: string[] } = {}): Promise<FixtureServer> {
  clockMs = Date.UTC(2026, 0, 1);
  const started = await startFixtureServer({
    routes,
    tokenRoutes: new Set(extra.tokenRoutes ?? []),
    refreshRoute: extra.refreshRoute,
    publicRoutes: new Set(extra.publicRoutes ?? []),
    expiredResponse: { status: 401, json: { error: 'invalid_token' } },
    now: () => clockMs,
    credentials: { client_secret: 'test-secret' },
  });
  cleanups.push(() => started.close());
  return started;
}

async function send(target: FixtureServer, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await request(`${target.origin}${path}`, { method: method as 'GET', body: options.body, headers: options.headers });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : undefined };
}

const TOKEN = { status: 200, json: { access_token: '{{access_token}}', refresh_token: '{{refresh_token}}', expires_in: 60, echo: '{{access_token}}' } };

describe('fixture server', () => {
  it('serves each route its responses in order, the last repeating; unknown routes are 404 and a violation', async () => {
    const target = await server({ 'GET /a': [{ status: 200, body: 'one' }, { status: 500, body: 'two' }], 'GET /items/*': [{ status: 200, json: { ok: true } }] });
    expect((await send(target, 'GET', '/a')).text).toBe('one');
    expect((await send(target, 'GET', '/a?x=1')).status).toBe(500);
    expect((await send(target, 'GET', '/a')).status).toBe(500);
    expect((await send(target, 'GET', '/items/42')).json).toEqual({ ok: true });
    expect((await send(target, 'POST', '/a')).status).toBe(404);
    expect(target.requests.map((r) => [r.route ?? '-', r.status])).toEqual([
      ['GET /a', 200],
      ['GET /a', 500],
      ['GET /a', 500],
      ['GET /items/*', 200],
      ['-', 404],
    ]);
    expect(target.violations).toEqual(['request 5: no response is declared for POST /a: add it to responses (or record it)']);
  });

  it('mints fresh tokens per response (the same one throughout a response) and checks them on other routes', async () => {
    const target = await server({ 'POST /token': [TOKEN], 'GET /api': [{ status: 200, json: { ok: true } }], 'GET /public': [{ status: 200, body: 'hi' }] }, { tokenRoutes: ['POST /token'], publicRoutes: ['GET /public'] });
    const first = (await send(target, 'POST', '/token')).json!;
    expect(first.access_token).toMatch(/^at1_[0-9a-f]{24}$/);
    expect(first.echo).toBe(first.access_token);
    const second = (await send(target, 'POST', '/token')).json!;
    expect(second.access_token).not.toBe(first.access_token);
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    expect((await send(target, 'GET', '/api', bearer(first.access_token))).status).toBe(200);
    expect((await send(target, 'GET', '/api')).status).toBe(401);
    expect((await send(target, 'GET', '/public')).status).toBe(200);
    clockMs += 61_000;
    expect((await send(target, 'GET', '/api', bearer(first.access_token))).status).toBe(401);
    const third = (await send(target, 'POST', '/token')).json!;
    expect((await send(target, 'GET', `/api?access_token=${third.access_token}`)).status).toBe(200);
    target.expireTokens();
    expect((await send(target, 'GET', '/api', { body: `token=${third.access_token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(401);
    expect(target.requests.filter((r) => r.note).map((r) => [r.seq, r.note])).toEqual([
      [4, 'no token'],
      [6, 'expired token'],
      [9, 'expired token'],
    ]);
  });

  it('tells refreshes from authorizations, refuses a rotated refresh token presented again, and a refresh without one', async () => {
    const target = await server({ 'POST /token': [TOKEN], 'POST /refresh': [TOKEN] }, { tokenRoutes: ['POST /token', 'POST /refresh'], refreshRoute: 'POST /refresh' });
    const issued = (await send(target, 'POST', '/token')).json!;
    const refreshed = await send(target, 'POST', '/refresh', { body: `refresh_token=${issued.refresh_token}` });
    expect(refreshed.status).toBe(200);
    const reused = await send(target, 'POST', '/refresh', { body: `refresh_token=${issued.refresh_token}` });
    expect(reused.status).toBe(400);
    expect(reused.json).toEqual({ error: 'invalid_grant', error_description: 'connector test: this refresh token was already used' });
    const bodiless = await send(target, 'POST', '/refresh');
    expect(bodiless.json?.error).toBe('invalid_request');
    expect(target.requests.map((r) => [r.kind, r.note ?? ''])).toEqual([
      ['authorization', ''],
      ['refresh', ''],
      ['refresh', 'rotated refresh token'],
      ['refresh', 'no refresh token'],
    ]);
    expect(target.violations).toEqual([
      'request 3 (POST /refresh) presented a refresh token that was already exchanged for a new one: a server that rotates refresh tokens revokes the grant when one is reused',
    ]);
  });

  it('a token in a Set-Cookie lives as long as its Max-Age', async () => {
    const target = await server(
      { 'POST /logon': [{ status: 200, set_cookies: ['SESSION={{access_token}}; max-age=100; path=/', 'OTHER={{cookie:OTHER}}; path=/'] }], 'GET /api': [{ status: 200, body: 'ok' }] },
      { tokenRoutes: ['POST /logon'] },
    );
    const logon = await send(target, 'POST', '/logon');
    const cookies = [logon.headers['set-cookie']].flat().map((line) => String(line).split(';')[0]);
    expect(cookies[1]).toMatch(/^OTHER=ck1_[0-9a-f]{24}$/);
    const header = { headers: { cookie: cookies.join('; ') } };
    expect((await send(target, 'GET', '/api', header)).status).toBe(200);
    clockMs += 101_000;
    expect((await send(target, 'GET', '/api', header)).status).toBe(401);
  });
});

describe('dispatchers', () => {
  it('the fixture dispatcher sends every host to the local server and names the original origin', async () => {
    const seen: [string | undefined, string | undefined, string | undefined][] = [];
    const local = createServer((req, res) => {
      seen.push([req.url, req.headers.host, req.headers[ORIGIN_HEADER] as string | undefined]);
      res.end('ok');
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => local.close(resolve)));
    const origin = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    const redirect = createFixtureDispatcher(origin);
    cleanups.push(() => redirect.close());
    const response = await request('https://api.example.com:8443/v1/x?y=1', { dispatcher: redirect.dispatcher, headers: { accept: 'text/plain' } });
    expect(await response.body.text()).toBe('ok');
    expect(seen).toEqual([['/v1/x?y=1', origin.slice(7), 'https://api.example.com:8443']]);
  });

  it('the recording dispatcher keeps request and response, the body up to its cap', async () => {
    const local = createServer((req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end('x'.repeat(100));
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => local.close(resolve)));
    const origin = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    const recording = createRecordingDispatcher({ maxBodyBytes: 10, allowPrivateNetwork: true });
    cleanups.push(() => recording.close());
    const response = await request(`${origin}/p?q=1`, { method: 'POST', body: 'hello', headers: { 'X-Key': 'v' }, dispatcher: recording.dispatcher });
    expect(await response.body.text()).toHaveLength(100);
    const [exchange] = recording.exchanges;
    expect(exchange?.request).toMatchObject({ method: 'POST', origin, path: '/p?q=1', headers: { 'x-key': 'v' } });
    expect(String(exchange?.request.body)).toBe('hello');
    expect(exchange?.response).toMatchObject({ status: 200, truncated: true, headers: { 'set-cookie': ['a=1', 'b=2'] } });
    expect(exchange?.response?.body.toString()).toBe('x'.repeat(10));
  });
});

describe('placeholders, scrubbing, routes', () => {
  it('fills tokens, cookies, credentials and clock values', () => {
    const filler = new PlaceholderFiller(Date.UTC(2026, 0, 1), { client_secret: 'test-secret' }, 7);
    const text = filler.text('{{access_token}} {{ access_token }} {{refresh_token}} {{cookie:SID}} {{secret:client_secret}} {{now}} {{now+60}} {{http_date+3600}} {{unknown}}');
    const [a, b, r, c, ...rest] = text.split(' ');
    expect(a).toMatch(/^at7_/);
    expect(b).toBe(a);
    expect(r).toMatch(/^rt7_/);
    expect(c).toMatch(/^ck7_/);
    expect(rest.join(' ')).toBe('test-secret 1767225600 1767225660 Thu, 01 Jan 2026 01:00:00 GMT {{unknown}}');
    expect(filler.minted).toEqual({ accessToken: a, refreshToken: r, cookies: new Map([['SID', c]]) });
  });

  it('the scrubber replaces secrets raw and encoded, never inside a placeholder, and reports what is left', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('tok_1234567890', '{{access_token}}');
    scrubber.add('p@ss word&', '{{secret:password}}');
    scrubber.add('ab', '{{too_short}}');
    expect(scrubber.text('Bearer tok_1234567890')).toBe('Bearer {{access_token}}');
    expect(scrubber.text('password=p%40ss+word%26&x=1')).toBe('password={{secret:password}}&x=1');
    expect(scrubber.text('{"p":"p@ss word&"}')).toBe('{"p":"{{secret:password}}"}');
    expect(scrubber.text(Buffer.from('p@ss word&').toString('base64'))).toBe('{{secret:password}}');
    scrubber.add('access', '{{secret:word}}');
    expect(scrubber.text('{{access_token}} access')).toBe('{{access_token}} {{secret:word}}');
    expect(scrubber.leaks('x tok_1234567890 y')).toEqual(['{{access_token}}']);
    expect(scrubber.leaks('{{access_token}}')).toEqual([]);
  });

  it('routes: method and path, query ignored, * for one segment, decoded', () => {
    expect(routeOf('GET', '/a/b%20c?x=1')).toBe('GET /a/b c');
    expect(compileRoute('GET /a/*/c').matches('GET', '/a/b/c?z')).toBe(true);
    expect(compileRoute('GET /a/*/c').matches('GET', '/a//c')).toBe(false);
    expect(compileRoute('GET /a/*/c').matches('POST', '/a/b/c')).toBe(false);
    expect(compileRoute('GET /a/b c').matches('GET', '/a/b%20c')).toBe(true);
  });
});

describe('validating scenarios', () => {
  const base = {
    id: 'x',
    name: 'X',
    version: '1.0.0',
    base_url: 'https://api.example.com',
    auth: { type: 'none' },
    actions: { 'get-item': { method: 'GET', path: '/item' } },
  };
  const errors = (tests: unknown) =>
    validateManifest({ ...base, tests })
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => [d.pointer, d.message, d.hint ?? '']);

  it('accepts a complete scenario', () => {
    expect(
      errors([
        {
          name: 'ok',
          credentials: {},
          responses: { 'GET /item': [{ status: 200, json: [1] }] },
          steps: [{ call: 'get-item', concurrent: 2 }, { advance: 10 }, { respond: { 'GET /item': [{ status: 500, body: 'x' }] } }, { expire_tokens: true }],
          expect: { requests: { 'GET /item': 3 }, tokens: { authorizations: 0 }, events: ['request'] },
        },
      ]),
    ).toEqual([]);
  });

  it('an unknown action, a step doing two things, a duplicate name, two bodies, a bad route, a call option without call', () => {
    expect(
      errors([
        { name: 'a', credentials: {}, steps: [{ call: 'get-itme' }, { call: 'get-item', advance: 5 }] },
        { name: 'a', credentials: {}, responses: { 'GET /item': [{ status: 200, json: {}, body: 'x' }], 'get /x': [{ status: 200 }] }, steps: [{ input: {} }] },
      ]),
    ).toEqual([
      ['/tests/0/steps/0/call', 'action "get-itme" is not declared in actions', 'did you mean "get-item"?'],
      ['/tests/0/steps/1', 'a step does one thing, this one call and advance', 'split it into 2 steps, in the order they should happen'],
      ['/tests/1/name', 'scenario name "a" is already used by tests[0]', 'give every scenario its own name: --scenario picks one by name'],
      ['/tests/1/responses/GET ~1item/0/body', 'a response has one body: json and body are both given', 'keep json (sent as JSON), body (text) or body_base64 (binary)'],
      ['/tests/1/responses/get ~1x', expect.stringContaining('"get /x" is not a valid name in responses: it must match'), expect.any(String)],
      ['/tests/1/steps/0', '"input" needs "call" as well', 'Id of the action to execute. The call must succeed unless expect_error names how it fails.'],
      ['/tests/1/steps/0', 'the step does nothing: give it call, authorize, advance, respond or expire_tokens', ''],
    ]);
  });
});
