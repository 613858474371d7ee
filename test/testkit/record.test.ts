/**
 * `connector record` against the local sandboxes: the fixture file holds none of the secrets
 * used or obtained while recording (credentials, tokens, session cookies — raw or encoded), and
 * a scenario that replays the recorded set passes, through the CLI and the runner API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';
import type { SandboxRequestLog } from '../../sandboxes/http-server.js';
import { runManifestTests } from '../../sdk/testkit/scenario-runner.js';
import { registerSecret } from '../helpers/secret-scan.js';
import { cli, scratch, type Scratch } from './helpers.js';

let snov: SnovSandbox;
let docuware: DocuwareSandbox;
let tmp: Scratch;
let snovManifest: string;
let docuwareManifest: string;
let snovCredentials: string;
let docuwareCredentials: string;

beforeAll(async () => {
  registerSecret('sandbox-client-secret', 'sandbox-password');
  snov = await startSnovSandbox();
  // A session cookie with Max-Age/Expires, as DocuWare sends when a lifetime is configured.
  docuware = await startDocuwareSandbox({ cookieLifetimeSeconds: 3600 });
  tmp = await scratch('connector-record-');
  snovManifest = await tmp.manifest('snov-io', 'connectors/snov-io.json', (m) => delete m.tests);
  docuwareManifest = await tmp.manifest('docuware', 'connectors/docuware.json', (m) => delete m.tests);
  snovCredentials = await tmp.write('snov.credentials.json', { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: snov.url });
  docuwareCredentials = await tmp.write('docuware.credentials.json', {
    scheme: 'http',
    host: docuware.host,
    username: 'sandbox-user',
    password: 'sandbox-password',
    organization: 'Sandbox Org',
  });
});

afterAll(async () => {
  await snov.close();
  await docuware.close();
  await tmp.remove();
});

/** Every token and cookie value the sandbox saw come back: what it issued. */
function issuedSecrets(requests: readonly SandboxRequestLog[]): string[] {
  const found = new Set<string>();
  for (const request of requests) {
    const bearer = /^Bearer\s+(\S+)/i.exec(String(request.headers.authorization ?? ''))?.[1];
    if (bearer) found.add(bearer);
    const query = new URL(request.path, 'http://sandbox').searchParams.get('access_token');
    if (query) found.add(query);
    for (const pair of String(request.headers.cookie ?? '').split(';')) {
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value.length >= 8) found.add(value);
    }
  }
  return [...found];
}

function expectNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
      expect(text.includes(form), `a secret (${secret.slice(0, 6)}…) is in the fixture file`).toBe(false);
    }
  }
}

describe('connector record', () => {
  it('snov.io: token request and calls saved with placeholders, no secret on disk', async () => {
    const balance = await cli('record', snovManifest, 'get-balance', '--credentials', snovCredentials, '--allow-private-network');
    expect(balance.stderr).toBe('');
    expect(balance.code).toBe(0);
    expect(balance.stdout).toBe(
      `recorded 2 exchanges as "get-balance" in ${tmp.dir}/snov-io.fixtures.json\n  POST /v1/oauth/access_token  200\n  GET /v1/get-balance  200\n`,
    );
    const lists = await cli('record', snovManifest, 'get-user-lists', '--credentials', snovCredentials, '--allow-private-network', '--name', 'lists');
    expect(lists.code).toBe(0);

    const text = await readFile(`${tmp.dir}/snov-io.fixtures.json`, 'utf8');
    const tokens = issuedSecrets(snov.requests);
    expect(tokens).toHaveLength(2);
    registerSecret(...tokens);
    expectNoSecret(text, ['sandbox-client-secret', ...tokens]);

    const file = JSON.parse(text) as { connector: string; fixtures: Record<string, { action: string; exchanges: any[] }> };
    expect(file.connector).toBe('snov-io');
    expect(Object.keys(file.fixtures)).toEqual(['get-balance', 'lists']);
    const [token, call] = file.fixtures['get-balance']?.exchanges ?? [];
    expect(token.request.body).toBe('grant_type=client_credentials&client_id=sandbox-client-id&client_secret={{secret:client_secret}}');
    expect(token.response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      json: { access_token: '{{access_token}}', token_type: 'Bearer', expires_in: 3600 },
    });
    expect(call.request).toEqual({ method: 'GET', path: '/v1/get-balance', headers: { authorization: 'Bearer {{access_token}}' } });
    expect(call.response.json).toMatchObject({ success: true, data: { balance: '25000.00' } });
    expect(file.fixtures.lists?.exchanges[1].request.path).toBe('/v1/get-user-lists?access_token={{access_token}}');
  });

  it('DocuWare: the session cookie becomes {{access_token}}, the others {{cookie:NAME}}, expires relative; a binary body in base64', async () => {
    const before = docuware.requests.length;
    const cabinets = await cli('record', docuwareManifest, 'list-file-cabinets', '--credentials', docuwareCredentials, '--allow-private-network');
    expect(cabinets.code).toBe(0);
    const input = JSON.stringify({ file_cabinet_id: docuware.ids.invoicesCabinetId, document_id: 1 });
    const download = await cli('record', docuwareManifest, 'download-document', '--input', input, '--credentials', docuwareCredentials, '--allow-private-network', '--name', 'download');
    expect(download.code).toBe(0);

    const text = await readFile(`${tmp.dir}/docuware.fixtures.json`, 'utf8');
    const cookies = issuedSecrets(docuware.requests.slice(before));
    expect(cookies.length).toBeGreaterThanOrEqual(6);
    registerSecret(...cookies);
    expectNoSecret(text, ['sandbox-password', ...cookies]);

    const file = JSON.parse(text) as { fixtures: Record<string, { exchanges: any[] }> };
    const [logon, list] = file.fixtures['list-file-cabinets']?.exchanges ?? [];
    expect(logon.request.body).toContain('UserName=sandbox-user&Password={{secret:password}}&Organization=Sandbox+Org');
    // Expires is relative to the server's Date header (both to the second, so a tick may fall between them).
    expect(logon.response.set_cookies).toEqual([
      'dwingressplatform={{cookie:dwingressplatform}}; Path=/; HttpOnly',
      expect.stringMatching(/^\.DWPLATFORMAUTH=\{\{access_token\}\}; expires=\{\{http_date\+(?:3599|3600)\}\}; max-age=3600; path=\/; HttpOnly$/),
      expect.stringMatching(/^DWPLATFORMBROWSERID=\{\{cookie:DWPLATFORMBROWSERID\}\}; expires=\{\{http_date\+(?:63071999[89]|630720000)\}\}; path=\/; HttpOnly$/),
    ]);
    expect(list.request.headers.cookie).toBe(
      'dwingressplatform={{cookie:dwingressplatform}}; .DWPLATFORMAUTH={{access_token}}; DWPLATFORMBROWSERID={{cookie:DWPLATFORMBROWSERID}}',
    );
    const file1 = file.fixtures.download?.exchanges[1].response;
    expect(file1.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(file1.body_base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a scenario replaying the recorded sets passes (CLI and runner API)', async () => {
    const snovTests = await tmp.manifest('snov-io', snovManifest, (m) => {
      m.tests = [
        {
          name: 'recorded: token expiry',
          credentials: { client_id: 'test-client-id', client_secret: 'test-client-secret' },
          fixtures: 'get-balance',
          steps: [{ call: 'get-balance' }, { advance: 3700 }, { call: 'get-balance' }],
          expect: { requests: { 'POST /v1/oauth/access_token': 2, 'GET /v1/get-balance': 2 }, tokens: { authorizations: 2 } },
        },
        {
          name: 'recorded: token in the query renewed on 401',
          credentials: { client_id: 'test-client-id', client_secret: 'test-client-secret' },
          fixtures: 'lists',
          steps: [{ call: 'get-user-lists' }, { expire_tokens: true }, { call: 'get-user-lists' }],
          expect: { requests: { 'POST /v1/oauth/access_token': 2, 'GET /v1/get-user-lists': 3 }, events: ['token.acquired', 'auth.token_rejected', 'token.acquired'] },
        },
      ];
    });
    const docuwareTests = await tmp.manifest('docuware', docuwareManifest, (m) => {
      const credentials = { host: 'acme.docuware.cloud', username: 'test-user', password: 'test-password', organization: 'Test Org' };
      m.tests = [
        {
          name: 'recorded: the cookie lapses (Max-Age), a new logon',
          credentials,
          fixtures: 'list-file-cabinets',
          steps: [{ call: 'list-file-cabinets' }, { advance: 3700 }, { call: 'list-file-cabinets' }],
          expect: { requests: { 'POST /DocuWare/Platform/Account/Logon': 2, 'GET /DocuWare/Platform/FileCabinets': 2 }, events: { 'auth.token_rejected': 0 } },
        },
        {
          name: 'recorded: a download, the session refused, one re-logon',
          credentials,
          fixtures: 'download',
          steps: [{ call: 'download-document', input: { file_cabinet_id: docuware.ids.invoicesCabinetId, document_id: 1 } }, { expire_tokens: true }, { call: 'download-document', input: { file_cabinet_id: docuware.ids.invoicesCabinetId, document_id: 1 } }],
          expect: { requests: { 'POST /DocuWare/Platform/Account/Logon': 2, 'GET /DocuWare/Platform/FileCabinets/*/Documents/*/FileDownload': 3 } },
        },
      ];
    });
    const { code, stdout } = await cli('test', snovTests, docuwareTests);
    expect(stdout).toMatch(/^4 scenarios in 2 manifests: 4 passed, 0 failed$/m);
    expect(code).toBe(0);
    for (const file of [snovTests, docuwareTests]) {
      const report = await runManifestTests(file);
      expect(report.scenarios.map((s) => s.failures)).toEqual([[], []]);
    }
  });

  it('a scenario naming a set that was not recorded fails with what there is', async () => {
    const file = await tmp.manifest('snov-missing-set', snovManifest, (m) => {
      m.tests = [{ name: 'missing', credentials: { client_id: 'a', client_secret: 'b' }, fixtures: 'nope', steps: [{ call: 'get-balance' }] }];
    });
    const report = await runManifestTests(file);
    expect(report.scenarios[0]?.failures).toEqual([`/tests/0/fixtures: no fixture file ${tmp.dir}/snov-missing-set.fixtures.json: record the set with connector record --name nope`]);
  });

  it('usage: no credentials → 2; invalid manifest → 3; a failing action is recorded and exits 1', async () => {
    expect((await cli('record', snovManifest, 'get-balance')).code).toBe(2);
    const broken = await tmp.write('broken.json', { id: 'x' });
    expect((await cli('record', broken, 'get-balance', '--credentials', snovCredentials)).code).toBe(3);
    registerSecret('wrong-secret-canary');
    const wrong = await tmp.write('wrong.credentials.json', { client_id: 'sandbox-client-id', client_secret: 'wrong-secret-canary', api_base: snov.url });
    const failed = await cli('record', snovManifest, 'get-balance', '--credentials', wrong, '--allow-private-network', '--name', 'refused');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('CONNECTOR_REAUTHORIZATION_REQUIRED');
    const text = await readFile(`${tmp.dir}/snov-io.fixtures.json`, 'utf8');
    expect(text).not.toContain('wrong-secret-canary');
    const refused = (JSON.parse(text) as { fixtures: Record<string, { exchanges: any[] }> }).fixtures.refused;
    expect(refused?.exchanges.map((e) => e.response.status)).toEqual([401]);
  });
  it('--format json: one {"recorded"} object on stdout; a failed action gives {"error", "recorded"} beside it', async () => {
    const done = await cli('record', snovManifest, 'get-balance', '--credentials', snovCredentials, '--allow-private-network', '--name', 'json-balance', '--format', 'json');
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({
      recorded: {
        name: 'json-balance',
        file: `${tmp.dir}/snov-io.fixtures.json`,
        exchanges: [
          { method: 'POST', path: '/v1/oauth/access_token', status: 200 },
          { method: 'GET', path: '/v1/get-balance', status: 200 },
        ],
      },
    });
    registerSecret('wrong-json-canary');
    const wrong = await tmp.write('wrong-json.credentials.json', { client_id: 'sandbox-client-id', client_secret: 'wrong-json-canary', api_base: snov.url });
    const failed = await cli('record', snovManifest, 'get-balance', '--credentials', wrong, '--allow-private-network', '--name', 'json-refused', '--format', 'json');
    expect(failed.stderr).toBe('');
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toContain('wrong-json-canary');
    const printed = JSON.parse(failed.stdout) as { error: { code: string }; recorded: { exchanges: unknown[] } };
    expect(Object.keys(printed)).toEqual(['error', 'recorded']);
    expect(printed.error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(printed.recorded.exchanges).toEqual([{ method: 'POST', path: '/v1/oauth/access_token', status: 401 }]);
  });
});
