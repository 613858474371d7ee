/**
 * The DocuWare sandbox, over real HTTP on loopback: cookie logon and its cookies, the HTML 401,
 * User-Agent binding, logoff, the logon throttle, the OAuth identity service (self-hosted and
 * Cloud layout), and the Platform
 * resources (search pagination, download streaming, multipart upload).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLOUD_ORGANIZATION_GUID, patternByte, startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';

const START = Date.parse('2025-01-01T00:00:00Z');
const UA = 'connector-sdk-tests/1.0';
const JSON_ACCEPT = { accept: 'application/json', 'user-agent': UA };
const LOGON = { UserName: 'sandbox-user', Password: 'sandbox-password', Organization: 'Sandbox Org', RememberMe: 'false' };

let clock = START;
const now = (): number => clock;

const platform = (dw: DocuwareSandbox, path: string): string => `${dw.url}/DocuWare/Platform${path}`;

/** Logs on and returns the Cookie header a client would send back. */
async function logon(dw: DocuwareSandbox, userAgent = UA): Promise<string> {
  const res = await fetch(platform(dw, '/Account/Logon'), {
    method: 'POST',
    headers: { accept: 'application/json', 'user-agent': userAgent },
    body: new URLSearchParams(LOGON),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
}

async function oauthToken(dw: DocuwareSandbox, overrides: Record<string, string> = {}): Promise<Response> {
  return fetch(`${dw.url}/DocuWare/Identity/connect/token`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'password',
      scope: 'docuware.platform',
      client_id: 'docuware.platform.net.client',
      username: 'sandbox-user',
      password: 'sandbox-password',
      ...overrides,
    }),
  });
}

function cookieNamed(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

describe('DocuWare sandbox: cookie logon', () => {
  let dw: DocuwareSandbox;
  beforeAll(async () => {
    dw = await startDocuwareSandbox({ now });
  });
  afterAll(async () => {
    await dw.close();
  });
  beforeEach(() => {
    clock = START;
  });

  it('logs on with form fields and sets the session, browser and load-balancer cookies', async () => {
    const res = await fetch(platform(dw, '/Account/Logon'), {
      method: 'POST',
      headers: JSON_ACCEPT,
      body: new URLSearchParams({ ...LOGON, RedirectToMyselfInCaseOfError: 'false', LicenseType: '', HostID: 'tests' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as { Links: { rel: string; href: string }[]; Version: string };
    expect(body.Links).toContainEqual({ rel: 'organizations', href: '/DocuWare/Platform/Organizations', type: 'Organizations' });
    expect(body.Version).toBe('7.10.0.0');
    expect(cookieNamed(res, '.DWPLATFORMAUTH')).toMatch(/^\.DWPLATFORMAUTH=[0-9A-F]{192}; path=\/; HttpOnly$/);
    expect(cookieNamed(res, 'DWPLATFORMBROWSERID')).toMatch(/^DWPLATFORMBROWSERID=[0-9a-f-]{36}; expires=[^;]+ GMT; path=\/; HttpOnly$/);
    expect(cookieNamed(res, 'dwingressplatform')).toMatch(/^dwingressplatform=\d+\.\d{3}\.32\.\d+\|[0-9a-f]{32}; Path=\/; HttpOnly$/);
    expect(res.headers.getSetCookie().join('\n')).not.toMatch(/secure/i);
  });

  it('matches logon field names case-insensitively and does not reissue a known browser id', async () => {
    const res = await fetch(platform(dw, '/Account/Logon'), {
      method: 'POST',
      headers: { ...JSON_ACCEPT, cookie: 'DWPLATFORMBROWSERID=known; dwingressplatform=1.000.32.1|ab' },
      body: new URLSearchParams({ username: 'SANDBOX-USER', PASSWORD: 'sandbox-password', organization: 'sandbox org' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().map((line) => line.split('=')[0])).toEqual(['.DWPLATFORMAUTH']);
  });

  it('refuses wrong credentials or organization with a 401 JSON error body', async () => {
    for (const wrong of [{ Password: 'nope' }, { UserName: 'someone' }, { Organization: 'Other Org' }]) {
      const res = await fetch(platform(dw, '/Account/Logon'), {
        method: 'POST',
        headers: JSON_ACCEPT,
        body: new URLSearchParams({ ...LOGON, ...wrong }),
      });
      expect(res.status).toBe(401);
      expect(cookieNamed(res, '.DWPLATFORMAUTH')).toBeUndefined();
      expect(await res.json()).toEqual({
        Message: 'Logon failed: the user name, password or organization is not correct.',
        Status: 'Unauthorized',
        StatusCode: 401,
        Uri: platform(dw, '/Account/Logon'),
        Method: 'POST',
      });
    }
  });

  it('refuses a JSON logon body with 415 and an unknown LicenseType with 400', async () => {
    const json = await fetch(platform(dw, '/Account/Logon'), {
      method: 'POST',
      headers: { ...JSON_ACCEPT, 'content-type': 'application/json' },
      body: JSON.stringify(LOGON),
    });
    expect(json.status).toBe(415);
    const license = await fetch(platform(dw, '/Account/Logon'), {
      method: 'POST',
      headers: JSON_ACCEPT,
      body: new URLSearchParams({ ...LOGON, LicenseType: 'Gold' }),
    });
    expect(license.status).toBe(400);
  });

  it('answers XML unless the client accepts JSON', async () => {
    const res = await fetch(platform(dw, '/Account/Logon'), { method: 'POST', body: new URLSearchParams(LOGON) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?><LogonResponse xmlns="http:\/\/dev\.docuware\.com\/schema\/public\/services\/platform">/);
    expect(xml).toContain('<Version>7.10.0.0</Version>');
  });

  it('answers a request without a session with 401 and an HTML meta refresh, not a redirect', async () => {
    const res = await fetch(platform(dw, '/FileCabinets?x=1'), { headers: JSON_ACCEPT, redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain(
      '<meta http-equiv="refresh" content="0;url=/DocuWare/Platform/Account/LogOn?returnUrl=%2FDocuWare%2FPlatform%2FFileCabinets%3Fx%3D1" />',
    );
    const page = await fetch(platform(dw, '/Account/LogOn'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
  });

  it('accepts the session cookie with the logon User-Agent and refuses it with another', async () => {
    const cookie = await logon(dw);
    expect((await fetch(platform(dw, '/Organizations'), { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(200);
    const other = await fetch(platform(dw, '/Organizations'), { headers: { ...JSON_ACCEPT, 'user-agent': 'curl/8', cookie } });
    expect(other.status).toBe(401);
    expect(await other.text()).toContain('http-equiv="refresh"');
    const none = await fetch(platform(dw, '/Organizations'), { headers: { accept: 'application/json', 'user-agent': '', cookie } });
    expect(none.status).toBe(401);
  });

  it('logoff invalidates the cookie and clears it', async () => {
    const cookie = await logon(dw);
    const before = dw.count('/DocuWare/Platform/Account/Logoff');
    const res = await fetch(platform(dw, '/Account/Logoff'), { headers: { ...JSON_ACCEPT, cookie } });
    expect(res.status).toBe(200);
    expect(cookieNamed(res, '.DWPLATFORMAUTH')).toBe('.DWPLATFORMAUTH=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; HttpOnly');
    expect(dw.count('/DocuWare/Platform/Account/Logoff')).toBe(before + 1);
    expect((await fetch(platform(dw, '/Organizations'), { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(401);
    expect((await fetch(platform(dw, '/Account/Logoff'), { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(401);
  });

  it('expireSessions() invalidates every session server-side', async () => {
    const first = await logon(dw);
    const second = await logon(dw);
    dw.expireSessions();
    for (const cookie of [first, second]) {
      expect((await fetch(platform(dw, '/FileCabinets'), { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(401);
    }
    expect((await fetch(platform(dw, '/FileCabinets'), { headers: { ...JSON_ACCEPT, cookie: await logon(dw) } })).status).toBe(200);
  });

  it('matches Platform paths case-insensitively and answers unknown ones 404 and wrong methods 405', async () => {
    const cookie = await logon(dw);
    const headers = { ...JSON_ACCEPT, cookie };
    expect((await fetch(`${dw.url}/docuware/platform/filecabinets`, { headers })).status).toBe(200);
    const missing = await fetch(platform(dw, '/Nothing'), { headers });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ StatusCode: 404, Status: 'Not Found', Method: 'GET' });
    const wrong = await fetch(platform(dw, '/Organizations'), { method: 'DELETE', headers });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toMatchObject({ Message: "The requested resource does not support http method 'DELETE'." });
    expect((await fetch(platform(dw, '/Nothing'), { headers: JSON_ACCEPT })).status).toBe(401);
  });
});

describe('DocuWare sandbox: cookie lifetime and User-Agent binding options', () => {
  it('gives the session cookie Max-Age and Expires and ends the session then', async () => {
    clock = START;
    const dw = await startDocuwareSandbox({ now, cookieLifetimeSeconds: 5 });
    try {
      const res = await fetch(platform(dw, '/Account/Logon'), { method: 'POST', headers: JSON_ACCEPT, body: new URLSearchParams(LOGON) });
      expect(cookieNamed(res, '.DWPLATFORMAUTH')).toMatch(
        /^\.DWPLATFORMAUTH=[0-9A-F]+; expires=Wed, 01 Jan 2025 00:00:05 GMT; max-age=5; path=\/; HttpOnly$/,
      );
      const cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
      clock = START + 4_999;
      expect((await fetch(platform(dw, '/Organizations'), { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(200);
      clock = START + 5_000;
      expect((await fetch(platform(dw, '/Organizations'), { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(401);
    } finally {
      await dw.close();
    }
  });

  it('accepts any User-Agent when bindUserAgent is false', async () => {
    const dw = await startDocuwareSandbox({ bindUserAgent: false });
    try {
      const cookie = await logon(dw, 'first-agent');
      const res = await fetch(platform(dw, '/Organizations'), { headers: { accept: 'application/json', 'user-agent': 'other', cookie } });
      expect(res.status).toBe(200);
    } finally {
      await dw.close();
    }
  });
});

describe('DocuWare sandbox: logon throttle', () => {
  it('refuses the 61st logon within a minute with 429 and Retry-After, without processing it', async () => {
    clock = START;
    const dw = await startDocuwareSandbox({ now });
    try {
      for (let i = 0; i < 60; i += 1) await logon(dw);
      clock = START + 20_000;
      const res = await fetch(platform(dw, '/Account/Logon'), { method: 'POST', headers: JSON_ACCEPT, body: new URLSearchParams(LOGON) });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('40');
      expect(cookieNamed(res, '.DWPLATFORMAUTH')).toBeUndefined();
      expect(await res.json()).toMatchObject({ StatusCode: 429, Status: 'Too Many Requests', Method: 'POST' });
      expect(dw.count('/DocuWare/Platform/Account/Logon')).toBe(61);
      clock = START + 60_000;
      await logon(dw);
    } finally {
      await dw.close();
    }
  });
});

describe('DocuWare sandbox: OAuth identity service', () => {
  let dw: DocuwareSandbox;
  beforeAll(async () => {
    dw = await startDocuwareSandbox({ now, oauthTokenLifetimeSeconds: 60 });
  });
  afterAll(async () => {
    await dw.close();
  });
  beforeEach(() => {
    clock = START;
  });

  it('names the identity service and publishes its OpenID configuration', async () => {
    const info = await fetch(platform(dw, '/Home/IdentityServiceInfo'), { headers: JSON_ACCEPT });
    expect(await info.json()).toEqual({ IdentityServiceUrl: `${dw.url}/DocuWare/Identity` });
    const config = await fetch(`${dw.url}/DocuWare/Identity/.well-known/openid-configuration`);
    expect(await config.json()).toMatchObject({
      issuer: `${dw.url}/DocuWare/Identity`,
      token_endpoint: `${dw.url}/DocuWare/Identity/connect/token`,
      authorization_endpoint: `${dw.url}/DocuWare/Identity/connect/authorize`,
      grant_types_supported: expect.arrayContaining(['password']),
    });
  });

  it('grants a JWT-looking Bearer token whose exp matches expires_in', async () => {
    const res = await oauthToken(dw);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string; scope: string };
    expect(body).toMatchObject({ expires_in: 60, token_type: 'Bearer', scope: 'docuware.platform' });
    const [header, payload, signature] = body.access_token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toMatchObject({
      exp: START / 1000 + 60,
      iat: START / 1000,
      client_id: 'docuware.platform.net.client',
      scope: ['docuware.platform'],
    });
    expect(signature).toMatch(/^[\w-]{300,}$/);
  });

  it('refuses bad credentials, an unknown client, a wrong scope or grant, and a non-form body with 400', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ password: 'nope' }, 'invalid_grant'],
      [{ client_id: 'someone.else' }, 'invalid_client'],
      [{ scope: 'docuware.platform admin' }, 'invalid_scope'],
      [{ grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    ];
    for (const [overrides, error] of cases) {
      const res = await oauthToken(dw, overrides);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe(error);
    }
    const badPassword = await oauthToken(dw, { password: 'nope' });
    expect(await badPassword.json()).toEqual({ error: 'invalid_grant', error_description: 'invalid_username_or_password' });
    const json = await fetch(`${dw.url}/DocuWare/Identity/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('accepts the Bearer token on Platform calls until it expires, then 401 with a JSON body', async () => {
    const { access_token: token } = (await (await oauthToken(dw)).json()) as { access_token: string };
    const headers = { ...JSON_ACCEPT, authorization: `Bearer ${token}` };
    expect((await fetch(platform(dw, '/FileCabinets'), { headers })).status).toBe(200);
    clock = START + 60_000;
    const expired = await fetch(platform(dw, '/FileCabinets'), { headers });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="The access token expired"');
    expect(await expired.json()).toEqual({
      Message: 'Authorization has been denied for this request.',
      Status: 'Unauthorized',
      StatusCode: 401,
      Uri: platform(dw, '/FileCabinets'),
      Method: 'GET',
    });
  });

  it('refuses unknown tokens, and every token after expireSessions()', async () => {
    const unknown = await fetch(platform(dw, '/FileCabinets'), { headers: { ...JSON_ACCEPT, authorization: 'Bearer abc' } });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('The access token is invalid');
    const { access_token: token } = (await (await oauthToken(dw)).json()) as { access_token: string };
    dw.expireSessions();
    expect((await fetch(platform(dw, '/FileCabinets'), { headers: { ...JSON_ACCEPT, authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});

describe('DocuWare sandbox: Cloud layout (the Identity Service on another origin)', () => {
  let dw: DocuwareSandbox;
  beforeAll(async () => {
    dw = await startDocuwareSandbox({ now, identityLayout: 'cloud', oauthTokenLifetimeSeconds: 60 });
  });
  afterAll(async () => {
    await dw.close();
  });

  it('IdentityServiceInfo names the other origin under the organization guid; the Platform host has no Identity Service', async () => {
    const identity = dw.identityServer as NonNullable<DocuwareSandbox['identityServer']>;
    expect(identity.url).not.toBe(dw.url);
    const base = `${identity.url}/${CLOUD_ORGANIZATION_GUID}`;
    expect(dw.identityUrl).toBe(base);
    const info = await fetch(platform(dw, '/Home/IdentityServiceInfo'), { headers: JSON_ACCEPT });
    expect(await info.json()).toEqual({ IdentityServiceUrl: base });
    const config = await fetch(`${base}/.well-known/openid-configuration`);
    expect(await config.json()).toMatchObject({ issuer: base, token_endpoint: `${base}/connect/token` });
    expect((await fetch(`${dw.url}/DocuWare/Identity/.well-known/openid-configuration`)).status).toBe(404);
    expect(identity.requests.map((r) => r.path)).toEqual([`/${CLOUD_ORGANIZATION_GUID}/.well-known/openid-configuration`]);
  });

  it('a token from the Cloud identity origin opens the Platform', async () => {
    const body = new URLSearchParams({ grant_type: 'password', scope: 'docuware.platform', client_id: 'docuware.platform.net.client', username: 'sandbox-user', password: 'sandbox-password' });
    const res = await fetch(`${dw.identityUrl}/connect/token`, { method: 'POST', body });
    expect(res.status).toBe(200);
    const { access_token: token } = (await res.json()) as { access_token: string };
    expect((await fetch(platform(dw, '/FileCabinets'), { headers: { ...JSON_ACCEPT, authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe('DocuWare sandbox: Platform resources', () => {
  let dw: DocuwareSandbox;
  let headers: Record<string, string>;
  let invoices: string;
  const searchUrl = (query: string) => platform(dw, `/FileCabinets/${invoices}/Query/DialogExpression?${query}`);
  const search = async (query: string, body: unknown) => {
    const res = await fetch(searchUrl(query), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const companies = (body: Record<string, unknown>) =>
    (body.Items as { Fields: { FieldName: string; Item: unknown }[] }[]).map(
      (item) => item.Fields.find((f) => f.FieldName === 'COMPANY')?.Item,
    );

  beforeAll(async () => {
    dw = await startDocuwareSandbox({ largeDocumentBytes: 32 * 1024 * 1024 + 7 });
    headers = { ...JSON_ACCEPT, cookie: await logon(dw) };
    invoices = dw.ids.invoicesCabinetId;
  });
  afterAll(async () => {
    await dw.close();
  });

  it('GET /Organizations', async () => {
    const body = (await (await fetch(platform(dw, '/Organizations'), { headers })).json()) as { Organization: unknown[] };
    expect(body.Organization).toEqual([
      expect.objectContaining({ Name: 'Sandbox Org', Id: '1', Links: [{ rel: 'filecabinets', href: '/DocuWare/Platform/FileCabinets' }] }),
    ]);
  });

  it('GET /FileCabinets lists cabinets and the tray; a cabinet link resolves', async () => {
    const body = (await (await fetch(platform(dw, '/FileCabinets'), { headers })).json()) as {
      FileCabinet: { Id: string; Name: string; IsBasket: boolean; Links: { rel: string; href: string }[] }[];
    };
    expect(body.FileCabinet.map((c) => [c.Name, c.IsBasket])).toEqual([
      ['Invoices', false],
      ['Archive', false],
      ['Document Tray', true],
    ]);
    const self = body.FileCabinet[0]?.Links.find((l) => l.rel === 'self')?.href ?? '';
    expect(await (await fetch(`${dw.url}${self}`, { headers })).json()).toMatchObject({ Id: invoices, Name: 'Invoices' });
    expect((await fetch(platform(dw, '/FileCabinets/nope'), { headers })).status).toBe(404);
  });

  it('GET /FileCabinets/{fc}/Dialogs, filtered by DialogType, and a dialog with its fields', async () => {
    const all = (await (await fetch(platform(dw, `/FileCabinets/${invoices}/Dialogs`), { headers })).json()) as {
      Dialog: { $type: string; Id: string; Type: string; FileCabinetId: string; Links: { rel: string; href: string }[] }[];
    };
    expect(all.Dialog.map((d) => d.Type)).toEqual(['Search', 'Store']);
    expect(all.Dialog[0]).toMatchObject({ $type: 'DialogInfo', Id: dw.ids.searchDialogId, FileCabinetId: invoices, IsDefault: true });
    const searchOnly = (await (await fetch(platform(dw, `/FileCabinets/${invoices}/Dialogs?dialogtype=Search`), { headers })).json()) as {
      Dialog: unknown[];
    };
    expect(searchOnly.Dialog).toHaveLength(1);
    const dialog = (await (await fetch(`${dw.url}${all.Dialog[0]?.Links[0]?.href ?? ''}`, { headers })).json()) as Record<string, unknown>;
    expect(dialog).toMatchObject({
      Fields: expect.arrayContaining([{ DBFieldName: 'COMPANY', DlgLabel: 'Company', DWFieldType: 'Text', Length: 100 }]),
      Query: { Links: [{ rel: 'dialogExpression', href: expect.stringContaining('/Query/DialogExpression?dialogId=') }] },
    });
  });

  it('searches with start/count: 3 pages of 3, 3 and 1 documents with HasMore and next links', async () => {
    const pages = [];
    for (const start of [0, 3, 6]) pages.push(await search(`dialogId=${dw.ids.searchDialogId}&count=3&start=${start}`, { Condition: [], Operation: 'And' }));
    expect(pages.map((p) => (p.body.Items as unknown[]).length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.body.Count)).toEqual([
      { Value: 7, HasMore: true },
      { Value: 7, HasMore: true },
      { Value: 7, HasMore: false },
    ]);
    const links = pages.map((p) => (p.body.Links as { rel: string; href: string }[]).map((l) => l.rel));
    expect(links).toEqual([['self', 'next'], ['self', 'next'], ['self']]);
    expect((pages[0]?.body.Links as { href: string }[])[1]?.href).toBe(
      `/DocuWare/Platform/FileCabinets/${invoices}/Query/DialogExpression?dialogId=${dw.ids.searchDialogId}&count=3&start=3`,
    );
    const ids = pages.flatMap((p) => (p.body.Items as { Id: number }[]).map((i) => i.Id));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((pages[0]?.body.Items as Record<string, unknown>[])[0]).not.toHaveProperty('Sections');
  });

  it('filters by wildcard, range and Or, and sorts', async () => {
    const dialog = `dialogId=${dw.ids.searchDialogId}`;
    const peters = await search(dialog, { Condition: [{ DBName: 'COMPANY', Value: ['peters*'] }], Operation: 'And' });
    expect(companies(peters.body)).toEqual(['Peters Engineering', 'Peters & Sons']);
    const large = await search(dialog, {
      Condition: [{ DBName: 'AMOUNT', Value: ['3000', null] }],
      SortOrder: [{ Field: 'AMOUNT', Direction: 'Desc' }],
    });
    expect(companies(large.body)).toEqual(['Stark Industries', 'Peters & Sons', 'Umbrella Ltd']);
    const dates = await search(dialog, { Condition: [{ DBName: 'INVOICE_DATE', Value: ['2024-02-01', '2024-03-31'] }] });
    expect(companies(dates.body)).toEqual(['ACME Corp', 'Peters & Sons', 'Globex']);
    const either = await search(dialog, {
      Condition: [
        { DBName: 'COMPANY', Value: ['Globex'] },
        { DBName: 'INVOICE_NUMBER', Value: ['INV-2024-0001'] },
      ],
      Operation: 'Or',
      SortOrder: null,
    });
    expect(companies(either.body)).toEqual(['Peters Engineering', 'Globex']);
  });

  it('refuses a bad search: unknown field, bad JSON, bad paging, unknown dialog or cabinet', async () => {
    const dialog = `dialogId=${dw.ids.searchDialogId}`;
    expect((await search(dialog, { Condition: [{ DBName: 'NOPE', Value: ['x'] }] })).status).toBe(400);
    expect((await search(`${dialog}&count=0`, {})).status).toBe(400);
    expect((await search(`${dialog}&start=-1`, {})).status).toBe(400);
    expect((await search('dialogId=unknown', {})).status).toBe(404);
    const badJson = await fetch(searchUrl(dialog), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    const cabinet = await fetch(platform(dw, '/FileCabinets/nope/Query/DialogExpression'), { method: 'POST', headers });
    expect(cabinet.status).toBe(404);
  });

  it('GET a document with fields, sections and a fileDownload link; 404 for an unknown one', async () => {
    const res = await fetch(platform(dw, `/FileCabinets/${invoices}/Documents/1`), { headers });
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      Id: 1,
      Title: 'INV-2024-0001',
      ContentType: 'application/pdf',
      SectionCount: 1,
      Fields: expect.arrayContaining([
        expect.objectContaining({ FieldName: 'COMPANY', Item: 'Peters Engineering', ItemElementName: 'String' }),
        expect.objectContaining({ FieldName: 'INVOICE_DATE', Item: `/Date(${Date.parse('2024-01-15')})/`, ItemElementName: 'Date' }),
      ]),
      Sections: [expect.objectContaining({ ContentType: 'application/pdf', OriginalFileName: 'INV-2024-0001.pdf' })],
      Links: expect.arrayContaining([
        {
          rel: 'fileDownload',
          href: `/DocuWare/Platform/FileCabinets/${invoices}/Documents/1/FileDownload?targetFileType=Auto&keepAnnotations=false`,
        },
      ]),
    });
    expect((await fetch(platform(dw, `/FileCabinets/${invoices}/Documents/999`), { headers })).status).toBe(404);
  });

  it('downloads a document with its Content-Type, Content-Length and file name', async () => {
    const res = await fetch(platform(dw, `/FileCabinets/${invoices}/Documents/1/FileDownload?targetFileType=Auto&keepAnnotations=false`), { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="INV-2024-0001.pdf"; filename*=UTF-8''INV-2024-0001.pdf`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.toString()).toMatch(/^%PDF-1\.4\n/);
  });

  it('streams a large generated document with its exact Content-Length', async () => {
    const size = 32 * 1024 * 1024 + 7;
    const id = dw.ids.largeDocumentId;
    expect(id).toBeTypeOf('number');
    const res = await fetch(platform(dw, `/FileCabinets/${dw.ids.archiveCabinetId}/Documents/${id}/FileDownload?targetFileType=Auto`), { headers });
    expect(res.headers.get('content-length')).toBe(String(size));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    let received = 0;
    let mismatches = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      // Check a few bytes per chunk: order and completeness, without slowing the test down.
      for (const offset of [0, chunk.length - 1]) if (chunk[offset] !== patternByte(received + offset)) mismatches += 1;
      received += chunk.length;
    }
    expect(received).toBe(size);
    expect(mismatches).toBe(0);
  });

  it('stores a multipart upload (document part + file part) and returns the created document', async () => {
    const form = new FormData();
    const fields = { Fields: [{ FieldName: 'COMPANY', Item: 'Upload GmbH', ItemElementName: 'String' }, { FieldName: 'AMOUNT', Item: 12.5, ItemElementName: 'Decimal' }] };
    form.append('document', new Blob([JSON.stringify(fields)], { type: 'application/json' }), 'document.json');
    form.append('file', new Blob([Buffer.from('hello upload')], { type: 'text/plain' }), 'hello.txt');
    const res = await fetch(platform(dw, `/FileCabinets/${invoices}/Documents`), { method: 'POST', headers, body: form });
    expect(res.status).toBe(200);
    const created = (await res.json()) as { Id: number; Links: { rel: string; href: string }[] };
    expect(created).toMatchObject({ Title: 'hello', ContentType: 'text/plain', FileSize: 12, SectionCount: 1, FileCabinetId: invoices });
    const stored = dw.documents.get(invoices, created.Id);
    expect(stored?.fields).toEqual([
      { FieldName: 'COMPANY', Item: 'Upload GmbH', ItemElementName: 'String' },
      { FieldName: 'AMOUNT', Item: 12.5, ItemElementName: 'Decimal' },
    ]);
    expect(stored?.file).toEqual({ name: 'hello.txt', contentType: 'text/plain', content: Buffer.from('hello upload') });
    const download = created.Links.find((l) => l.rel === 'fileDownload')?.href ?? '';
    expect(await (await fetch(`${dw.url}${download}`, { headers })).text()).toBe('hello upload');
    const found = await search(`dialogId=${dw.ids.searchDialogId}`, { Condition: [{ DBName: 'COMPANY', Value: ['Upload*'] }] });
    expect(companies(found.body)).toEqual(['Upload GmbH']);
  });

  it('takes the document part as a plain field, stores JSON index-only documents, and refuses bad uploads', async () => {
    const plain = new FormData();
    plain.append('document', JSON.stringify({ Fields: [{ FieldName: 'company', Item: 'Plain' }] }));
    plain.append('file', new Blob(['x']), 'x.bin');
    const created = await fetch(platform(dw, `/FileCabinets/${dw.ids.trayId}/Documents`), { method: 'POST', headers, body: plain });
    expect(await created.json()).toMatchObject({ FileCabinetId: dw.ids.trayId, Fields: [expect.objectContaining({ FieldName: 'COMPANY', Item: 'Plain' })] });
    const indexOnly = await fetch(platform(dw, `/FileCabinets/${dw.ids.archiveCabinetId}/Documents`), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ Fields: [{ FieldName: 'DOCUMENT_TYPE', Item: 'Note' }] }),
    });
    expect(await indexOnly.json()).toMatchObject({ SectionCount: 0, FileSize: 0, Sections: [] });
    const unknownField = new FormData();
    unknownField.append('document', JSON.stringify({ Fields: [{ FieldName: 'NOPE', Item: 'x' }] }));
    expect((await fetch(platform(dw, `/FileCabinets/${invoices}/Documents`), { method: 'POST', headers, body: unknownField })).status).toBe(400);
    const textFile = new FormData();
    textFile.append('file', 'not a file');
    expect((await fetch(platform(dw, `/FileCabinets/${invoices}/Documents`), { method: 'POST', headers, body: textFile })).status).toBe(400);
    const form = await fetch(platform(dw, `/FileCabinets/${invoices}/Documents`), { method: 'POST', headers, body: new URLSearchParams({ a: 'b' }) });
    expect(form.status).toBe(415);
  });

  it('answers the service description without a session', async () => {
    const res = await fetch(platform(dw, ''), { headers: JSON_ACCEPT });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ Version: '7.10.0.0' });
  });
});
