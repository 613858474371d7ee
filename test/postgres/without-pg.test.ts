/**
 * `pg` is an optional peer: a host without it loads the SDK and uses every other store as before,
 * and a PostgresTokenStore made from a connection string fails only when used, with a StoreError
 * saying what to install. The child process runs with `pg` made unresolvable (fixtures/hide-pg.mjs),
 * so a static import of pg anywhere in the SDK would crash it before it reports.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('without pg installed: the SDK loads, other stores work, PostgresTokenStore fails on use with a typed error', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--import', './test/fixtures/hide-pg.mjs', 'test/fixtures/without-pg.ts', 'postgres://app@127.0.0.1:1/tokens'],
    { timeout: 30_000 },
  );
  expect(JSON.parse(stdout.trim())).toEqual({
    pgHidden: true,
    memoryStoreWorks: true,
    get: {
      name: 'StoreError',
      code: 'CONNECTOR_STORE_FAILED',
      message: 'cannot read connection "c1" in PostgreSQL at 127.0.0.1:1/tokens: the pg package could not be loaded (npm install pg@^8)',
    },
  });
});
