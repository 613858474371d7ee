/** FileTokenStore: a token saved by one process is reused by the next, without a new authorization. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileTokenStore, loadConnector } from '../../sdk/index.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';

const run = promisify(execFile);
let server: FakeOAuth;
let dir: string;

beforeAll(async () => {
  server = await startFakeOAuth({ expiresIn: 3600 });
  dir = await mkdtemp(join(tmpdir(), 'connector-file-store-'));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function executeInChild(manifestPath: string, storePath: string): Promise<{ status: number }> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/execute-once.ts', manifestPath, storePath, 'get-items', JSON.stringify(credentials)],
    { cwd: process.cwd() },
  );
  return JSON.parse(stdout) as { status: number };
}

it('a second process reuses the saved token', async () => {
  const manifestPath = join(dir, 'manifest.json');
  const storePath = join(dir, 'tokens.json');
  await writeFile(manifestPath, JSON.stringify(refreshableManifest(server.url)));
  expect(await executeInChild(manifestPath, storePath)).toEqual({ status: 200 });
  expect(await executeInChild(manifestPath, storePath)).toEqual({ status: 200 });
  expect(server.counts['/token']).toBe(1);
  expect(server.counts['/api/items']).toBe(2);
});

it('a re-created store in the same process reuses the saved token', async () => {
  const storePath = join(dir, 'tokens-2.json');
  const before = server.counts['/token'] ?? 0;
  for (let round = 0; round < 2; round++) {
    const connector = await loadConnector(refreshableManifest(server.url));
    const connection = connector.connect({
      connectionId: 'tenant-recreated',
      credentials,
      store: new FileTokenStore(storePath),
      allowPrivateNetwork: true,
    });
    expect((await connection.execute('get-items')).status).toBe(200);
    await connector.close();
  }
  expect((server.counts['/token'] ?? 0) - before).toBe(1);
});
