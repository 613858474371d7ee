/**
 * OpenAPI import: the largest document in the test suite — GitHub's api.github.com description
 * (@octokit/openapi, 1 000+ operations) — imported with importOpenApi (parse, dereference, map,
 * validate), then its manifest validated alone with validateManifest, warm. Apart from the HTTP
 * rows: no server, one process.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { importOpenApi, validateManifest } from '../sdk.js';
import { summarise, type Summary } from '../measure.js';

export interface OpenApiImportResult {
  document: string;
  operations: number;
  manifestBytes: number;
  /** importOpenApi end to end (it validates the manifest too), ms. */
  importMs: Summary;
  /** validateManifest on the manifest's text, ms. */
  validateMs: Summary;
}

const GITHUB = join(dirname(createRequire(import.meta.url).resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');

/**
 * @example
 * const row = await openApiImport(3);
 * console.log(`${row.operations} operations: import ${row.importMs.median} ms`);
 */
export async function openApiImport(rounds: number): Promise<OpenApiImportResult> {
  const imports: number[] = [];
  const validations: number[] = [];
  let text = '';
  let operations = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const result = await importOpenApi(GITHUB, { id: 'github' });
    imports.push(performance.now() - started);
    if (!result.valid || result.text === undefined || !result.manifest) throw new Error('the GitHub document did not import');
    text = result.text;
    operations = Object.keys(result.manifest.actions).length;
    const validation = performance.now();
    if (!validateManifest(text).valid) throw new Error('the imported GitHub manifest does not validate');
    validations.push(performance.now() - validation);
  }
  return { document: '@octokit/openapi api.github.com.json', operations, manifestBytes: text.length, importMs: summarise(imports), validateMs: summarise(validations) };
}

/** The report's lines. */
export function openApiImportText(row: OpenApiImportResult): string {
  const range = (s: Summary) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  return `${row.document}: ${row.operations} operations → a ${(row.manifestBytes / 1e6).toFixed(1)} MB manifest. Import (parse, dereference, map, validate): ${range(row.importMs)}; validation of the manifest alone: ${range(row.validateMs)}.`;
}
