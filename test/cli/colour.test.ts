/**
 * Colour only on a terminal and never with NO_COLOR: the rule alone, then the real CLI on a
 * pseudo-terminal (util-linux `script`, part of every Debian system) and on a pipe.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { paintFor, plain } from '../../sdk/cli/colour.js';
import { connectorCli, root } from '../helpers/cli.js';

const RED_ERROR = '\u001b[31merror:\u001b[39m';
const ESC = '\u001b[';

/** Runs the CLI with a terminal as its stdout and stderr; resolves with what the terminal showed. */
function onTerminal(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; shown: string }> {
  const command = [process.execPath, '--import', 'tsx', 'sdk/cli/main.ts', ...args].map((word) => `'${word}'`).join(' ');
  return new Promise((resolve, reject) => {
    // -e: script exits with the command's status; the typescript file is /dev/null.
    execFile('script', ['-qec', command, '/dev/null'], { cwd: root, env: { ...process.env, TERM: 'xterm', ...env } }, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error('script(1) is not installed: apt-get install bsdutils (util-linux)'));
      else resolve({ code: error ? Number(error.code) : 0, shown: stdout });
    });
  });
}

describe('colour', () => {
  it('paints on a terminal only, and not with NO_COLOR (set and not empty) or TERM=dumb', () => {
    expect(paintFor({ isTTY: true }, {})('error:', 'red')).toBe(RED_ERROR);
    expect(paintFor({ isTTY: true }, { NO_COLOR: '' })('pass', 'green')).toBe('\u001b[32mpass\u001b[39m');
    expect(paintFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(plain);
    expect(paintFor({ isTTY: true }, { TERM: 'dumb' })).toBe(plain);
    expect(paintFor({ isTTY: false }, {})).toBe(plain);
    expect(paintFor({}, {})).toBe(plain);
  });

  it('validate and test: coloured labels on a terminal, plain text with NO_COLOR and on a pipe', async () => {
    const broken = 'test/manifest/broken/wrong-auth-type.json';
    const coloured = await onTerminal({ NO_COLOR: undefined }, 'validate', broken);
    expect(coloured.code).toBe(3);
    expect(coloured.shown).toContain(`/auth/type  ${RED_ERROR} auth.type "oauth3" is not one of`);
    const tested = await onTerminal({ NO_COLOR: undefined }, 'test', 'connectors/snov-io.json');
    expect(tested.code).toBe(0);
    expect(tested.shown).toMatch(/^ {2}\u001b\[32mpass\u001b\[39m {2}\S/m);

    const noColour = await onTerminal({ NO_COLOR: '1' }, 'validate', broken);
    expect(noColour.code).toBe(3);
    expect(noColour.shown).toContain('/auth/type  error: auth.type "oauth3" is not one of');
    expect(noColour.shown).not.toContain(ESC);

    const piped = await connectorCli('validate', broken);
    expect(piped.code).toBe(3);
    expect(piped.stdout).toContain('/auth/type  error: auth.type "oauth3" is not one of');
    expect(piped.stdout + piped.stderr).not.toContain(ESC);
  });
});
