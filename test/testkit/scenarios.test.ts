/**
 * `connector test` on the sample connectors and on manifests broken on purpose: the samples'
 * scenarios pass (CLI and runner API), a broken manifest fails its scenario with a message that
 * names the manifest field at fault, and the exit codes say what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runManifestTests, type ManifestReport } from '../../sdk/testkit/scenario-runner.js';
import { cli, scratch, type Scratch } from './helpers.js';

/** Every sample connector: each must carry scenarios, and all of them pass. */
const SAMPLES = readdirSync('connectors').filter((name) => name.endsWith('.json')).sort().map((name) => `connectors/${name}`);
const REFRESHING = 'test/testkit/manifests/refreshing.json';
let tmp: Scratch;

beforeAll(async () => {
  tmp = await scratch('connector-test-');
});

afterAll(async () => {
  await tmp.remove();
});

function failuresOf(report: ManifestReport, scenario: string): string[] {
  const found = report.scenarios.find((s) => s.name === scenario);
  if (!found) throw new Error(`no scenario "${scenario}" in the report`);
  return found.failures;
}

describe('the sample connectors', () => {
  it.each(SAMPLES)('%s: every scenario passes through the runner API', async (file) => {
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { tests?: unknown[] };
    const report = await runManifestTests(file);
    expect(report.valid).toBe(true);
    expect(report.scenarios).toHaveLength(manifest.tests?.length ?? -1);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });

  it('cover the auth lifecycle: expiry, 401 + replay, concurrent callers, refused credentials, cookie lapse', async () => {
    const names = (
      await Promise.all(SAMPLES.map(async (file) => (JSON.parse(await readFile(file, 'utf8')) as { tests: { name: string }[] }).tests))
    )
      .flat()
      .map((scenario) => scenario.name);
    for (const topic of [/token expiry/, /401.*replay/, /concurrent.*one (token request|logon)/, /session cookie refused.*re-logon/, /cookie lapses \(Max-Age\)/, /wrong (password|client secret)/]) {
      expect(names.some((name) => topic.test(name)), String(topic)).toBe(true);
    }
  });

  it('connector test connectors/*.json: exit 0, one line per scenario', async () => {
    const { code, stdout, stderr } = await cli('test', ...SAMPLES);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^connectors\/snov-io\.json \(snov-io\)$/m);
    expect(stdout).toMatch(/^ {2}pass {2}401 mid-session: one renewal and one replay {2}\(5 requests, \d+ ms\)$/m);
    expect(stdout).toMatch(/^ {2}pass {2}cookie lapses \(Max-Age\): a new logon before the next call/m);
    expect(stdout).not.toContain('FAIL');
    const total = (await Promise.all(SAMPLES.map(async (file) => (JSON.parse(await readFile(file, 'utf8')) as { tests: unknown[] }).tests.length))).reduce((a, b) => a + b, 0);
    expect(stdout).toMatch(new RegExp(`^${total} scenarios in ${SAMPLES.length} manifests: ${total} passed, 0 failed$`, 'm'));
  });

  it('--format json and --scenario', async () => {
    const { code, stdout } = await cli('test', 'connectors/docuware.json', '--format', 'json', '--scenario', 'session cookie refused: one re-logon and a replay');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { passed: boolean; scenarios: number; failed: number; manifests: ManifestReport[] };
    expect(report).toMatchObject({ passed: true, scenarios: 1, failed: 0 });
    const [scenario] = report.manifests[0]?.scenarios ?? [];
    expect(scenario?.requests.map((r) => [r.method, r.path, r.status, r.kind ?? r.note ?? ''])).toEqual([
      ['POST', '/DocuWare/Platform/Account/Logon', 200, 'authorization'],
      ['GET', '/DocuWare/Platform/FileCabinets', 200, ''],
      ['GET', '/DocuWare/Platform/FileCabinets', 401, 'expired token'],
      ['POST', '/DocuWare/Platform/Account/Logon', 200, 'authorization'],
      ['GET', '/DocuWare/Platform/FileCabinets', 200, ''],
    ]);
    // The dispatcher kept the host the connection meant to reach.
    expect(scenario?.requests[0]?.origin).toBe('https://acme.docuware.cloud');
  });

  it('a refresh endpoint with rotation: refresh, 401 + refresh, refresh rejected → re-authorization, concurrent callers', async () => {
    const report = await runManifestTests(REFRESHING);
    expect(report.scenarios.map((s) => [s.name, s.failures])).toEqual([
      ['access token expires: one refresh, rotated', []],
      ['401: one refresh and one replay', []],
      ['refresh rejected: re-authorization', []],
      ['concurrent callers with an expired token: one refresh', []],
    ]);
  });
});

describe('broken manifests fail their scenarios, naming the field at fault', () => {
  it('wrong token path: the call fails and the message points at /auth/response_access_token_path', async () => {
    const file = await tmp.manifest('wrong-token-path', 'connectors/snov-io.json', (m) => {
      m.auth.response_access_token_path = 'accessToken';
    });
    const report = await runManifestTests(file, { scenario: 'token expiry: a new token before the next call' });
    const [failure] = failuresOf(report, 'token expiry: a new token before the next call');
    // A path that finds nothing is the manifest's fault: no re-authorization, the field is named.
    expect(failure).toContain('step 1 (/tests/0/steps/0) call get-balance: failed with CONNECTOR_TOKEN_RESPONSE_INVALID');
    expect(failure).toContain('expected the access token at $.accessToken, found nothing (top-level keys: access_token, token_type, expires_in); check /auth/response_access_token_path');

    const { code, stdout } = await cli('test', file);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ {2}FAIL {2}token expiry: a new token before the next call {2}\(\/tests\/0\)$/m);
    expect(stdout).toContain('check /auth/response_access_token_path');
    expect(stdout).toMatch(/^ {11}1 {2}POST \/v1\/oauth\/access_token {2}200 {2}authorization$/m);
    expect(stdout).toMatch(/^6 scenarios in 1 manifest: 1 passed, 5 failed$/m);
  });

  it('missing refresh body: the refresh is refused and the message points at /auth/refresh_request_body_template', async () => {
    const file = await tmp.manifest('no-refresh-body', REFRESHING, (m) => {
      m.auth.refresh_request_body_template = '';
    });
    const report = await runManifestTests(file);
    const failures = failuresOf(report, 'access token expires: one refresh, rotated');
    expect(failures).toEqual([
      'expected 1 request to POST /oauth/token, saw 3',
      'expected 1 authorization request (token endpoint), saw 3',
      'expected the events [token.acquired, token.refreshed, token.refreshed], saw [token.acquired, token.acquired, token.acquired]',
    ]);
    const scenario = report.scenarios[0];
    expect(scenario?.requests.filter((r) => r.note === 'no refresh token')).toHaveLength(2);
    expect(scenario?.events.find((e) => e.type === 'token.refresh_failed')?.detail).toBe(
      'the token endpoint (/auth/refresh_request_url) rejected the request (invalid_request: connector test: the refresh request carries no refresh token); this is not a refusal of the credentials. The token request went without a body: check /auth/refresh_request_body_template (it renders empty).',
    );

    const { code, stdout } = await cli('test', file, '--scenario', 'access token expires: one refresh, rotated');
    expect(code).toBe(1);
    expect(stdout).toContain('token.refresh_failed: the token endpoint (/auth/refresh_request_url) rejected the request');
    expect(stdout).toContain('check /auth/refresh_request_body_template (it renders empty). (2 times)');
    expect(stdout).toMatch(/POST \/oauth\/refresh +400 {2}refresh, no refresh token/);
  });

  it('a refresh body without the refresh token: "check /auth/refresh_request_body_template"', async () => {
    const file = await tmp.manifest('refresh-body-without-token', REFRESHING, (m) => {
      m.auth.refresh_request_body_template = 'grant_type=refresh_token';
    });
    const report = await runManifestTests(file, { scenario: '401: one refresh and one replay' });
    expect(report.scenarios[0]?.passed).toBe(false);
    expect(report.scenarios[0]?.events.find((e) => e.type === 'token.refresh_failed')?.detail).toContain(
      'The token request is malformed: check /auth/refresh_request_body_template and the headers.',
    );
  });

  it('wrong refresh token path in the refresh response: names /auth/refresh_response_access_token_path', async () => {
    const file = await tmp.manifest('refresh-wrong-path', REFRESHING, (m) => {
      m.auth.refresh_response_access_token_path = 'data.access_token';
    });
    const report = await runManifestTests(file, { scenario: 'access token expires: one refresh, rotated' });
    expect(report.scenarios[0]?.events.find((e) => e.type === 'token.refresh_failed')?.detail).toContain(
      'expected the access token at $.data.access_token, found nothing (top-level keys: access_token, refresh_token, token_type, expires_in); check /auth/refresh_response_access_token_path',
    );
  });

  it('wrong expires_in path: no proactive renewal, so the server refuses the aged token and the counts differ', async () => {
    const file = await tmp.manifest('wrong-expiry', 'connectors/snov-io.json', (m) => {
      m.auth.expiry = { expires_in_path: 'expiresIn' };
    });
    const report = await runManifestTests(file, { scenario: 'token expiry: a new token before the next call' });
    expect(failuresOf(report, 'token expiry: a new token before the next call')).toEqual([
      'expected 2 requests to GET /v1/get-balance, saw 3',
      'expected 0 auth.token_rejected events, saw 1',
    ]);
    expect(report.scenarios[0]?.requests.map((r) => `${r.method} ${r.path} ${r.status}${r.note ? ` ${r.note}` : ''}`)).toEqual([
      'POST /v1/oauth/access_token 200',
      'GET /v1/get-balance 200',
      'GET /v1/get-balance 401 expired token',
      'POST /v1/oauth/access_token 200',
      'GET /v1/get-balance 200',
    ]);
  });

  it('a cookie token with no usable expiry: the lapse scenario fails on the 401 instead of a timely logon', async () => {
    const file = await tmp.manifest('cookie-no-expiry', 'connectors/docuware.json', (m) => {
      m.auth.expiry = { from_cookie: false, from_jwt: false };
    });
    const report = await runManifestTests(file, { scenario: 'cookie lapses (Max-Age): a new logon before the next call' });
    expect(report.scenarios[0]?.failures).toEqual(['expected 1 request to GET /DocuWare/Platform/FileCabinets, saw 2', 'expected 0 auth.token_rejected events, saw 1']);
  });

  it('a request no route answers fails the scenario', async () => {
    const file = await tmp.manifest('unrouted', 'connectors/snov-io.json', (m) => {
      m.tests = [{ name: 'lists', credentials: { client_id: 'a', client_secret: 'b' }, responses: m.tests[0].responses, steps: [{ call: 'start-domain-search', input: { domain: 'snov.io' } }] }];
    });
    const report = await runManifestTests(file);
    expect(report.scenarios[0]?.failures).toEqual([
      expect.stringMatching(/^step 1 \(\/tests\/0\/steps\/0\) call start-domain-search: failed with CONNECTOR_HTTP_STATUS: /),
      'request 2: no response is declared for POST /v2/domain-search/start: add it to responses (or record it)',
    ]);
  });
});

describe('exit codes and usage', () => {
  it('3 for an invalid manifest: a scenario calling an undeclared action is reported at its pointer', async () => {
    const file = await tmp.manifest('bad-call', 'connectors/snov-io.json', (m) => {
      m.tests[1].steps[2].call = 'get-balanse';
    });
    const { code, stdout } = await cli('test', file);
    expect(code).toBe(3);
    expect(stdout).toMatch(/bad-call\.json:\d+:\d+ {2}\/tests\/1\/steps\/2\/call {2}error: action "get-balanse" is not declared in actions {2}\(did you mean "get-balance"\?\)/);
    expect(stdout).toContain('invalid manifest: no scenario ran');
  });

  it('2 for usage errors: no manifest, a bad format, an unknown scenario name', async () => {
    expect((await cli('test')).code).toBe(2);
    expect((await cli('test', 'connectors/snov-io.json', '--format', 'xml')).code).toBe(2);
    const unknown = await cli('test', 'connectors/snov-io.json', '--scenario', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no scenario is named "nope"');
    const help = await cli('test', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: connector test <manifest…>');
  });

  it('2 for a manifest that cannot be read (a wrong path is a usage error, as for validate)', async () => {
    const { code, stdout } = await cli('test', `${tmp.dir}/missing.json`);
    expect(code).toBe(2);
    expect(stdout).toContain('missing.json  error: cannot read the file (no such file)');
  });

  it('test and validate skip recorded fixture files a shell glob picks up', async () => {
    const fixtures = await tmp.write('snov-io.fixtures.json', { connector: 'snov-io', fixtures: {} });
    const { code, stdout } = await cli('test', 'connectors/snov-io.json', fixtures);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^6 scenarios in 1 manifest: 6 passed, 0 failed$/m);
    const validate = await cli('validate', 'connectors/snov-io.json', fixtures);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toBe('1 file checked: all valid, 0 errors, 0 warnings\n');
  });
});
