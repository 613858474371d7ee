/**
 * The snov.io sandbox, over real HTTP on loopback: token endpoint in every encoding, token
 * placement and expiry, every endpoint's happy and error paths, the 401/404/429 bodies and the
 * per-client rate limit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';

const CLIENT = { grant_type: 'client_credentials', client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret' };
const START = Date.parse('2025-01-01T00:00:00Z');
const NOT_FOUND = { errors: { code: 404, title: 'Sorry, but url or entity not found', source: '' } };

let clock = START;
const now = (): number => clock;

async function issueToken(snov: SnovSandbox): Promise<string> {
  const res = await fetch(`${snov.url}/v1/oauth/access_token`, { method: 'POST', body: new URLSearchParams(CLIENT) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function call(
  snov: SnovSandbox,
  path: string,
  token: string | undefined,
  init: { method?: string; form?: Record<string, string | string[]>; json?: unknown } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  let body: string | URLSearchParams | undefined;
  if (init.form) {
    body = new URLSearchParams();
    for (const [name, value] of Object.entries(init.form)) for (const v of [value].flat()) body.append(name, v);
  } else if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${snov.url}${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('snov.io sandbox', () => {
  let snov: SnovSandbox;
  let token: string;

  beforeAll(async () => {
    snov = await startSnovSandbox({ now, rateLimit: { requests: 10_000, perSeconds: 60 } });
  });
  afterAll(async () => {
    await snov.close();
  });
  beforeEach(async () => {
    clock = START;
    token = await issueToken(snov);
  });

  describe('token endpoint', () => {
    it('issues an opaque Bearer token for form-urlencoded client credentials', async () => {
      const before = snov.count('/v1/oauth/access_token');
      const res = await fetch(`${snov.url}/v1/oauth/access_token`, { method: 'POST', body: new URLSearchParams(CLIENT) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{40}$/), token_type: 'Bearer', expires_in: 3600 });
      expect(body).not.toHaveProperty('refresh_token');
      expect(snov.count('/v1/oauth/access_token')).toBe(before + 1);
    });

    it('accepts JSON, multipart and GET with query parameters too', async () => {
      const json = await fetch(`${snov.url}/v1/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CLIENT),
      });
      const multipart = new FormData();
      for (const [name, value] of Object.entries(CLIENT)) multipart.append(name, value);
      const form = await fetch(`${snov.url}/v1/oauth/access_token`, { method: 'POST', body: multipart });
      const get = await fetch(`${snov.url}/v1/oauth/access_token?${new URLSearchParams(CLIENT).toString()}`);
      for (const res of [json, form, get]) {
        expect(res.status).toBe(200);
        expect(((await res.json()) as { token_type: string }).token_type).toBe('Bearer');
      }
    });

    it('refuses wrong credentials with 401 invalid_client', async () => {
      const res = await fetch(`${snov.url}/v1/oauth/access_token`, {
        method: 'POST',
        body: new URLSearchParams({ ...CLIENT, client_secret: 'wrong' }),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed',
        message: 'Client authentication failed',
      });
    });

    it('refuses a missing or unsupported grant and missing client fields with 400', async () => {
      const post = (params: Record<string, string>) =>
        fetch(`${snov.url}/v1/oauth/access_token`, { method: 'POST', body: new URLSearchParams(params) });
      const noGrant = await post({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
      expect(noGrant.status).toBe(400);
      expect(await noGrant.json()).toMatchObject({ error: 'invalid_request' });
      const password = await post({ ...CLIENT, grant_type: 'password' });
      expect(password.status).toBe(400);
      expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
      const noSecret = await post({ grant_type: 'client_credentials', client_id: CLIENT.client_id });
      expect(noSecret.status).toBe(400);
      expect(await noSecret.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('lets a token expire after expires_in on the sandbox clock', async () => {
      clock = START + 3_599_000;
      expect((await call(snov, '/v1/get-balance', token)).status).toBe(200);
      clock = START + 3_600_000;
      const expired = await call(snov, '/v1/get-balance', token);
      expect(expired.status).toBe(401);
      expect(expired.body).toEqual({ errors: { code: 401, title: 'Sorry, but your access token is invalid or expired', source: '' } });
    });

    it('invalidates every issued token on expireTokens()', async () => {
      const other = await issueToken(snov);
      snov.expireTokens();
      expect((await call(snov, '/v1/get-balance', token)).status).toBe(401);
      expect((await call(snov, '/v1/get-balance', other)).status).toBe(401);
      expect((await call(snov, '/v1/get-balance', await issueToken(snov))).status).toBe(200);
    });

    it('issues tokens with the configured lifetime', async () => {
      const short = await startSnovSandbox({ tokenLifetimeSeconds: 2, now });
      try {
        const res = await fetch(`${short.url}/v1/oauth/access_token`, { method: 'POST', body: new URLSearchParams(CLIENT) });
        const body = (await res.json()) as { access_token: string; expires_in: number };
        expect(body.expires_in).toBe(2);
        clock = START + 2_000;
        expect((await call(short, '/v1/get-balance', body.access_token)).status).toBe(401);
      } finally {
        await short.close();
      }
    });
  });

  describe('token placement', () => {
    it('answers 401 without a token, and for an unknown one or one without the Bearer prefix', async () => {
      const missing = await call(snov, '/v1/get-balance', undefined);
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ errors: { code: 401, title: 'Sorry, but an access token is required', source: '' } });
      expect((await call(snov, '/v1/get-balance', 'f'.repeat(40))).status).toBe(401);
      const raw = await fetch(`${snov.url}/v1/get-balance`, { headers: { authorization: token } });
      expect(raw.status).toBe(401);
    });

    it('accepts access_token as a query or body parameter on v1 and legacy endpoints', async () => {
      const lists = await call(snov, `/v1/get-user-lists?access_token=${token}`, undefined);
      expect(lists.status).toBe(200);
      const added = await call(snov, '/v1/add-prospect-to-list', undefined, {
        form: { access_token: token, listId: '1818598', email: 'param@acme.com' },
      });
      expect(added.status).toBe(200);
      const legacy = await call(snov, `/v2/domain-emails-with-info?domain=acme.com&access_token=${token}`, undefined);
      expect(legacy.status).toBe(200);
    });

    it('requires the Authorization header on v2 endpoints', async () => {
      const res = await call(snov, '/v2/email-verification/start', undefined, {
        form: { access_token: token, 'emails[]': 'a@acme.com' },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('endpoints', () => {
    it('GET /v1/get-balance', async () => {
      const res = await call(snov, '/v1/get-balance', token);
      expect(res).toMatchObject({
        status: 200,
        body: {
          success: true,
          data: { balance: '25000.00', teamwork: false, unique_recipients_used: 0, limit_resets_in: 29, expires_in: 359 },
        },
      });
    });

    it('GET /v1/get-user-lists returns a bare array whose counts follow add-prospect-to-list', async () => {
      const before = (await call(snov, '/v1/get-user-lists', token)).body as { id: number; contacts: number }[];
      expect(Array.isArray(before)).toBe(true);
      expect(before[0]).toEqual({
        id: 1818597,
        name: 'FirstSend',
        contacts: expect.any(Number),
        isDeleted: false,
        creationDate: { date: '2020-04-07 08:25:44.000000', timezone_type: 3, timezone: 'UTC' },
        deletionDate: null,
      });
      await call(snov, '/v1/add-prospect-to-list', token, { form: { listId: '1818597', email: 'count@acme.com' } });
      const after = (await call(snov, '/v1/get-user-lists', token)).body as { contacts: number }[];
      expect(after[0]?.contacts).toBe((before[0]?.contacts ?? 0) + 1);
    });

    it('POST /v1/add-prospect-to-list adds, updates and duplicates by the documented flags', async () => {
      const add = (form: Record<string, string>) => call(snov, '/v1/add-prospect-to-list', token, { form: { listId: '1818597', ...form } });
      const first = await add({ email: 'jane@acme.com', firstName: 'Jane', 'phones[]': '+1 555' });
      expect(first).toMatchObject({ status: 200, body: { success: true, id: expect.stringMatching(/==$/), added: true, updated: false } });
      const again = await add({ email: 'Jane@acme.com' });
      expect(again.body).toEqual({ success: true, id: (first.body as { id: string }).id, added: false, updated: false });
      expect((await add({ email: 'jane@acme.com', updateContact: '1' })).body).toMatchObject({ added: false, updated: true });
      expect((await add({ email: 'jane@acme.com', createDuplicates: 'true' })).body).toMatchObject({ added: true, updated: false });
      expect((await add({ 'socialLinks[linkedIn]': 'https://linkedin.com/in/x' })).body).toMatchObject({ added: true });
      const json = await call(snov, '/v1/add-prospect-to-list', token, {
        json: { listId: 1818597, socialLinks: { linkedIn: 'https://linkedin.com/in/y' } },
      });
      expect(json.body).toMatchObject({ success: true, added: true });
    });

    it('POST /v1/add-prospect-to-list fails with an errors array, or 404 for an unknown list', async () => {
      const noList = await call(snov, '/v1/add-prospect-to-list', token, { form: { email: 'a@acme.com' } });
      expect(noList).toMatchObject({ status: 400, body: { success: false, errors: ['The listId field is required.'] } });
      const noContact = await call(snov, '/v1/add-prospect-to-list', token, { form: { listId: '1818597' } });
      expect(noContact).toMatchObject({ status: 400, body: { success: false, errors: [expect.stringContaining('linkedIn')] } });
      const both = await call(snov, '/v1/add-prospect-to-list', token, {
        form: { listId: '1818597', email: 'a@acme.com', updateContact: '1', createDuplicates: '1' },
      });
      expect(both.status).toBe(400);
      const unknown = await call(snov, '/v1/add-prospect-to-list', token, { form: { listId: '42', email: 'a@acme.com' } });
      expect(unknown).toEqual({ status: 404, body: NOT_FOUND, headers: expect.anything() });
    });

    it('POST /v1/get-emails-from-names is in progress on the first call and complete on the next', async () => {
      const form = { firstName: 'Jane', lastName: 'Doe', domain: 'names.example' };
      const first = await call(snov, '/v1/get-emails-from-names', token, { form });
      expect(first.body).toEqual({
        success: true,
        data: { firstName: 'Jane', lastName: 'Doe', emails: [] },
        status: { identifier: 'in_progress', description: 'Emails search is in progress' },
      });
      const second = await call(snov, '/v1/get-emails-from-names', token, { form });
      expect(second.body).toEqual({
        success: true,
        data: { firstName: 'Jane', lastName: 'Doe', emails: [{ email: 'jane.doe@names.example', emailStatus: 'valid' }] },
        status: { identifier: 'complete', description: 'Emails search is completed' },
      });
      const missing = await call(snov, '/v1/get-emails-from-names', token, { form: { firstName: 'Jane' } });
      expect(missing).toMatchObject({ status: 400, body: { success: false } });
    });

    it('email verification: start, then in_progress, then completed with a verdict per email', async () => {
      const emails = ['admin@acme.com', 'invalid.person@acme.com', 'unknown@acme.com', 'me@gmail.com'];
      const start = await call(snov, '/v2/email-verification/start', token, { form: { 'emails[]': emails } });
      expect(start.body).toEqual({ data: { task_hash: expect.stringMatching(/^[0-9a-f]{32}$/) }, meta: { emails } });
      const hash = (start.body as { data: { task_hash: string } }).data.task_hash;
      const pending = await call(snov, `/v2/email-verification/result?task_hash=${hash}`, token);
      expect(pending.body).toEqual({ status: 'in_progress', data: [], meta: { emails, task_hash: hash } });
      const done = await call(snov, `/v2/email-verification/result?task_hash=${hash}`, token);
      const body = done.body as { status: string; data: { email: string; result: Record<string, unknown> }[] };
      expect(body.status).toBe('completed');
      expect(body.data.map((d) => d.result.smtp_status)).toEqual(['valid', 'not_valid', 'unknown', 'valid']);
      expect(body.data[2]?.result.unknown_status_reason).toBe('catchall');
      expect(body.data[3]?.result.is_webmail).toBe(true);
      expect(body.data[0]?.result).toEqual({
        is_webmail: false,
        smtp_status: 'valid',
        is_gibberish: false,
        is_disposable: false,
        is_valid_format: true,
      });
    });

    it('email verification takes PHP-indexed and JSON lists, at most 10, and 404s an unknown task', async () => {
      const indexed = await call(snov, '/v2/email-verification/start', token, {
        form: { 'emails[0]': 'a@acme.com', 'emails[1]': 'b@acme.com' },
      });
      expect((indexed.body as { meta: unknown }).meta).toEqual({ emails: ['a@acme.com', 'b@acme.com'] });
      const json = await call(snov, '/v2/email-verification/start', token, { json: { emails: ['c@acme.com'] } });
      expect((json.body as { meta: unknown }).meta).toEqual({ emails: ['c@acme.com'] });
      const eleven = Array.from({ length: 11 }, (_, i) => `p${i}@acme.com`);
      expect((await call(snov, '/v2/email-verification/start', token, { form: { 'emails[]': eleven } })).status).toBe(400);
      expect((await call(snov, '/v2/email-verification/start', token, { form: {} })).status).toBe(400);
      const unknown = await call(snov, '/v2/email-verification/result?task_hash=nope', token);
      expect(unknown).toMatchObject({ status: 404, body: NOT_FOUND });
    });

    it('domain search: start links to the result, which completes on the second poll', async () => {
      const start = await call(snov, '/v2/domain-search/start', token, { form: { domain: 'Snov.io' } });
      const { meta, links } = start.body as { meta: { task_hash: string; domain: string }; links: { result: string } };
      expect(start.body).toMatchObject({ data: [], meta: { domain: 'snov.io' } });
      expect(links.result).toBe(`${snov.url}/v2/domain-search/result/${meta.task_hash}`);
      const poll = async () => (await fetch(links.result, { headers: { authorization: `Bearer ${token}` } })).json();
      expect(await poll()).toMatchObject({ status: 'in_progress', data: [] });
      expect(await poll()).toMatchObject({
        status: 'completed',
        data: { company_name: 'Snov' },
        meta: { domain: 'snov.io', task_hash: meta.task_hash, prospects_count: 5, emails_count: 7 },
      });
      expect((await call(snov, '/v2/domain-search/result/unknown', token)).status).toBe(404);
      expect((await call(snov, '/v2/domain-search/start', token, { form: {} })).status).toBe(400);
    });

    it('domain-emails-with-info pages by lastId: 3, 3, 1, then an empty page with lastId null', async () => {
      const before = snov.count('/v2/domain-emails-with-info');
      const pages: { lastId: number | null; emails: { email: string }[]; result: number }[] = [];
      let lastId: number | null = 0;
      while (lastId !== null) {
        const res = await call(snov, `/v2/domain-emails-with-info?domain=acme.com&type=all&limit=3&lastId=${lastId}`, token);
        const page = res.body as (typeof pages)[number];
        pages.push(page);
        lastId = page.lastId;
      }
      expect(snov.count('/v2/domain-emails-with-info')).toBe(before + 4);
      expect(pages.map((p) => p.emails.length)).toEqual([3, 3, 1, 0]);
      expect(pages.map((p) => p.lastId)).toEqual([823168303, 823168306, 823168307, null]);
      expect(pages[0]).toMatchObject({ success: true, domain: 'acme.com', webmail: false, result: 7, limit: 3, companyName: 'Acme' });
      expect(pages[0]?.emails[0]).toEqual({
        email: 'jane.doe@acme.com',
        firstName: 'Jane',
        lastName: 'Doe',
        position: 'CEO',
        sourcePage: 'https://acme.com/team',
        companyName: 'Acme',
        type: 'personal',
        status: 'verified',
      });
      expect(new Set(pages.flatMap((p) => p.emails.map((e) => e.email))).size).toBe(7);
    });

    it('domain-emails-with-info filters by type, takes POST, and checks its parameters', async () => {
      const generic = await call(snov, '/v2/domain-emails-with-info', token, { form: { domain: 'acme.com', type: 'generic' } });
      expect(generic.body).toMatchObject({
        result: 2,
        emails: [{ email: 'info@acme.com', type: 'generic' }, { email: 'sales@acme.com', type: 'generic' }],
      });
      expect((await call(snov, '/v2/domain-emails-with-info?domain=acme.com&limit=101', token)).status).toBe(400);
      expect((await call(snov, '/v2/domain-emails-with-info?domain=acme.com&type=robots', token)).status).toBe(400);
      expect((await call(snov, '/v2/domain-emails-with-info', token)).body).toMatchObject({ success: false, errors: [expect.any(String)] });
    });

    it('answers an unknown path or method with the 404 body seen live', async () => {
      expect(await call(snov, '/v1/no-such-endpoint', token)).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await call(snov, '/v1/add-prospect-to-list', token, { method: 'GET' })).toMatchObject({ status: 404, body: NOT_FOUND });
    });

    it('refuses an unparseable body with 400', async () => {
      const res = await fetch(`${snov.url}/v1/add-prospect-to-list`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"listId": ',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ success: false, errors: ['malformed JSON body'] });
    });

    it('logs every request with its headers and the sandbox clock', async () => {
      clock = START + 5_000;
      await fetch(`${snov.url}/v1/get-balance`, { headers: { authorization: `Bearer ${token}`, 'x-probe': 'yes' } });
      const last = snov.requests.at(-1);
      expect(last).toMatchObject({ method: 'GET', path: '/v1/get-balance', at: START + 5_000, headers: { 'x-probe': 'yes' } });
    });
  });
});

describe('snov.io sandbox rate limit', () => {
  it('allows 60 requests a minute per client by default, then 429 with Retry-After', async () => {
    clock = START;
    const snov = await startSnovSandbox({ now });
    try {
      const token = await issueToken(snov);
      for (let i = 0; i < 60; i += 1) expect((await call(snov, '/v1/get-balance', token)).status).toBe(200);
      clock = START + 15_000;
      const refused = await call(snov, '/v1/get-balance', token);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('45');
      expect(refused.body).toEqual({ errors: { code: 429, title: 'Too Many Requests', source: '' } });
      expect(snov.count('/v1/get-balance')).toBe(61);
    } finally {
      await snov.close();
    }
  });

  it('counts per client across its tokens, not refused or unauthenticated calls, and reopens after the window', async () => {
    clock = START;
    const snov = await startSnovSandbox({ now, rateLimit: { requests: 3, perSeconds: 10 } });
    try {
      const first = await issueToken(snov);
      const second = await issueToken(snov);
      expect((await call(snov, '/v1/get-balance', undefined)).status).toBe(401);
      expect((await call(snov, '/v1/get-balance', first)).status).toBe(200);
      expect((await call(snov, '/v1/get-balance', second)).status).toBe(200);
      expect((await call(snov, '/v1/get-balance', first)).status).toBe(200);
      const refused = await call(snov, '/v1/get-balance', second);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('10');
      clock = START + 9_999;
      expect((await call(snov, '/v1/get-balance', first)).status).toBe(429);
      clock = START + 10_000;
      expect((await call(snov, '/v1/get-balance', first)).status).toBe(200);
      // The token endpoint is outside the budget.
      expect(await issueToken(snov)).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await snov.close();
    }
  });
});
