/** Shared by the test kit's tests: manifests copied (and broken) into a scratch directory, and the CLI with its output scanned. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorCli } from '../helpers/cli.js';
import { record } from '../helpers/secret-scan.js';

export interface Scratch {
  dir: string;
  /** Writes `manifest` (a copy of `from`, changed by `change`) as `<name>.json`; returns its path. */
  manifest(name: string, from: string, change?: (manifest: Record<string, any>) => void): Promise<string>;
  write(name: string, value: unknown): Promise<string>;
  remove(): Promise<void>;
}

export async function scratch(prefix: string): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const write = async (name: string, value: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
    return path;
  };
  return {
    dir,
    async manifest(name, from, change) {
      const manifest = JSON.parse(await readFile(from, 'utf8')) as Record<string, any>;
      change?.(manifest);
      return write(`${name}.json`, manifest);
    },
    write,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The `connector` CLI; what it prints is scanned for secrets like any error or event. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await connectorCli(...args);
  record(result.stdout);
  record(result.stderr);
  return result;
}
