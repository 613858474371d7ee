/**
 * Locoia connector definitions as manifests: `importLocoia(text)` reads a base connector
 * (`name`, `auth_config`, `base_domain`, `header`, `url_token_extension`, …) or an auth config
 * alone (`{"refreshable_token": {"auth_form": …, "config": …}}`, as Locoia's documentation
 * publishes them), maps the auth (refreshable_token, oauth2, basic_auth), the form and the
 * Jinja templates, and validates the result. Every problem comes back as a diagnostic: those
 * about the source carry its file, line, column and a JSON pointer into it; those about the
 * manifest come from validateManifest over the manifest's text. See docs/import-locoia.md.
 */
import type { Diagnostic } from '../errors.js';
import type { Action, Authentication, ConnectorManifest, CredentialsSchema, TokenPlacement } from '../manifest/types.gen.js';
import { validateManifest } from '../manifest/validate.js';
import { ImportContext, objectOf, pointerTo } from './import-context.js';
import { credentialsOf } from './locoia-auth-form.js';
import { basicAuth } from './locoia-basic-auth.js';
import { noPlacement, tokenPlacement, type ConnectorParts } from './locoia-header.js';
import { oauth2 } from './locoia-oauth2.js';
import { refreshableToken } from './locoia-refreshable-token.js';
import { SourceText } from './source-text.js';

/**
 * Locoia's auth types this importer reads (`importLocoia`'s `authType`, the CLI's `--auth`).
 *
 * @example
 * const authType = LOCOIA_AUTH_TYPES.find((type) => type === process.argv[2]); // 'refreshable_token' | 'oauth2' | 'basic_auth' | undefined
 */
export const LOCOIA_AUTH_TYPES = ['refreshable_token', 'oauth2', 'basic_auth'] as const;
/**
 * One of LOCOIA_AUTH_TYPES.
 *
 * @example
 * const authType: LocoiaAuthType = 'oauth2';
 * const { manifest } = importLocoia(text, { authType });
 */
export type LocoiaAuthType = (typeof LOCOIA_AUTH_TYPES)[number];

/**
 * The action a Locoia definition (which has none) is given, since a manifest needs one.
 *
 * @example
 * const { manifest } = importLocoia(text, { id: 'snov-io' });
 * // Replace the starter (a GET of the base URL) with the API's real actions:
 * if (manifest) manifest.actions = { 'get-balance': { method: 'GET', path: '/v1/get-balance' } };
 * // Until then, it checks the imported auth: await connection.execute(STARTER_ACTION_ID);
 */
export const STARTER_ACTION_ID = 'starter-get-base-url';

/**
 * How importLocoia names and places what it writes.
 *
 * @example
 * const options: LocoiaImportOptions = { file: 'snov-io.locoia.json', id: 'snov-io', authType: 'refreshable_token', schema: '../schemas/connector.schema.json', manifestFile: 'connectors/snov-io.json' };
 * const imported = importLocoia(await readFile('snov-io.locoia.json', 'utf8'), options);
 */
export interface LocoiaImportOptions {
  /** The source's name in diagnostics (e.g. its path). */
  file?: string;
  /** The manifest's id; default: from the connector's name, else from `file`. */
  id?: string;
  /** The manifest's base URL (a Liquid template), instead of `base_domain` or the token URL's origin. */
  baseUrl?: string;
  /** Which auth type to import when `auth_config` offers several; default: the first. */
  authType?: LocoiaAuthType;
  /** The manifest's `$schema` (e.g. `../schemas/connector.schema.json`); default: none. */
  schema?: string;
  /** The manifest's name in the validator's diagnostics (e.g. the path it is written to). */
  manifestFile?: string;
}

/**
 * importLocoia's answer.
 *
 * @example
 * const { manifest, text, diagnostics, valid }: LocoiaImport = importLocoia(await readFile('snov-io.locoia.json', 'utf8'), { file: 'snov-io.locoia.json' });
 * for (const d of diagnostics) console.error(`${d.file ?? 'manifest'}:${d.line}:${d.column} ${d.severity}: ${d.message}`);
 * if (valid && text) await writeFile('connectors/snov-io.json', text);
 */
export interface LocoiaImport {
  /** The manifest; undefined only when the source is no Locoia definition at all (not JSON, no auth). */
  manifest: ConnectorManifest | undefined;
  /** The manifest as JSON text (2-space indent), which the manifest diagnostics' lines and columns refer to. */
  text: string | undefined;
  /** Source diagnostics first (file of the source, pointer into it), then the validator's (pointer into the manifest). */
  diagnostics: Diagnostic[];
  /** False when any diagnostic is an error: something was not translated, or the manifest does not validate. */
  valid: boolean;
}

/** Base connector keys that describe Locoia's catalogue, not the API: read past in silence. */
const CATALOGUE_KEYS = new Set([
  'contype',
  'status',
  'image_url',
  'display_on_landing_pages',
  'internal_docs',
  'external_auth_docs',
  'external_swagger_docs',
  'long_description',
  'con_arrow',
  'order_rank',
  'tags',
]);
const READ_KEYS = new Set(['name', 'auth_config', 'base_domain', 'header', 'url_token_extension', 'short_description', 'external_docs']);
const UNSUPPORTED_KEYS: Record<string, string> = {
  search_config: 'the manifest has no search configuration',
  pagination_config: 'pagination is set per action in the manifest (actions.<id>.pagination)',
  external_schema_config: 'the manifest has no external schemas',
};

/**
 * Imports a Locoia connector definition.
 *
 * @example
 * import { importLocoia } from 'connector-sdk';
 * const { manifest, diagnostics, valid } = importLocoia(await readFile('snov-io.locoia.json', 'utf8'), { file: 'snov-io.locoia.json', id: 'snov-io' });
 * for (const d of diagnostics) console.error(`${d.file}:${d.line}:${d.column} ${d.pointer} ${d.severity}: ${d.message}`);
 * if (valid) await writeFile('connectors/snov-io.json', JSON.stringify(manifest, null, 2));
 */
export function importLocoia(text: string, options: LocoiaImportOptions = {}): LocoiaImport {
  const source = SourceText.parse(text, options.file);
  if (!(source instanceof SourceText)) return { manifest: undefined, text: undefined, diagnostics: [source.diagnostic], valid: false };
  const ctx = new ImportContext(source);
  const manifest = manifestOf(ctx, options);
  const sourceDiagnostics = [...source.diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
  if (!manifest) return { manifest, text: undefined, diagnostics: sourceDiagnostics, valid: false };
  const written = `${JSON.stringify(manifest, null, 2)}\n`;
  const validation = validateManifest(written, options.manifestFile === undefined ? {} : { file: options.manifestFile });
  const diagnostics = [...sourceDiagnostics, ...validation.diagnostics];
  return { manifest, text: written, diagnostics, valid: !diagnostics.some((d) => d.severity === 'error') };
}

interface Located {
  /** The base connector (empty for an auth config alone) and where its auth config is. */
  connector: Record<string, unknown>;
  authConfig: Record<string, unknown>;
  authPointer: string;
}

function manifestOf(ctx: ImportContext, options: LocoiaImportOptions): ConnectorManifest | undefined {
  const located = locate(ctx);
  if (!located) return undefined;
  const picked = pickAuthType(ctx, located, options.authType);
  if (!picked) return undefined;
  const { connector } = located;
  const credentials = credentialsOf(ctx, picked.block.auth_form, pointerTo(picked.pointer, 'auth_form'));
  const auth = authOf(ctx, picked, credentials, connector);
  if (!auth) return undefined;
  const name = typeof connector.name === 'string' && connector.name !== '' ? connector.name : undefined;
  const id = options.id ?? idOf(name ?? stemOf(options.file) ?? 'imported-connector');
  const description = [
    typeof connector.short_description === 'string' ? connector.short_description : undefined,
    `Imported from a Locoia connector definition${options.file ? ` (${options.file})` : ''}.`,
  ];
  return {
    ...(options.schema !== undefined && { $schema: options.schema }),
    id,
    name: name ?? id,
    version: '1.0.0',
    description: description.filter(Boolean).join(' '),
    ...(typeof connector.external_docs === 'string' && /^https?:\/\//.test(connector.external_docs) && { docs_url: connector.external_docs }),
    base_url: baseUrlOf(ctx, connector, auth, options.baseUrl),
    ...(Object.keys(credentials.properties).length > 0 && { credentials }),
    auth,
    actions: { [STARTER_ACTION_ID]: STARTER_ACTION },
  };
}

const STARTER_ACTION: Action = {
  title: 'Starter: GET the base URL',
  description: 'Written by `connector import locoia`: a Locoia definition has no actions and a manifest needs one. Replace it with the API\'s actions.',
  method: 'GET',
  path: '/',
};

function locate(ctx: ImportContext): Located | undefined {
  const root = objectOf(ctx.source.value);
  if (!root) {
    ctx.report('', 'error', 'a Locoia connector definition is a JSON object');
    return undefined;
  }
  if (!Object.hasOwn(root, 'auth_config')) return { connector: {}, authConfig: root, authPointer: '' };
  const authConfig = objectOf(root.auth_config);
  if (!authConfig) {
    ctx.report('/auth_config', 'error', 'auth_config is not an object', 'it is keyed by auth type: {"oauth2": {"auth_form": […], "config": {…}}}');
    return undefined;
  }
  for (const key of Object.keys(root)) {
    if (Object.hasOwn(UNSUPPORTED_KEYS, key)) {
      if (root[key] !== null) ctx.report(`/${key}`, 'warning', `${key} is not imported`, UNSUPPORTED_KEYS[key], 'key');
    } else if (!READ_KEYS.has(key) && !CATALOGUE_KEYS.has(key)) {
      ctx.report(pointerTo('', key), 'warning', `"${key}" is not a base connector key: not imported`, undefined, 'key');
    }
  }
  return { connector: root, authConfig, authPointer: '/auth_config' };
}

interface PickedAuth {
  type: LocoiaAuthType;
  block: Record<string, unknown>;
  pointer: string;
}

function pickAuthType(ctx: ImportContext, { authConfig, authPointer }: Located, wanted: LocoiaAuthType | undefined): PickedAuth | undefined {
  const offered = Object.keys(authConfig);
  const known = offered.filter((key): key is LocoiaAuthType => (LOCOIA_AUTH_TYPES as readonly string[]).includes(key));
  for (const key of offered.filter((key) => !known.includes(key as LocoiaAuthType))) {
    ctx.report(pointerTo(authPointer, key), known.length > 0 ? 'warning' : 'error', `the auth type "${key}" is not imported`, `the importer reads ${LOCOIA_AUTH_TYPES.join(', ')}`, 'key');
  }
  if (wanted !== undefined && !known.includes(wanted)) {
    ctx.report(authPointer, 'error', `the definition has no ${wanted} auth`, `it has: ${offered.join(', ') || 'none'}`);
    return undefined;
  }
  const type = wanted ?? known[0];
  if (type === undefined) {
    if (known.length === 0 && offered.length === 0) ctx.report(authPointer, 'error', `no auth type: expected auth_config or one of ${LOCOIA_AUTH_TYPES.join(', ')}`);
    return undefined;
  }
  if (known.length > 1 && wanted === undefined) {
    ctx.report(authPointer, 'warning', `several auth types (${known.join(', ')}): ${type} is imported`, 'choose another with --auth <type>', 'key');
  }
  const pointer = pointerTo(authPointer, type);
  const block = objectOf(authConfig[type]);
  if (!block) {
    ctx.report(pointer, 'error', `${type} is not an object`, 'it holds "auth_form" and "config"');
    return undefined;
  }
  return { type, block, pointer };
}

function authOf(ctx: ImportContext, { type, block, pointer }: PickedAuth, credentials: CredentialsSchema, connector: ConnectorParts): Authentication | undefined {
  const configPointer = pointerTo(pointer, 'config');
  const config = objectOf(block.config) ?? {};
  if (type !== 'basic_auth' && !objectOf(block.config)) {
    ctx.report(block.config === undefined ? pointer : configPointer, 'error', `${type} has no "config" object`, undefined, block.config === undefined ? 'key' : 'value');
    return undefined;
  }
  if (type === 'basic_auth') {
    for (const key of Object.keys(config)) ctx.report(pointerTo(configPointer, key), 'warning', `"${key}" of basic_auth's config is not imported`, undefined, 'key');
    return basicAuth(ctx, credentials, connector, '', pointerTo(pointer, 'auth_form'));
  }
  const apply = placementOf(ctx, connector);
  if (type === 'oauth2') return oauth2(ctx, config, configPointer, credentials, apply);
  return refreshableToken(ctx, config, configPointer, apply);
}

function placementOf(ctx: ImportContext, connector: ConnectorParts): TokenPlacement | undefined {
  const apply = tokenPlacement(ctx, connector, '');
  if (!apply) noPlacement(ctx, connector, '', 'the token is sent as "Authorization: Bearer <token>"');
  return apply;
}

/** The base URL: the option, `base_domain`, or the origin of the token URL (said in a warning). */
function baseUrlOf(ctx: ImportContext, connector: Record<string, unknown>, auth: Authentication, option: string | undefined): string {
  if (option !== undefined) return option;
  if (typeof connector.base_domain === 'string' && connector.base_domain !== '') {
    return ctx.translate('/base_domain', connector.base_domain).replace(/\/+$/, '');
  }
  const tokenUrl = 'authorization_request_url' in auth ? auth.authorization_request_url : 'token_url' in auth ? auth.token_url : undefined;
  const origin = typeof tokenUrl === 'string' ? /^https?:\/\/[^/?#{}]+(?=[/?#]|$)/.exec(tokenUrl)?.[0] : undefined;
  const at = Object.hasOwn(connector, 'base_domain') ? '/base_domain' : '';
  if (origin) {
    ctx.report(at, 'warning', `no base_domain: the base URL is the token URL's origin, ${origin}`, 'check it, or give the base URL (--base-url)');
    return origin;
  }
  ctx.report(at, 'error', 'no base_domain, and the token URL has no fixed origin to take instead', 'give the base URL (--base-url)');
  return 'https://invalid.example';
}

/** A connector id (lower-case letters, digits, dashes) from a name: "Teamwork CRM" → "teamwork-crm". */
function idOf(name: string): string {
  const id = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return id === '' ? 'imported-connector' : id;
}

/** "dir/snov-io.locoia.json" → "snov-io". */
function stemOf(file: string | undefined): string | undefined {
  if (file === undefined || file === '-') return undefined;
  return file.split(/[\\/]/).pop()?.split('.')[0] || undefined;
}
