/**
 * `connector login`: the authorization code flow through a loopback redirect listener, driven
 * headlessly (the test plays the browser with fetch), then `connector run` on the same file
 * store uses the tokens without another authorization.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { connectorCli, root } from '../helpers/cli.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const SECRET = 'login-app-canary-secret';
registerSecret(SECRET);
let server: FakeOAuth;
let dir: string;
let redirectUri: string;
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
  redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  server = await startFakeOAuth({ clients: [{ id: 'login-app', secret: SECRET, redirectUris: [redirectUri] }] });
  dir = await mkdtemp(join(tmpdir(), 'connector-login-'));
  manifestPath = join(dir, 'manifest.json');
  credentialsPath = join(dir, 'credentials.json');
  const manifest = authManifest(
    server.url,
    {
      type: 'oauth2_authorization_code',
      authorization_url: server.authorizeUrl,
      token_url: server.tokenUrl,
      client_id: '{{ credentials.client_id }}',
      client_secret: '{{ credentials.client_secret }}',
      redirect_uri: '{{ credentials.redirect_uri }}',
      scope: 'files.read',
    },
    credentialFields(['client_id', 'client_secret', 'redirect_uri'], ['client_secret']),
  );
  await writeFile(manifestPath, JSON.stringify(manifest));
  await writeFile(credentialsPath, JSON.stringify({ client_id: 'login-app', client_secret: SECRET, redirect_uri: redirectUri }));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Starts `connector login`, plays the browser once it prints the URL, resolves with the exit code
 * and output. The test server's token endpoint is plain http: `--allow-insecure-http` by default.
 */
function login(store: string, flags = ['--allow-insecure-http']): Promise<{ code: number; stdout: string; stderr: string; callbackStatus: number }> {
  // With --format json the prompt (URL and "Waiting …") is on stderr: watch both streams.
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'sdk/cli/main.ts', 'login', manifestPath, '--credentials', credentialsPath, '--store', store, '--allow-private-network', ...flags, '--timeout', '20'],
      { cwd: root },
    );
    let stdout = '';
    let stderr = '';
    let callbackStatus = 0;
    let browsing = false;
    const browse = async (): Promise<void> => {
      const printed = stdout + stderr;
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m.exec(printed)?.[1];
      if (!url || browsing || !printed.includes('Waiting for the redirect')) return;
      browsing = true;
      try {
        const answer = await fetch(url, { redirect: 'manual' });
        const landed = await fetch(answer.headers.get('location') ?? '');
        callbackStatus = landed.status;
        await landed.text();
      } catch (error) {
        reject(error as Error);
      }
    };
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
      void browse();
    });
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      void browse();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, callbackStatus }));
  });
}

describe('connector login', () => {
  it('authorizes through the loopback listener and keeps the tokens for later runs', async () => {
    const store = `file:${join(dir, 'tokens.json')}`;
    const result = await login(store);
    record(result.stdout);
    record(result.stderr);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.callbackStatus).toBe(200);
    expect(result.stdout).toMatch(/authorized: Bearer, expires \d{4}-.*, refresh token: yes\n$/);
    expect(server.grants).toEqual({ authorization_code: 1 });

    const run = await connectorCli('run', manifestPath, 'whoami', '--credentials', credentialsPath, '--store', store, '--allow-private-network', '--allow-insecure-http');
    record(run.stdout);
    record(run.stderr);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 200 });
    expect(server.grants).toEqual({ authorization_code: 1 });
  });

  it('--format json: the prompt goes to stderr and stdout holds one {"authorized"} object, never a token', async () => {
    const before = server.grants.authorization_code ?? 0;
    const store = `file:${join(dir, 'json-tokens.json')}`;
    const result = await login(store, ['--allow-insecure-http', '--format', 'json', '--connection-id', 'json-login']);
    record(result.stdout);
    record(result.stderr);
    expect(result.code).toBe(0);
    expect(result.callbackStatus).toBe(200);
    expect(result.stderr).toMatch(/^Open this URL in a browser to authorize:\nhttp:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+\nWaiting for the redirect to http:\/\/127\.0\.0\.1:\d+\/callback …\n$/);
    const printed = JSON.parse(result.stdout) as { authorized: Record<string, unknown> };
    expect(Object.keys(printed)).toEqual(['authorized']);
    expect(printed.authorized).toMatchObject({ connectionId: 'json-login', store, managed: true, type: 'Bearer', hasRefreshToken: true });
    expect(Date.parse(String(printed.authorized.expiresAt))).toBeGreaterThan(Date.now());
    expect(server.grants.authorization_code).toBe(before + 1);
  });

  it('--format json: a refused code exchange is one {"error"} object on stdout', async () => {
    const before = server.tokenRequestCount();
    const result = await login(`file:${join(dir, 'json-strict.json')}`, ['--format', 'json']);
    record(result.stdout);
    record(result.stderr);
    expect(result.code).toBe(1);
    const printed = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(Object.keys(printed)).toEqual(['error']);
    expect(printed.error.message).toContain('/auth/token_url is a plain http URL');
    expect(typeof printed.error.code).toBe('string');
    expect(server.tokenRequestCount()).toBe(before);
  });

  it('without --allow-insecure-http the code exchange with the plain-http token endpoint is refused before it is sent', async () => {
    const before = server.tokenRequestCount();
    const result = await login(`file:${join(dir, 'strict-tokens.json')}`, []);
    record(result.stdout);
    record(result.stderr);
    expect(result.callbackStatus).toBe(200);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/auth/token_url is a plain http URL');
    expect(result.stderr).toContain('--allow-insecure-http');
    expect(server.tokenRequestCount()).toBe(before);
  });

  it('documents --allow-insecure-http in the help of login, auth, run and record', async () => {
    for (const command of ['login', 'auth', 'run', 'record']) {
      const help = await connectorCli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/--allow-insecure-http +allow plain-http token endpoints for the OAuth grants \(local test servers only\)/);
    }
  });

  it('refuses a redirect_uri that is not a loopback address', async () => {
    const remote = join(dir, 'remote.json');
    await writeFile(remote, JSON.stringify({ client_id: 'login-app', client_secret: SECRET, redirect_uri: 'https://app.example.com/callback' }));
    const result = await connectorCli('login', manifestPath, '--credentials', remote, '--allow-private-network');
    record(result.stderr);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('login needs a loopback redirect_uri with a port');
  });
});
