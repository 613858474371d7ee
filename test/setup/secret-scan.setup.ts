/** Runs after every test file: no registered secret may appear in anything the file recorded. */
import { afterAll, expect } from 'vitest';
import { scanReport } from '../helpers/secret-scan.js';

afterAll(() => {
  const { leaks } = scanReport();
  expect(leaks, 'secrets leaked into errors, events or output (secret prefix, encodings, where)').toEqual([]);
});
