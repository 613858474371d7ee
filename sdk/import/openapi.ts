/**
 * OpenAPI 3.x and Swagger 2.0 descriptions as manifests: `importOpenApi(pathOrDocument)` parses
 * and dereferences the document with @readme/openapi-parser (loaded on first use, so other
 * commands do not pay for it), converts Swagger 2.0 (openapi-swagger2.ts), maps the servers to
 * base_url (server variables become credential fields), the security schemes to the auth block
 * (openapi-auth.ts) and every operation — or those of the tags / operation ids asked for — to an
 * action (openapi-operation.ts), then validates the manifest. See docs/import-openapi.md.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../errors.js';
import type { Action, ConnectorManifest, DataSchema } from '../manifest/types.gen.js';
import { validateManifest } from '../manifest/validate.js';
import { objectOf, pointerTo } from './import-context.js';
import { authOf } from './openapi-auth.js';
import { actionOf, type Reporter } from './openapi-operation.js';
import { fromSwagger2 } from './openapi-swagger2.js';

/**
 * How importOpenApi names, places and narrows what it writes.
 *
 * @example
 * const options: OpenApiImportOptions = { id: 'acme', tags: ['billing'], auth: 'oauth', baseUrl: 'https://{{ credentials.region }}.acme.example/v2', manifestFile: 'connectors/acme.json' };
 * const imported = await importOpenApi('openapi.yaml', options);
 */
export interface OpenApiImportOptions {
  /** The document's name in diagnostics; default: the path given. */
  file?: string;
  /** The manifest's id; default: from the document's title. */
  id?: string;
  /** The manifest's base URL (a Liquid template), instead of the first server's. */
  baseUrl?: string;
  /** The security scheme to import (its name under securitySchemes); default: the first the document asks for. */
  auth?: string;
  /** Import only the operations with one of these tags. */
  tags?: string[];
  /** Import only these operations (operationId, or the action id it becomes). */
  operations?: string[];
  /** An openIdConnect scheme's discovery document (its openid-configuration JSON), which the importer does not fetch. */
  openIdConfiguration?: Record<string, unknown>;
  /** The manifest's `$schema`; default: none. */
  schema?: string;
  /** The manifest's name in the validator's diagnostics. */
  manifestFile?: string;
}

/**
 * importOpenApi's answer (the shape of importLocoia's).
 *
 * @example
 * const { manifest, text, diagnostics, valid }: OpenApiImport = await importOpenApi('openapi.yaml', { id: 'acme' });
 * for (const d of diagnostics) console.error(`${d.file ?? 'manifest'}:${d.line}:${d.column} ${d.severity}: ${d.message}${d.pointer ? ` (${d.pointer})` : ''}`);
 * if (valid && text) await writeFile('connectors/acme.json', text);
 */
export interface OpenApiImport {
  /** The manifest; undefined when the document does not parse or has no operation to import. */
  manifest: ConnectorManifest | undefined;
  /** The manifest as JSON text (2-space indent), which the manifest diagnostics' lines and columns refer to. */
  text: string | undefined;
  /** The document's diagnostics (pointer into it; line and column 1: positions are not tracked), then the validator's. */
  diagnostics: Diagnostic[];
  /** False when any diagnostic is an error. */
  valid: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_NAMES = ['openapi.json', 'openapi.yaml', 'openapi.yml', 'swagger.json', 'swagger.yaml', 'swagger.yml'];

/**
 * Imports an OpenAPI 3.x or Swagger 2.0 document: a path (a JSON or YAML file, or a directory
 * holding openapi.json|yaml or swagger.json|yaml; external $refs resolve from it) or the parsed document.
 *
 * @example
 * import { importOpenApi } from 'connector-sdk';
 * const { manifest, diagnostics, valid } = await importOpenApi('petstore.yaml', { id: 'petstore', tags: ['pet'] });
 * for (const d of diagnostics) console.error(`${d.file}:${d.line}:${d.column} ${d.pointer} ${d.severity}: ${d.message}`);
 * if (valid) await writeFile('connectors/petstore.json', JSON.stringify(manifest, null, 2));
 */
export async function importOpenApi(source: string | Record<string, unknown>, options: OpenApiImportOptions = {}): Promise<OpenApiImport> {
  const diagnostics: Diagnostic[] = [];
  const file = options.file ?? (typeof source === 'string' ? source : undefined);
  const report: Reporter = (pointer, severity, message, hint) => {
    diagnostics.push({ ...(file === undefined ? {} : { file }), line: 1, column: 1, pointer, message, ...(hint ? { hint } : {}), severity });
  };
  const document = await load(source, report);
  const manifest = document && manifestOf(document.swagger === '2.0' ? fromSwagger2(document, report) : document, options, report);
  if (!manifest) return { manifest: undefined, text: undefined, diagnostics, valid: false };
  const written = `${JSON.stringify(manifest, null, 2)}\n`;
  const validation = validateManifest(written, options.manifestFile === undefined ? {} : { file: options.manifestFile });
  const all = [...diagnostics, ...validation.diagnostics];
  return { manifest, text: written, diagnostics: all, valid: !all.some((d) => d.severity === 'error') };
}

/** The dereferenced document, or undefined (reported). */
async function load(source: string | Record<string, unknown>, report: Reporter): Promise<Record<string, unknown> | undefined> {
  try {
    const api = typeof source === 'string' ? await documentPath(source) : structuredClone(source);
    const { dereference } = await import('@readme/openapi-parser');
    // http: false — an importer reads files only; a remote $ref is reported, not fetched.
    const options = { dereference: { circular: true }, resolve: { external: true, http: false } } as unknown as Parameters<typeof dereference>[1];
    const document = objectOf(await dereference(api as Parameters<typeof dereference>[0], options));
    if (document && (typeof document.openapi === 'string' || document.swagger === '2.0')) return document;
    report('', 'error', 'not an OpenAPI document: it has neither "openapi" nor "swagger": "2.0"');
  } catch (error) {
    report('', 'error', `the document does not parse: ${(error as Error).message.split('\n')[0]?.slice(0, 500) ?? 'unknown error'}`);
  }
  return undefined;
}

/** A file, or the OpenAPI document inside a directory. */
async function documentPath(path: string): Promise<string> {
  if (!(await stat(path)).isDirectory()) return path;
  const names = await readdir(path);
  const found = DOCUMENT_NAMES.find((name) => names.includes(name));
  if (!found) throw new Error(`${path} is a directory without ${DOCUMENT_NAMES.join(', ')}`);
  return join(path, found);
}

function manifestOf(document: Record<string, unknown>, options: OpenApiImportOptions, report: Reporter): ConnectorManifest | undefined {
  const info = objectOf(document.info) ?? {};
  const title = typeof info.title === 'string' && info.title !== '' ? info.title : 'Imported API';
  const actions = actionsOf(document, options, report);
  if (Object.keys(actions).length === 0) {
    report('/paths', 'error', options.tags || options.operations ? 'no operation matches the tags or operations asked for' : 'the document has no operation to import');
    return undefined;
  }
  const auth = authOf(document, options.auth, options.openIdConfiguration, report);
  reportUnmetSecurity(document, options, auth.scheme, report);
  const server = baseUrlOf(document, options.baseUrl, report);
  const properties = { ...server.credentials, ...auth.credentials };
  const id = options.id ?? idOf(title);
  const description = typeof info.description === 'string' ? `${info.description.slice(0, 3900)}\n\n` : '';
  return {
    ...(options.schema !== undefined && { $schema: options.schema }),
    id,
    name: title.slice(0, 200),
    version: '1.0.0',
    description: `${description}Imported from an OpenAPI description (${title} ${typeof info.version === 'string' ? info.version : ''}).`.slice(0, 4000),
    ...(typeof objectOf(document.externalDocs)?.url === 'string' && /^https?:\/\//.test(String(objectOf(document.externalDocs)?.url)) && { docs_url: String(objectOf(document.externalDocs)?.url) }),
    base_url: server.url,
    ...(Object.keys(properties).length > 0 && { credentials: { type: 'object', properties, ...(auth.required.length > 0 && { required: auth.required }) } }),
    auth: auth.auth,
    actions,
  };
}

function actionsOf(document: Record<string, unknown>, options: OpenApiImportOptions, report: Reporter): Record<string, Action> {
  const actions: Record<string, Action> = {};
  for (const { id, path, method, operation, item } of operationsOf(document, options)) {
    const action = actionOf({ method, path, operation, pathParameters: Array.isArray(item.parameters) ? item.parameters : [] }, pointerTo('/paths', path, method), report);
    if (action) actions[id] = action;
  }
  return actions;
}

/** The operations to import (all, or those of the tags / operations asked for), each with its unique action id. */
function operationsOf(document: Record<string, unknown>, options: OpenApiImportOptions): { id: string; path: string; method: string; operation: Record<string, unknown>; item: Record<string, unknown> }[] {
  const taken: Record<string, true> = {};
  const tags = options.tags && new Set(options.tags);
  const wanted = options.operations && new Set(options.operations);
  const found = [];
  for (const [path, value] of Object.entries(objectOf(document.paths) ?? {})) {
    const item = objectOf(value) ?? {};
    for (const method of METHODS.filter((m) => objectOf(item[m]))) {
      const operation = objectOf(item[method]) as Record<string, unknown>;
      // Ids are given over the whole document, so a subset keeps the ids of a full import.
      const id = uniqueId(actionIdOf(operation.operationId, method, path), taken);
      taken[id] = true;
      if (tags && !(Array.isArray(operation.tags) && operation.tags.some((tag) => tags.has(tag as string)))) continue;
      if (wanted && !wanted.has(String(operation.operationId)) && !wanted.has(id)) continue;
      found.push({ id, path, method, operation, item });
    }
  }
  return found;
}

/**
 * One warning for the imported operations whose security requirements the manifest's one auth
 * does not meet (they ask only for schemes left out): their requests carry that auth, or none.
 */
function reportUnmetSecurity(document: Record<string, unknown>, options: OpenApiImportOptions, scheme: string | undefined, report: Reporter): void {
  const unmet: string[] = [];
  const asked = new Set<string>();
  for (const { id, operation } of operationsOf(document, options)) {
    const requirements = Array.isArray(operation.security) ? operation.security : Array.isArray(document.security) ? document.security : [];
    const alternatives = requirements.map((requirement) => Object.keys(objectOf(requirement) ?? {}));
    if (alternatives.length === 0 || alternatives.some((names) => names.length === 0 || (scheme !== undefined && names.length === 1 && names[0] === scheme))) continue;
    unmet.push(id);
    for (const names of alternatives) for (const name of names) if (name !== scheme) asked.add(name);
  }
  if (unmet.length === 0) return;
  const listed = unmet.length > 10 ? `${unmet.slice(0, 10).join(', ')}, … (${unmet.length} in all)` : unmet.join(', ');
  const carried = scheme === undefined ? 'no auth' : `the "${scheme}" auth`;
  report('/paths', 'warning', `${unmet.length === 1 ? 'an action asks' : `${unmet.length} actions ask`} for a security scheme not imported (${[...asked].join(', ')}): ${listed}; their requests carry ${carried}`, 'import another scheme with --auth <scheme>, or send its credential per call (execute\'s headers option)');
}

/** An action id (`^[a-z0-9][a-z0-9_-]{0,99}$`): the operationId kebab-cased, else method and path. */
function actionIdOf(operationId: unknown, method: string, path: string): string {
  const name = typeof operationId === 'string' && operationId !== '' ? operationId : `${method} ${path}`;
  const id = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 94)
    .replace(/-+$/, '');
  return id === '' ? method : id;
}

function uniqueId(id: string, taken: Record<string, unknown>): string {
  if (!Object.hasOwn(taken, id)) return id;
  let n = 2;
  while (Object.hasOwn(taken, `${id}-${n}`)) n++;
  return `${id}-${n}`;
}

/** The first server's URL, its `{variables}` as credential fields (their enum, default and description kept). */
function baseUrlOf(document: Record<string, unknown>, option: string | undefined, report: Reporter): { url: string; credentials: Record<string, DataSchema> } {
  if (option !== undefined) return { url: option, credentials: {} };
  const server = objectOf(Array.isArray(document.servers) ? document.servers[0] : undefined);
  const url = typeof server?.url === 'string' ? server.url.replace(/\/+$/, '') : '';
  const credentials: Record<string, DataSchema> = {};
  const variables = objectOf(server?.variables) ?? {};
  let templated = url.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const field = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_').slice(0, 64);
    const variable = objectOf(variables[name]) ?? {};
    credentials[field] = { type: 'string', ...(Array.isArray(variable.enum) && variable.enum.length > 0 && { enum: variable.enum as DataSchema['enum'] }), ...(typeof variable.default === 'string' && { default: variable.default }), ...(typeof variable.description === 'string' && { description: variable.description }) };
    return `{{ credentials.${field} }}`;
  });
  if (!/^https?:\/\//.test(templated) && !templated.startsWith('{{')) {
    report(server ? '/servers/0/url' : '', 'warning', url === '' ? 'no server: the base URL is a credential, server_url' : `the server URL ${url} is relative: the base URL is the credential server_url followed by it`, 'give the base URL (--base-url)');
    credentials.server_url = { type: 'string', format: 'uri', description: 'Where the API is served: scheme and host (e.g. https://api.example.com).' };
    templated = `{{ credentials.server_url }}${url}`;
  }
  return { url: templated, credentials };
}

/** A connector id from a title: "Swagger Petstore - OpenAPI 3.0" → "swagger-petstore-openapi-3-0". */
function idOf(title: string): string {
  const id = title.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return id === '' ? 'imported-api' : id;
}
