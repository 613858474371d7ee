/**
 * What the OpenAPI importer's end-to-end tests share: an import that must succeed (no error, a
 * manifest the validator accepts on its own, the text and the object the same), and a connection
 * of the imported manifest to a Prism mock of the same document — through the manifest's `dev`
 * environment, as an author points a connector at a sandbox.
 */
import { expect } from 'vitest';
import { HttpError, importOpenApi, loadConnector, validateManifest, type CallOptions, type Connection, type Connector, type ConnectorManifest, type OpenApiImport, type OpenApiImportOptions } from '../../sdk/index.js';
import type { PrismMock } from './prism.js';

/** Imports `source` and checks what every import must give. */
export async function imported(source: string | Record<string, unknown>, options: OpenApiImportOptions = {}): Promise<OpenApiImport & { manifest: ConnectorManifest }> {
  const result = await importOpenApi(source, options);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(result.valid).toBe(true);
  expect(result.manifest).toBeDefined();
  expect(validateManifest(result.text as string).valid).toBe(true);
  expect(JSON.parse(result.text as string)).toEqual(result.manifest);
  return result as OpenApiImport & { manifest: ConnectorManifest };
}

/** A connection of `manifest` whose dev environment is the Prism mock; close the connector after. */
export async function connectToPrism(manifest: ConnectorManifest, prism: PrismMock, credentials: Record<string, unknown>): Promise<{ connector: Connector; connection: Connection }> {
  const connector = await loadConnector({ ...manifest, environments: { dev: { base_url: prism.url } } });
  const connection = connector.connect({ connectionId: 'openapi-import', credentials, environment: 'dev', allowPrivateNetwork: true });
  return { connector, connection };
}

/**
 * Runs one action; fails naming the action and Prism's complaint when Prism found fault with a
 * request it sent. Resolves to the answer's status and data — a non-2xx answer too (Prism answers
 * an operation that documents no 2xx response with the first one it documents), as an HttpError.
 */
export async function run(connection: Connection, prism: PrismMock, action: string, input: Record<string, unknown>, options: CallOptions = {}): Promise<{ status: number; data?: unknown }> {
  const before = prism.exchanges.length;
  const result = await connection.execute(action, input, options).catch((error: unknown) => error);
  const failures = prism.requestFailures();
  const faults = prism.exchanges.slice(before).filter((e) => failures.includes(e));
  expect(faults.map((e) => ({ action, url: e.url, status: e.status, problem: e.problem, violations: e.violations }))).toEqual([]);
  if (result instanceof HttpError) return { status: result.status };
  if (result instanceof Error) throw result;
  const { status, data } = result as { status: number; data: unknown };
  return { status, data };
}
