/**
 * `connector validate` on JSONPaths only jsonpath-plus would read (`$$…`, `$name`): the real CLI
 * rejects them at their line and column, labelled `error:`, from a file and from the standard input.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorCliWithInput } from '../helpers/cli.js';
import { cli, scratch, type Scratch } from '../testkit/helpers.js';

const VALID = 'test/manifest/valid/api-key-header.json';
let tmp: Scratch;

beforeAll(async () => {
  tmp = await scratch('connector-validate-');
});

afterAll(async () => {
  await tmp.remove();
});

describe('connector validate and $$ JSONPaths', () => {
  it.each(['$$.data', '$$', '$data'])('rejects output %j with exit 3 at /actions/<id>/output', async (path) => {
    const file = await tmp.manifest('dollar', VALID, (manifest) => {
      manifest.actions['get-account'].output = path;
    });
    const { code, stdout, stderr } = await cli('validate', file);
    expect(stderr).toBe('');
    expect(code).toBe(3);
    expect(stdout.split('\n')).toEqual([
      `${file}:32:17  /actions/get-account/output  error: "${path}" is not a valid JSONPath: after the root $ comes . or [  (write a plain path such as $.data.items or data.token)`,
      '1 file checked: 1 invalid, 1 error, 0 warnings',
      '',
    ]);
  });

  it('rejects it from the standard input ("-") as well, and accepts $.data', async () => {
    const text = await readFile(VALID, 'utf8');
    const manifest = JSON.parse(text) as { actions: Record<string, { output?: string }> };
    (manifest.actions['get-account'] as { output?: string }).output = '$$.data';
    const broken = await connectorCliWithInput(JSON.stringify(manifest, null, 2), 'validate', '-');
    expect(broken.code).toBe(3);
    expect(broken.stdout).toMatch(/^-:\d+:\d+ {2}\/actions\/get-account\/output {2}error: "\$\$\.data" is not a valid JSONPath/);
    (manifest.actions['get-account'] as { output?: string }).output = '$.data';
    expect((await connectorCliWithInput(JSON.stringify(manifest), 'validate', '-')).code).toBe(0);
  });
});
