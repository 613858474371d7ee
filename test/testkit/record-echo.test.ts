/**
 * `connector record` against a token endpoint that refuses by echoing the form body back,
 * re-encoded by URLSearchParams (which escapes ! ' ( ) ~), decoded and in Base64: the fixture
 * file keeps the exchange, but holds the client secret in none of its encodings, and neither
 * does anything the CLI prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { expectNoSecret, startEchoServer, type EchoServer } from '../helpers/cli.js';
import { refreshableManifest } from '../helpers/manifests.js';
import { registerSecret } from '../helpers/secret-scan.js';
import { cli, scratch, type Scratch } from './helpers.js';

/** Space, ! ' ( ) ~ and a non-ASCII letter: URLSearchParams writes it unlike encodeURIComponent and forms. */
const CLIENT_SECRET = "rec !'()~ ñ-canary-secret";
registerSecret(CLIENT_SECRET);

let echo: EchoServer;
let tmp: Scratch;

beforeAll(async () => {
  echo = await startEchoServer();
  tmp = await scratch('connector-record-echo-');
});

afterAll(async () => {
  await echo.close();
  await tmp.remove();
});

describe('connector record: a token endpoint echoing the secret in its 400', () => {
  it('the fixture file and the output hold the client secret in no encoding', async () => {
    const manifest = await tmp.write('echo.json', refreshableManifest(echo.url));
    const credentials = await tmp.write('echo.credentials.json', { client_id: 'client-1', client_secret: CLIENT_SECRET });
    const { code, stdout, stderr } = await cli('record', manifest, 'get-items', '--credentials', credentials, '--allow-private-network');
    expect(code).toBe(1);
    expect(stdout).toBe(`recorded 1 exchange as "get-items" in ${tmp.dir}/echo.fixtures.json\n  POST /token  400\n`);
    expect(stderr).toMatch(/^the action failed; its exchanges are recorded all the same\nconnector record: .*client_secret=\[REDACTED\].* \[CONNECTOR_CONFIGURATION_INVALID\]\n$/);
    // The server did get the secret, and answered with it URLSearchParams-encoded.
    expect(echo.requests).toHaveLength(1);
    const form = new URLSearchParams(echo.requests[0]?.body).toString();
    expect(form).toContain(new URLSearchParams({ client_secret: CLIENT_SECRET }).toString());

    const text = await readFile(`${tmp.dir}/echo.fixtures.json`, 'utf8');
    expectNoSecret(text, [CLIENT_SECRET], 'the fixture file');
    expectNoSecret(stdout, [CLIENT_SECRET], 'stdout');
    expectNoSecret(stderr, [CLIENT_SECRET], 'stderr');
    const [exchange] = (JSON.parse(text) as { fixtures: Record<string, { exchanges: any[] }> }).fixtures['get-items']?.exchanges ?? [];
    expect(exchange.request.body).toBe('grant_type=client_credentials&client_id=client-1&client_secret={{secret:client_secret}}');
    expect(exchange.response.status).toBe(400);
    expect(exchange.response.json.echo.form).toBe('grant_type=client_credentials&client_id=client-1&client_secret={{secret:client_secret}}');
    expect(exchange.response.json.decoded).toEqual({ grant_type: 'client_credentials', client_id: 'client-1', client_secret: '{{secret:client_secret}}' });
    expect(exchange.response.json.base64.at(-1)).toEqual(['client_secret', '{{secret:client_secret}}', '{{secret:client_secret}}']);
  });
});
