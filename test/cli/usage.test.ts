import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConnector } from '../../sdk/runtime/connector.js';
import { ERROR_CODES, ManifestUnreadableError } from '../../sdk/errors.js';
import { connectorCli as cli } from '../helpers/cli.js';

describe('usage errors', () => {
  it('with --format json: one JSON object on stdout naming the problem, exit 2, nothing on stderr', async () => {
    const unknown = await cli('run', 'connectors/snov-io.json', 'get-balance', '--format', 'json', '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('');
    expect(JSON.parse(unknown.stdout)).toEqual({ error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: 'unknown option --bogus' } });
    const missing = await cli('run', 'connectors/snov-io.json', 'get-balance', '--format=json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('');
    const { error } = JSON.parse(missing.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('CONNECTOR_USAGE');
    expect(error.message).toMatch(/credentials/);
  });

  it('connector itself: --version, help and an unknown command as one JSON object with --format json', async () => {
    const version = await cli('--version', '--format', 'json');
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(version.stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const help = await cli('help', 'init', '--format', 'json');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(help.stdout) as { usage: string }).usage).toMatch(/^Usage: connector init /);
    const unknown = await cli('bogus', '--format', 'json');
    expect(unknown).toMatchObject({ code: 2, stderr: '' });
    expect(JSON.parse(unknown.stdout)).toEqual({ error: { name: 'UsageError', code: 'CONNECTOR_USAGE', message: 'unknown command "bogus"' } });
  });

  it('every command lists --format in its help', async () => {
    const list = await cli('--help');
    const commands = [...list.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((match) => match[1] as string);
    expect(commands.length).toBeGreaterThanOrEqual(11);
    for (const command of commands) expect((await cli(command, '--help')).stdout, command).toMatch(/--format text\|json/);
  });

  it('in text: the message and the usage on stderr, stdout empty', async () => {
    const unknown = await cli('run', 'connectors/snov-io.json', 'get-balance', '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^connector run: unknown option --bogus\n\nUsage: /);
  });
  it('a manifest path that cannot be read: a typed error naming the path and why, exit 2 from every command that loads one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'connector-unreadable-'));
    try {
      const missing = join(dir, 'snov-oi.json');
      const credentials = join(dir, 'credentials.json');
      await writeFile(credentials, '{}');
      const failure = await loadConnector(missing).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ManifestUnreadableError);
      expect(failure).toMatchObject({ code: ERROR_CODES.manifestUnreadable, file: missing, reason: 'no such file', message: `cannot read the manifest ${missing} (no such file)` });
      expect(await loadConnector(dir).catch((error: unknown) => (error as ManifestUnreadableError).reason)).toBe('it is a directory');
      const commands = [
        ['run', missing, 'get-balance', '--credentials', credentials],
        ['auth', missing, '--credentials', credentials],
        ['generate', missing],
        ['record', missing, 'get-balance', '--credentials', credentials],
        ['login', missing, '--credentials', credentials],
        ['mcp', missing, '--credentials', credentials],
      ];
      for (const argv of commands) {
        const text = await cli(...argv);
        expect(text.code, argv[0]).toBe(2);
        expect(text.stderr, argv[0]).toBe(`connector ${argv[0]}: cannot read the manifest ${missing} (no such file) [CONNECTOR_MANIFEST_UNREADABLE]\n`);
      }
      const json = await cli('run', missing, 'get-balance', '--credentials', credentials, '--format', 'json');
      expect(json).toMatchObject({ code: 2, stderr: '' });
      expect(JSON.parse(json.stdout)).toEqual({
        error: { name: 'ManifestUnreadableError', code: 'CONNECTOR_MANIFEST_UNREADABLE', message: `cannot read the manifest ${missing} (no such file)`, file: missing, reason: 'no such file' },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
