import { describe, expect, it } from 'vitest';
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

  it('in text: the message and the usage on stderr, stdout empty', async () => {
    const unknown = await cli('run', 'connectors/snov-io.json', 'get-balance', '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^connector run: unknown option --bogus\n\nUsage: /);
  });
});
