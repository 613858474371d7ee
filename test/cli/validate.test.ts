import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { connectorCli as connector, connectorCliWithInput } from '../helpers/cli.js';

const VALID = 'test/manifest/valid/api-key-header.json';
const PASSWORD = 'test/manifest/valid/oauth2-password.json';
const BROKEN = 'test/manifest/broken/wrong-auth-type.json';

describe('connector validate', () => {
  it('exits 0 for valid files, printing warnings and a summary', async () => {
    const { code, stdout, stderr } = await connector('validate', VALID, PASSWORD);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      `${PASSWORD}:17:13  /auth/type  warning: the oauth2_password grant is discouraged by RFC 9700 §2.4 (it still works)  (prefer oauth2_authorization_code, or oauth2_client_credentials for machine access, when the API offers them)`,
      '2 files checked: all valid, 0 errors, 1 warning',
      '',
    ]);
  });

  it('exits 3 and prints file:line:column  pointer  error: message  (hint) for an invalid file', async () => {
    const { code, stdout } = await connector('validate', VALID, BROKEN);
    expect(code).toBe(3);
    expect(stdout.split('\n')).toEqual([
      `${BROKEN}:6:21  /auth/type  error: auth.type "oauth3" is not one of: none, api_key, basic, bearer, request_signature, aws_sigv4, oauth1, refreshable_token, oauth2_password, oauth2_client_credentials, oauth2_authorization_code, oauth2_custom_token, jwt_bearer, jwt, token_chain  (did you mean "oauth1"?)`,
      '2 files checked: 1 invalid, 1 error, 0 warnings',
      '',
    ]);
  });

  it('prints "/" for the document pointer of a JSON syntax error', async () => {
    const { code, stdout } = await connector('validate', 'test/manifest/broken/trailing-comma.json');
    expect(code).toBe(3);
    expect(stdout).toContain('test/manifest/broken/trailing-comma.json:8:54  /  error: invalid JSON: trailing comma before "}"  (JSON allows no comma after the last item: remove it)\n');
  });

  it('counts an unreadable file as invalid, with a diagnostic without a pointer, and exits 2 (a wrong path is a usage error)', async () => {
    const { code, stdout } = await connector('validate', 'test/manifest/no-such-file.json', VALID);
    expect(code).toBe(2);
    expect(stdout.split('\n')).toEqual([
      'test/manifest/no-such-file.json  error: cannot read the file (no such file)',
      '2 files checked: 1 invalid, 1 error, 0 warnings',
      '',
    ]);
  });

  it('reads "-" from the standard input', async () => {
    const valid = await connectorCliWithInput(await readFile(VALID, 'utf8'), 'validate', '-');
    expect(valid).toEqual({ code: 0, stdout: '1 file checked: all valid, 0 errors, 0 warnings\n', stderr: '' });
    const broken = await connectorCliWithInput(await readFile(BROKEN, 'utf8'), 'validate', '-');
    expect(broken.code).toBe(3);
    expect(broken.stdout).toContain('-:6:21  /auth/type  error: auth.type "oauth3" is not one of');
  });

  it('writes a JSON report with --format json', async () => {
    const { code, stdout } = await connector('validate', '--format', 'json', VALID, 'test/manifest/broken/refresh-incomplete.json');
    expect(code).toBe(3);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ valid: false, errors: 3, warnings: 0 });
    expect(report.files).toHaveLength(2);
    expect(report.files[0]).toEqual({ file: VALID, valid: true, diagnostics: [] });
    expect(report.files[1].diagnostics[0]).toEqual({
      file: 'test/manifest/broken/refresh-incomplete.json',
      line: 20,
      column: 5,
      pointer: '/auth/refresh_request_url',
      message: 'refresh_request_url needs refresh_request_body_template as well',
      hint: 'Liquid template of the refresh body; "" for no body. Scope: credentials, auth, env, now.',
      severity: 'error',
    });
  });

  it('exits 2 on usage errors: no files, an unknown option, a bad format', async () => {
    const none = await connector('validate');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('connector validate: no files given');
    expect(none.stderr).toContain('Usage: connector validate <files…>');

    const unknown = await connector('validate', '--strict', VALID);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('connector validate: unknown option --strict');

    const format = await connector('validate', '--format', 'xml', VALID);
    expect(format.code).toBe(2);
    expect(format.stderr.split('\n')[0]).toBe('connector validate: --format must be text or json, not "xml"');
    expect(format.stdout).toBe('');
  });

  it('prints its help with --help', async () => {
    const { code, stdout } = await connector('validate', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: connector validate <files…> \[--format text\|json\]/);
  });
});

describe('connector', () => {
  it('prints its version, and a command\'s help with "help <command>"', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect(await connector(flag)).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = await connector('help', 'validate');
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await connector('validate', '--help')).stdout);
  });

  it('lists its commands with --help, and the one exit-status table', async () => {
    const { code, stdout } = await connector('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: connector <command>/);
    expect(stdout).toContain('  validate    check connector manifests');
    expect(stdout).toContain('Exit status: 0 ok; 1 the call, its authentication or a scenario failed;');
    for (const command of ['validate', 'run', 'auth', 'login', 'test', 'record']) {
      expect((await connector(command, '--help')).stdout).toContain('3 invalid manifest.');
    }
  });

  it('takes --format before the command as after it', async () => {
    const before = await connector('--format', 'json', 'validate', VALID);
    expect(before).toEqual(await connector('validate', VALID, '--format', 'json'));
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ files: [{ file: VALID }] });
    const help = await connector('--format=json', 'help', 'validate');
    expect(help.code).toBe(0);
    expect(JSON.parse(help.stdout)).toEqual(JSON.parse((await connector('validate', '--help', '--format', 'json')).stdout));
    // Alone, it still names no command.
    const alone = await connector('--format', 'json');
    expect(alone.code).toBe(2);
    expect(JSON.parse(alone.stdout)).toMatchObject({ error: { code: 'CONNECTOR_USAGE', message: 'no command given' } });
  });

  it('exits 2 without a command or with an unknown one', async () => {
    const none = await connector();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('connector: no command given');
    const unknown = await connector('deploy');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('connector: unknown command "deploy"');
  });
});
