/**
 * `connector login` for OAuth 1.0a's three-legged flow, end to end: the CLI obtains the
 * temporary credentials, prints the authorize URL, listens on the manifest's loopback
 * callback_url; the test plays the browser (follows the printed URL and the provider's redirect
 * with real requests); the CLI exchanges the verifier and keeps the token in a file store, which
 * `connector run` then signs with. The provider verifies every signature itself
 * (test/helpers/fake-oauth1.ts). No secret reaches stdout or stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { connectorCli, root } from '../helpers/cli.js';
import { FakeOAuth1 } from '../helpers/fake-oauth1.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const CONSUMER = { key: 'login-consumer', secret: 'login-consumer-secret-canary-8812' };
registerSecret(CONSUMER.secret);
let server: FakeOAuth1;
let dir: string;
let manifestPath: string;
let credentialsPath: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  server = await new FakeOAuth1({ consumerKey: CONSUMER.key, consumerSecret: CONSUMER.secret, now: () => Date.now(), toleranceSeconds: 300, extras: { screen_name: 'ada' } }).start();
  dir = await mkdtemp(join(tmpdir(), 'connector-login-oauth1-'));
  manifestPath = join(dir, 'manifest.json');
  credentialsPath = join(dir, 'credentials.json');
  const callback = `http://127.0.0.1:${await freePort()}/oauth1/callback`;
  const manifest = authManifest(
    server.origin,
    {
      type: 'oauth1',
      consumer_key: '{{ credentials.consumer_key }}',
      consumer_secret: '{{ credentials.consumer_secret }}',
      authorization: {
        request_token_url: server.url('requestToken'),
        authorize_url: server.url('authorize'),
        access_token_url: server.url('accessToken'),
        callback_url: '{{ credentials.callback_url }}',
        extras: ['screen_name'],
      },
    },
    credentialFields(['consumer_key', 'consumer_secret', 'callback_url'], ['consumer_secret']),
  );
  await writeFile(manifestPath, JSON.stringify(manifest));
  await writeFile(credentialsPath, JSON.stringify({ consumer_key: CONSUMER.key, consumer_secret: CONSUMER.secret, callback_url: callback }));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts `connector login`, plays the browser once it prints the URL; resolves with the exit code and output. */
function login(store: string): Promise<{ code: number; stdout: string; stderr: string; callbackStatus: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'sdk/cli/main.ts', 'login', manifestPath, '--credentials', credentialsPath, '--store', store, '--allow-private-network', '--allow-insecure-http', '--timeout', '60'],
      { cwd: root },
    );
    let stdout = '';
    let stderr = '';
    let callbackStatus = 0;
    let browsing = false;
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout.on('data', async (data: Buffer) => {
      stdout += data.toString();
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m.exec(stdout)?.[1];
      if (!url || browsing || !stdout.includes('Waiting for the redirect')) return;
      browsing = true;
      try {
        const answer = await fetch(url, { redirect: 'manual' });
        const landed = await fetch(answer.headers.get('location') ?? '');
        callbackStatus = landed.status;
        await landed.text();
      } catch (error) {
        reject(error as Error);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, callbackStatus }));
  });
}

describe('connector login (OAuth 1.0a)', () => {
  it('runs the three-legged flow through the loopback callback and keeps the token for `connector run`', async () => {
    const tokens = join(dir, 'tokens.json');
    const result = await login(`file:${tokens}`);
    record(result.stdout);
    record(result.stderr);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.callbackStatus).toBe(200);
    expect(result.stdout).toContain('oauth_token=temp-token-1');
    expect(result.stdout).toMatch(/authorized: token, no stated expiry, refresh token: no\n$/);
    expect(server.problems).toEqual([]);
    expect(Object.fromEntries(server.counts)).toEqual({ 'POST /oauth/request_token': 1, 'GET /oauth/authorize': 1, 'POST /oauth/access_token': 1 });
    const stored = await readFile(tokens, 'utf8');
    expect(stored).toContain('access-token-canary-1-77c2');
    expect(stored).not.toContain('temp-secret-canary-1-9d3f');

    const run = await connectorCli('run', manifestPath, 'whoami', '--credentials', credentialsPath, '--store', `file:${tokens}`, '--allow-private-network', '--allow-insecure-http');
    record(run.stdout);
    record(run.stderr);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 200 });
    expect(server.problems).toEqual([]);
    expect(server.count('GET /api/whoami')).toBe(1);
    expect(server.count('POST /oauth/access_token')).toBe(1);
  });
});
