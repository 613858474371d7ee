/**
 * `connector init`: every auth type it offers writes a manifest that `validate` accepts without a
 * warning and whose scenario `connector test` passes; it never overwrites without --force.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorCli as connector } from '../helpers/cli.js';

const TYPES = ['none', 'api_key', 'basic', 'bearer', 'oauth2_client_credentials', 'refreshable_token', 'token_chain'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connector-init-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('connector init', () => {
  it.each(TYPES)('--auth %s: validates with no finding and passes its scenario', async (type) => {
    const file = join(dir, `${type}.json`);
    const made = await connector('init', file, '--auth', type, '--id', `my-${type.replaceAll('_', '-')}`);
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { $schema: string; auth: { type: string } };
    expect(manifest.auth.type).toBe(type);
    expect(resolve(dirname(file), manifest.$schema)).toBe(resolve('schemas/connector.schema.json'));
    const validated = await connector('validate', file);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toBe('1 file checked: all valid, 0 errors, 0 warnings\n');
    const tested = await connector('test', file);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('1 scenario in 1 manifest: 1 passed, 0 failed');
  });

  it('never overwrites a file without --force, and refuses an unknown auth type or id: exit 2', async () => {
    const file = join(dir, 'mine.json');
    await writeFile(file, '{"mine": true}\n');
    const refused = await connector('init', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file} exists: give --force to overwrite it`);
    expect(await readFile(file, 'utf8')).toBe('{"mine": true}\n');
    expect((await connector('init', file, '--force')).code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ id: 'mine', auth: { type: 'api_key' } });

    const unknown = await connector('init', join(dir, 'x.json'), '--auth', 'oauth3');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe(`connector init: --auth must be one of ${TYPES.join(', ')}, not "oauth3"`);
    const badId = await connector('init', join(dir, 'Bad Name.json'));
    expect(badId.code).toBe(2);
    expect(existsSync(join(dir, 'x.json')) || existsSync(join(dir, 'Bad Name.json'))).toBe(false);
  });

  it('--format json: one object naming the file written, or the usage error with exit 2; stderr empty', async () => {
    const file = join(dir, 'json-made.json');
    const made = await connector('init', file, '--auth', 'basic', '--format', 'json');
    expect(made).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(made.stdout)).toEqual({ written: file, id: 'json-made', auth: 'basic' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ id: 'json-made', auth: { type: 'basic' } });
    const refused = await connector('init', file, '--format', 'json');
    expect(refused).toMatchObject({ code: 2, stderr: '' });
    expect(JSON.parse(refused.stdout)).toEqual({ error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: `${file} exists: give --force to overwrite it` } });
    expect((await connector('init', '--help')).stdout).toMatch(/--format text\|json/);
  });
});
