/**
 * The dependency floor (scripts/check-dependency-floor.ts) against the installed packages, and
 * against fake ones below the floor. The npm audit part is not run here: it needs the registry.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFloor, compareVersions, FLOORS, installedVersions } from '../../scripts/check-dependency-floor.js';

const run = promisify(execFile);
const SCRIPT = 'scripts/check-dependency-floor.ts';

async function floorCheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('dependency floor', () => {
  let fakeModules: string;
  beforeAll(async () => {
    fakeModules = await mkdtemp(join(tmpdir(), 'fake-node-modules-'));
    const fake: Record<string, string> = { 'jsonpath-plus': '10.3.0', liquidjs: '10.27.1', ajv: '8.17.1', 'set-cookie-parser': '3.2.0', undici: '7.18.2' };
    for (const [name, version] of Object.entries(fake)) {
      await mkdir(join(fakeModules, name), { recursive: true });
      await writeFile(join(fakeModules, name, 'package.json'), JSON.stringify({ name, version }));
    }
  });
  afterAll(async () => {
    await rm(fakeModules, { recursive: true, force: true });
  });

  it('the installed packages pass: exit 0', async () => {
    const { code, stdout } = await floorCheck([]);
    expect(code).toBe(0);
    for (const { name } of FLOORS) expect(stdout).toMatch(new RegExp(`^ok +${name} `, 'm'));
    expect(checkFloor(installedVersions('node_modules'))).toEqual([]);
  });

  it('packages below the floor fail: exit 1, naming each package, its version and the floor', async () => {
    const { code, stderr, stdout } = await floorCheck(['--node-modules', fakeModules]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL jsonpath-plus 10\.3\.0 \(floor 10\.4\.0\)$/m);
    expect(stderr).toContain('dependency floor: jsonpath-plus 10.3.0 is below the floor 10.4.0');
    expect(stderr).toContain('dependency floor: ajv 8.17.1 is below the floor 8.18.0');
    // Exactly at the floor passes.
    expect(stdout).toMatch(/^ok +liquidjs 10\.27\.1/m);
    expect(stdout).toMatch(/^ok +undici 7\.18\.2/m);
  });

  it('a fake versions map: missing packages and each version below its floor are reported', () => {
    expect(checkFloor({ 'jsonpath-plus': '10.4.0', liquidjs: '10.26.0', ajv: '8.18.0', undici: '6.23.0' })).toEqual([
      expect.stringMatching(/^liquidjs 10\.26\.0 is below the floor 10\.27\.1/),
      'set-cookie-parser is not installed (need >= 3.1.1)',
      expect.stringMatching(/^undici 6\.23\.0 is below the floor 7\.18\.2/),
    ]);
    expect(checkFloor({ 'jsonpath-plus': '11.0.0', liquidjs: '10.30.1', ajv: '8.20.0', 'set-cookie-parser': '3.1.1', undici: '8.4.0' })).toEqual([]);
  });

  it('compares versions numerically, a pre-release below its release', () => {
    expect(compareVersions('10.10.0', '10.9.9')).toBe(1);
    expect(compareVersions('10.4.0', '10.4.0')).toBe(0);
    expect(compareVersions('10.4.0-beta.1', '10.4.0')).toBe(-1);
    expect(compareVersions('v8.18.0', '8.17.9')).toBe(1);
    expect(compareVersions('7.18.1', '7.18.2')).toBe(-1);
  });
});
