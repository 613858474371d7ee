/**
 * The auth stage (sdk/runtime/apply-auth.ts) alone, with real auth strategies and compiled
 * actions over a recording terminal: the credential in a header, the query, a cookie (joined with
 * the record's jar) or the body by its format — JSON members replaced or spliced in as written,
 * form fields, multipart parts — refusals naming the manifest field and never the value, and
 * apply_auth: false leaving the request alone.
 */
import { describe, expect, it } from 'vitest';
import { createAuthStrategy } from '../../sdk/auth/index.js';
import type { HttpResponse } from '../../sdk/http/http-client.js';
import type { Action, Authentication } from '../../sdk/manifest/types.gen.js';
import { compileAction } from '../../sdk/runtime/action.js';
import type { ActionRequest } from '../../sdk/runtime/action-request.js';
import { applyAuth } from '../../sdk/runtime/apply-auth.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';

const KEY = 'key-8e1b';
const scope = { credentials: { key: KEY }, env: 'live' };

async function apply(auth: Authentication, action: Action, body?: ActionRequest['body'], record?: TokenRecord): Promise<ActionRequest> {
  const received: ActionRequest[] = [];
  const url = new URL('http://127.0.0.1:1/api/items?page=2');
  const send = applyAuth(createAuthStrategy(auth), () => 0)(async (request) => {
    received.push(request);
    return { status: 200, headers: {}, body: Buffer.from(''), url, setCookies: [], redirects: [], redirectSetCookies: [], request } as HttpResponse;
  });
  const request = {
    call: { action: compileAction('items', action), scope, origin: url.origin, ...(record ? { record } : {}) },
    method: action.method,
    url,
    headers: {},
    ...(body === undefined ? {} : { body }),
    maxRedirects: 3,
    responseType: 'buffer',
  } as ActionRequest;
  await send(request);
  expect(received).toHaveLength(1);
  return received[0]!;
}

const key = (place: 'header' | 'query' | 'body'): Authentication => ({ type: 'api_key', in: place, name: 'api_key', value: '{{ credentials.key }}' });
const get: Action = { method: 'GET', path: '/items' };
const post = (format?: Action['body_format']): Action => ({ method: 'POST', path: '/items', ...(format ? { body_format: format } : {}) });

describe('applyAuth', () => {
  it('puts the key in a header, or in the query after the action\'s own parameters', async () => {
    expect((await apply(key('header'), get)).headers).toEqual({ api_key: KEY });
    expect((await apply(key('query'), get)).url.search).toBe(`?page=2&api_key=${KEY}`);
  });

  it('one stage, many requests: each carries its credentials once, one sent from below while another passes too', async () => {
    const received: ActionRequest[] = [];
    const cookieStrategy = createAuthStrategy({ type: 'api_key', in: 'cookie', name: 'k', value: '{{ credentials.key }}' });
    const queryStrategy = createAuthStrategy(key('query'));
    const requestOf = (page: number): ActionRequest => {
      const url = new URL(`http://127.0.0.1:1/api/items?page=${page}`);
      return { call: { action: compileAction('items', get), scope, origin: url.origin }, method: 'GET', url, headers: {}, maxRedirects: 3, responseType: 'buffer' } as ActionRequest;
    };
    const terminal = async (request: ActionRequest): Promise<HttpResponse> => {
      received.push(request);
      // A listener below the stage may start another call at once: the stage is not in use by then.
      if (request.url.searchParams.get('page') === '1') void send(requestOf(9));
      return { status: 200, headers: {}, body: Buffer.from(''), url: request.url, setCookies: [], redirects: [], redirectSetCookies: [], request } as HttpResponse;
    };
    const send = applyAuth(queryStrategy, () => 0)(terminal);
    const cookies = applyAuth(cookieStrategy, () => 0)(terminal);
    for (const page of [1, 2, 3]) await send(requestOf(page));
    for (const page of [4, 5]) await cookies(requestOf(page));
    expect(received.map((request) => request.url.search)).toEqual([`?page=1&api_key=${KEY}`, `?page=9&api_key=${KEY}`, `?page=2&api_key=${KEY}`, `?page=3&api_key=${KEY}`, '?page=4', '?page=5']);
    expect(received.slice(4).map((request) => request.headers)).toEqual([{ cookie: `k=${KEY}` }, { cookie: `k=${KEY}` }]);
  });

  it('the record\'s cookie jar goes along for the URL', async () => {
    const record = { accessToken: 't', version: 1, extras: {}, cookies: [{ name: 'SESSION', value: 's-1', domain: '127.0.0.1', hostOnly: true, path: '/', secure: false, httpOnly: true, sameSite: undefined, expires: undefined }] } as unknown as TokenRecord;
    expect((await apply(key('header'), get, undefined, record)).headers).toEqual({ api_key: KEY, cookie: 'SESSION=s-1' });
  });

  it('in the body: spliced into a JSON object as written, replacing a member of the same name', async () => {
    const spliced = await apply(key('body'), post(), '{"big":12345678901234567890}');
    expect(spliced.body).toBe(`{"big":12345678901234567890,"api_key":"${KEY}"}`);
    const replaced = await apply(key('body'), post(), '{"api_key":"old","__proto__":{"x":1}}');
    expect(JSON.parse(replaced.body as string)).toEqual(JSON.parse(`{"api_key":"${KEY}","__proto__":{"x":1}}`));
    expect(Object.getPrototypeOf(JSON.parse(replaced.body as string))).toBe(Object.prototype);
  });

  it('a bodiless POST gets a body of just the field, with its content type; a form body gets the field appended', async () => {
    const json = await apply(key('body'), post());
    expect([json.body, json.headers['content-type']]).toEqual([`{"api_key":"${KEY}"}`, 'application/json']);
    const form = await apply(key('body'), post('form'), 'a=1&api_key=old&b=x%20y');
    expect(form.body).toBe(`a=1&b=x%20y&api_key=${KEY}`);
    const multipart = new FormData();
    multipart.append('file', 'content');
    const parts = await apply(key('body'), post('multipart'), multipart);
    expect([...(parts.body as FormData).entries()]).toEqual([['file', 'content'], ['api_key', KEY]]);
  });

  it('a body that cannot take the field is refused naming the field, never the value; a secret body never follows a redirect away', async () => {
    for (const [action, body] of [[get, undefined], [post(), '[1,2]'], [post('raw'), 'raw text']] as const) {
      const error = await apply(key('body'), action, body).catch((failure: Error) => failure);
      expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/auth/in' });
      expect(JSON.stringify({ message: (error as Error).message })).not.toContain(KEY);
    }
    expect((await apply(key('body'), post(), '{}')).isSecretBody?.('{}')).toBe(true);
  });

  it('apply_auth: false leaves the request as the action built it', async () => {
    const request = await apply(key('header'), { ...get, apply_auth: false });
    expect(request.headers).toEqual({});
    expect(request.url.search).toBe('?page=2');
  });
});
