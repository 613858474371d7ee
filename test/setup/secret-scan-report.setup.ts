/**
 * After each test file: writes what the secret scanner saw (items recorded, leaks) as one JSON
 * file into the run's report directory, for the run's summary (`secret-scan.global.ts`). The
 * pass/fail check of the file itself stays in `secret-scan.setup.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, expect, inject } from 'vitest';
import { scanReport } from '../helpers/secret-scan.js';

afterAll(() => {
  const dir = inject('secretScanDir') ?? join(process.cwd(), '.tmp', 'secret-scan', 'unsummarized');
  const file = relative(process.cwd(), expect.getState().testPath ?? 'unknown');
  const { recorded, leaks } = scanReport();
  mkdirSync(dir, { recursive: true });
  const name = createHash('sha256').update(file).digest('hex').slice(0, 16);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ file, recorded, leaks: leaks.length })}\n`);
});
