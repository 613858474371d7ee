/**
 * Nothing the CLI prints carries a secret, in any encoding, text or --format json: scenario
 * reports (`test`) with an x-secret credential or an issued token in the query, and the
 * failures of `run` and `auth` against a loopback server that refuses every request by echoing
 * it back (URL, headers, body; re-encoded, decoded, in Base64).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { connectorCli, expectNoSecret, startEchoServer, type EchoServer } from '../helpers/cli.js';
import { refreshableManifest } from '../helpers/manifests.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

/** Space, ! ' ( ) ~ and a non-ASCII letter: each encoding writes them differently. */
const API_KEY = "key !'()~ é-canary-api";
const CLIENT_SECRET = "cs !'()~ ü-canary-client";
const PASSWORD = "pw !'()~ ß-canary-password";
const BASIC = Buffer.from(`operator:${PASSWORD}`).toString('base64');
registerSecret(API_KEY, CLIENT_SECRET, PASSWORD, BASIC);

let dir: string;
let echo: EchoServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connector-secret-output-'));
  echo = await startEchoServer();
});

afterAll(async () => {
  await echo.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

/** Runs the CLI; both streams are scanned by the suite and checked here for every encoding of every secret. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await connectorCli(...args);
  record(result.stdout, 'stdout');
  record(result.stderr, 'stderr');
  expectNoSecret(result.stdout, [API_KEY, CLIENT_SECRET, PASSWORD, BASIC], `stdout of connector ${args[0]}`);
  expectNoSecret(result.stderr, [API_KEY, CLIENT_SECRET, PASSWORD, BASIC], `stderr of connector ${args[0]}`);
  return result;
}

const apiKeyAuth = { type: 'api_key', in: 'query', name: 'api_key', value: '{{ credentials.api_key }}' } as const;

/** A scenario that fails (one request fewer than expected), so the report lists the requests. */
function failingScenario(credentials: Record<string, string>, responses: Record<string, unknown[]>, call: string, route: string) {
  return { name: 'one request too few', credentials, responses, steps: [{ call }], expect: { requests: { [route]: 2 } } };
}

describe('connector test: reports are masked', () => {
  it('an x-secret api_key in the query: the path is listed with the value masked, in no encoding', async () => {
    const manifest = authManifest('https://api.example.com', apiKeyAuth, credentialFields(['api_key'], ['api_key']), {
      tests: [failingScenario({ api_key: API_KEY }, { 'GET /api/items': [{ status: 200, json: { data: [] } }] }, 'items', 'GET /api/items')],
    } as never);
    const path = await file('query-key.json', manifest);

    const json = await cli('test', path, '--format', 'json');
    expect(json.code).toBe(1);
    const [scenario] = (JSON.parse(json.stdout) as { manifests: { scenarios: { failures: string[]; requests: { path: string }[] }[] }[] }).manifests[0]!.scenarios;
    expect(scenario?.failures).toEqual(['expected 2 requests to GET /api/items, saw 1']);
    expect(scenario?.requests.map((request) => request.path)).toEqual(['/api/items?api_key=[REDACTED]']);

    const text = await cli('test', path);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ {10} 1 {2}GET \/api\/items\?… {2}200$/m);
  });

  it('a token the scenario server issued, in the query: masked in the listed path', async () => {
    const manifest = refreshableManifest('https://api.example.com', {}, {
      actions: { lists: { method: 'GET', path: '/api/lists', apply_auth: false, query: { access_token: '{{ auth.access_token }}' } } },
      tests: [
        failingScenario(
          { client_id: 'client-1', client_secret: CLIENT_SECRET },
          { 'POST /token': [{ status: 200, json: { access_token: '{{access_token}}', expires_in: 3600 } }], 'GET /api/lists': [{ status: 200, json: [] }] },
          'lists',
          'GET /api/lists',
        ),
      ],
    } as never);
    const path = await file('query-token.json', manifest);
    const { code, stdout } = await cli('test', path, '--format', 'json');
    expect(code).toBe(1);
    const [scenario] = (JSON.parse(stdout) as { manifests: { scenarios: { requests: { path: string }[] }[] }[] }).manifests[0]!.scenarios;
    expect(scenario?.requests.map((request) => request.path)).toEqual(['/token', '/api/lists?access_token=[REDACTED]']);
  });
});

describe('connector run: a refusal that echoes the request', () => {
  it('api_key in the query and the body: no secret on stderr (text) or stdout (--format json)', async () => {
    const manifest = authManifest(echo.url, apiKeyAuth, credentialFields(['api_key'], ['api_key']), {
      actions: { create: { method: 'POST', path: '/api/items', body: { note: 'from {{ credentials.api_key }}' } } },
    } as never);
    const path = await file('run-key.json', manifest);
    const credentials = await file('run-key.credentials.json', { api_key: API_KEY });

    const text = await cli('run', path, 'create', '--credentials', credentials, '--allow-private-network');
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    const [line, body, ...rest] = text.stderr.split('\n');
    expect(line).toBe(`connector run: POST ${echo.url}/api/items?api_key=*** answered 400 [CONNECTOR_HTTP_STATUS]`);
    // The refusal's body, redacted, on one line and cut to 500 characters.
    expect(body).toMatch(/^ {2}response body: \{"error":"invalid_request","error_description":"refused POST \/api\/items\?api_key=\[REDACTED\] with .*… \(\d+ more characters\)$/);
    expect(body?.length).toBeLessThan(600);
    expect(rest).toEqual(['']);

    const json = await cli('run', path, 'create', '--credentials', credentials, '--allow-private-network', '--format', 'json');
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const { error } = JSON.parse(json.stdout) as { error: Record<string, any> };
    expect(error).toMatchObject({ name: 'HttpError', code: 'CONNECTOR_HTTP_STATUS', status: 400, method: 'POST', url: `${echo.url}/api/items?api_key=***` });
    expect(error.body.echo.body).toBe('{"note":"from [REDACTED]"}');
    // The server did receive the secret: the output is clean because it was masked, not because it was never sent.
    expect(echo.requests.at(-1)?.body).toContain(API_KEY);
  });

  it('basic auth: neither the password nor the Basic header, echoed as headers, in either format', async () => {
    const manifest = authManifest(
      echo.url,
      { type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' },
      credentialFields(['username', 'password'], ['password']),
    );
    const path = await file('run-basic.json', manifest);
    const credentials = await file('run-basic.credentials.json', { username: 'operator', password: PASSWORD });
    const text = await cli('run', path, 'whoami', '--credentials', credentials, '--allow-private-network');
    expect(text.code).toBe(1);
    expect(text.stderr.split('\n')[0]).toBe(`connector run: GET ${echo.url}/api/whoami answered 400 [CONNECTOR_HTTP_STATUS]`);
    expect(text.stderr.split('\n')[1]).toMatch(/^ {2}response body: \{"error":"invalid_request",/);
    const json = await cli('run', path, 'whoami', '--credentials', credentials, '--allow-private-network', '--format', 'json');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { error: { body: { echo: { headers: Record<string, string> } } } }).error.body.echo.headers.authorization).toBe('[REDACTED]');
    expect(echo.requests.at(-1)?.headers.authorization).toBe(`Basic ${BASIC}`);
  });
});

describe('connector auth: a token endpoint that echoes the form body in its 400', () => {
  it('no client secret on stderr (text) or stdout (--format json)', async () => {
    const path = await file('auth.json', refreshableManifest(echo.url));
    const credentials = await file('auth.credentials.json', { client_id: 'client-1', client_secret: CLIENT_SECRET });

    const text = await cli('auth', path, '--credentials', credentials, '--allow-private-network');
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(
      /^connector auth: the token endpoint \(\/auth\/authorization_request_url\) rejected the request \(invalid_request: refused POST \/token with grant_type=client_credentials&client_id=client-1&client_secret=\[REDACTED\] .*\[CONNECTOR_CONFIGURATION_INVALID\]\n$/,
    );

    const json = await cli('auth', path, '--credentials', credentials, '--allow-private-network', '--format', 'json');
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const { error } = JSON.parse(json.stdout) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/auth/authorization_request_body_template', status: 400 });
    expect(error.message).toContain('client_secret=[REDACTED]');
    expect(echo.requests.at(-1)?.body).toContain(`client_secret=${encodeURIComponent(CLIENT_SECRET).replace(/%20/g, '+')}`);
  });
});
