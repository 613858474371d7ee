/**
 * Vitest global setup: gives this run its own directory for the per-file secret-scan reports
 * (`secret-scan-report.setup.ts`) and the fuzz run counts (`test/security/support/fuzz.ts`);
 * several runs may share a checkout. After the run it prints one summary line each (files,
 * recorded items, leaks; fuzz properties and cases) and writes them to
 * `.tmp/secret-scan/summary.json`. A leak fails the run here too.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    secretScanDir: string;
  }
}

const ROOT = join(process.cwd(), '.tmp', 'secret-scan');

interface FileReport {
  file: string;
  recorded: number;
  leaks: number;
}

export function setup(project: TestProject): () => void {
  const dir = join(ROOT, `run-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  project.provide('secretScanDir', dir);
  return () => teardown(dir);
}

function teardown(dir: string): void {
  const names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
  const reports = names
    .filter((name) => !name.startsWith('fuzz-'))
    .map((name) => read<FileReport>(name))
    .sort((a, b) => a.file.localeCompare(b.file));
  const fuzz = names
    .filter((name) => name.startsWith('fuzz-'))
    .map((name) => read<{ property: string; runs: number }>(name))
    .sort((a, b) => a.property.localeCompare(b.property));
  const summary = {
    files: reports.length,
    recorded: reports.reduce((sum, report) => sum + report.recorded, 0),
    leaks: reports.reduce((sum, report) => sum + report.leaks, 0),
    leakingFiles: reports.filter((report) => report.leaks > 0).map((report) => report.file),
    fuzz: { properties: fuzz.length, runs: fuzz.reduce((sum, entry) => sum + entry.runs, 0), perProperty: fuzz },
  };
  writeFileSync(join(ROOT, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  console.log(`secret scan: ${summary.files} test files, ${summary.recorded} recorded errors/events, ${summary.leaks} leaks`);
  if (fuzz.length > 0) console.log(`fuzz: ${summary.fuzz.properties} properties, ${summary.fuzz.runs} cases`);
  if (summary.leaks > 0) throw new Error(`secret scan: secrets leaked in ${summary.leakingFiles.join(', ')}`);
}
