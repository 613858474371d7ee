/**
 * Validates a connector manifest for its author: the JSON Schema (ajv, compiled once at module
 * load) and the rules a schema cannot express (template variables in scope, JSONPaths without
 * scripts, Locoia's refresh section, action paths). Every problem comes back at once, one
 * readable diagnostic per problem, sorted by position.
 */
import { createRequire } from 'node:module';
import { Ajv2020, type AnySchemaObject, type ErrorObject } from 'ajv/dist/2020.js';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import { TemplateError, type Diagnostic } from '../errors.js';
import { checkJsonPath } from '../extract/json-path.js';
import { templateVariables } from '../template/liquid.js';
import { escapePointerToken, parseJson, unescapePointerToken, type JsonLocator } from './locate.js';
import type { ConnectorManifest } from './types.gen.js';

export interface ValidateOptions {
  /** Shown in every diagnostic. */
  file?: string;
}

export interface ManifestValidation {
  /** False when any diagnostic is an error; warnings alone leave a manifest valid. */
  valid: boolean;
  diagnostics: Diagnostic[];
  /** The manifest, when valid. */
  manifest?: ConnectorManifest;
}

/** Larger texts are refused before parsing. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Deeper nesting is refused before parsing: no manifest needs it, and it would risk the stack. */
export const MAX_MANIFEST_DEPTH = 64;

type Schema = Record<string, unknown>;

// The package's own "./schema" export resolves to the same file from sdk/ (tsx) and dist/sdk/.
const schema = createRequire(import.meta.url)('connector-sdk/schema') as Schema & { $defs: Record<string, Schema> };

interface TemplateField {
  pointer: string;
  value: unknown;
  scopes: readonly string[];
  schema: AnySchemaObject;
}

/** What the schema's x-template and x-jsonpath keywords saw during one validation. */
interface Collected {
  templates: TemplateField[];
  jsonPaths: { pointer: string; value: unknown }[];
}

const ajv = new Ajv2020({
  strict: true,
  // `auth` and `pagination` require their `type` next to the oneOf that defines it: sound JSON Schema.
  strictRequired: false,
  // Locoia's fields are `"type": ["string", "null"]`.
  allowUnionTypes: true,
  allErrors: true,
  discriminator: true,
  // Errors carry their schema and data: messages list allowed values and use the descriptions.
  verbose: true,
  // `this` in the keyword functions below is the Collected of the current validation.
  passContext: true,
  $data: false,
  // The optimiser costs ~40 ms of every CLI start and gains nothing measurable per validation.
  code: { optimize: false },
});
ajv.addFormat('uri', (value: string) => URL.canParse(value));
ajv.addKeyword({
  keyword: 'x-template',
  schemaType: 'array',
  validate(this: Collected, scopes: string[], value: unknown, parent?: AnySchemaObject, cxt?: DataValidationCxt) {
    this.templates.push({ pointer: cxt?.instancePath ?? '', value, scopes, schema: parent ?? {} });
    return true;
  },
});
ajv.addKeyword({
  keyword: 'x-jsonpath',
  schemaType: 'boolean',
  validate(this: Collected, _enabled: boolean, value: unknown, _parent?: AnySchemaObject, cxt?: DataValidationCxt) {
    this.jsonPaths.push({ pointer: cxt?.instancePath ?? '', value });
    return true;
  },
});
const validateSchema = ajv.compile(schema);

/**
 * Validates a manifest given as JSON text (diagnostics carry line and column) or as a parsed
 * value (line and column are 0: there is no text to point into; the pointer still says where).
 *
 * @example
 * const { valid, diagnostics } = validateManifest(await readFile(path, 'utf8'), { file: path });
 */
export function validateManifest(valueOrText: unknown, options: ValidateOptions = {}): ManifestValidation {
  let value = valueOrText;
  let locator: JsonLocator | undefined;
  if (typeof valueOrText === 'string') {
    const parsed = parseJson(valueOrText, { maxBytes: MAX_MANIFEST_BYTES, maxDepth: MAX_MANIFEST_DEPTH });
    if (!parsed.ok) return { valid: false, diagnostics: [withFile(parsed.diagnostic, options.file)] };
    ({ value, locator } = parsed);
  } else {
    const deep = tooDeep(valueOrText, MAX_MANIFEST_DEPTH);
    if (deep !== undefined) {
      const finding = error(deep, `nesting deeper than ${MAX_MANIFEST_DEPTH} levels (or a cycle)`, 'flatten the structure');
      return { valid: false, diagnostics: toDiagnostics([finding], undefined, options.file) };
    }
  }
  const collected: Collected = { templates: [], jsonPaths: [] };
  const findings = validateSchema.call(collected, value) ? [] : schemaFindings(validateSchema.errors ?? []);
  semanticFindings(value, collected, findings);
  const diagnostics = toDiagnostics(findings, locator, options.file);
  const valid = !diagnostics.some((d) => d.severity === 'error');
  return valid ? { valid, diagnostics, manifest: value as ConnectorManifest } : { valid, diagnostics };
}

/** A problem before it is located: `at: 'key'` points at the property name, for missing and unknown properties. */
interface Finding {
  pointer: string;
  at: 'key' | 'value';
  message: string;
  hint?: string;
  severity: Diagnostic['severity'];
}

function error(pointer: string, message: string, hint?: string, at: Finding['at'] = 'value'): Finding {
  return { pointer, at, message, ...(hint ? { hint } : {}), severity: 'error' };
}

function toDiagnostics(findings: Finding[], locator: JsonLocator | undefined, file: string | undefined): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const { pointer, at, message, hint, severity } of findings) {
    const key = `${severity}\0${pointer}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { line, column } = locator ? locator.position(pointer, at) : { line: 0, column: 0 };
    out.push(withFile({ line, column, pointer, message, ...(hint ? { hint } : {}), severity }, file));
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

function withFile(diagnostic: Diagnostic, file: string | undefined): Diagnostic {
  return file === undefined ? diagnostic : { file, ...diagnostic };
}

// ─── Schema errors → findings ───────────────────────────────────────────────────────────────

/**
 * ajv reports every failed branch of an anyOf and a generic "must match a schema in anyOf".
 * Only the branches that fit the value's JSON type are worth reading; when none fits, one
 * "must be a string or an object" replaces them all.
 */
function schemaFindings(errors: readonly ErrorObject[]): Finding[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const siblings = byPath.get(e.instancePath);
    if (siblings) siblings.push(e);
    else byPath.set(e.instancePath, [e]);
  }
  const dropped = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const branches = (e.schema as unknown[]).map(resolve);
      const type = jsonType(e.data);
      const fits = branches.some((branch) => accepts(branch, type));
      if (fits) dropped.add(e);
      for (const sibling of byPath.get(e.instancePath) ?? []) {
        const branch = sibling.parentSchema;
        if (sibling !== e && branch && branches.includes(branch) && !(fits && accepts(branch, type))) {
          dropped.add(sibling);
        }
      }
    } else if (e.keyword === 'discriminator' && e.params.error === 'tag' && e.params.tagValue === undefined) {
      // "auth.type is missing" says it; ajv's own required error for the tag would repeat it.
      for (const sibling of byPath.get(e.instancePath) ?? []) {
        if (sibling.keyword === 'required' && sibling.params.missingProperty === e.params.tag) dropped.add(sibling);
      }
    }
  }
  const out: Finding[] = [];
  for (const e of errors) {
    // Errors inside propertyNames describe the name; the propertyNames error itself says it better.
    if (!dropped.has(e) && e.propertyName === undefined) out.push(translate(e));
  }
  return out;
}

function translate(e: ErrorObject): Finding {
  const path = e.instancePath;
  const subject = subjectOf(path);
  const parent = e.parentSchema ?? {};
  const hint = typeof parent.description === 'string' ? parent.description : undefined;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return error(path, `missing required property "${missing}"`, describeProperty(parent, missing), 'key');
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(isRecord(parent.properties) ? parent.properties : {});
      const suggestion = closest(name, known);
      const help = suggestion ? `did you mean "${suggestion}"?` : known.length ? `known properties: ${list(known)}` : undefined;
      return error(`${path}/${escapePointerToken(name)}`, `unknown property ${show(name)}`, help, 'key');
    }
    case 'discriminator':
      return discriminatorFinding(e, parent);
    case 'propertyNames': {
      const name = String(params.propertyName);
      const rule = resolve(parent.propertyNames);
      const pattern = isRecord(rule) && typeof rule.pattern === 'string' ? `: it must match ${rule.pattern}` : '';
      return error(`${path}/${escapePointerToken(name)}`, `${show(name)} is not a valid name in ${subject}${pattern}`, hint, 'key');
    }
    case 'anyOf':
    case 'oneOf': {
      const branches = (e.schema as unknown[]).map(resolve);
      return error(path, `${subject} must be ${typeNames(branches)}, not ${article(jsonType(e.data))}`, hint);
    }
    case 'type':
      return error(path, `${subject} must be ${orList(String(params.type).split(',').map(article))}, not ${article(jsonType(e.data))}`, hint);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const suggestion = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return error(path, `${subject} ${show(e.data)} is not one of: ${allowed.join(', ')}`, suggestion ? `did you mean "${suggestion}"?` : hint);
    }
    case 'const':
      return error(path, `${subject} must be ${JSON.stringify(params.allowedValue)}`, hint);
    case 'pattern':
      return error(path, `${subject} ${show(e.data)} does not match ${String(params.pattern)}`, hint);
    case 'format':
      return error(path, `${subject} ${show(e.data)} is not a valid ${params.format === 'uri' ? 'absolute URI' : String(params.format)}`, hint);
    case 'minLength':
      return error(path, params.limit === 1 ? `${subject} must not be empty` : `${subject} must be at least ${String(params.limit)} characters long`, hint);
    case 'maxLength':
      return error(path, `${subject} is longer than ${String(params.limit)} characters`, hint);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return error(path, `${subject} must be ${COMPARISONS[String(params.comparison)] ?? String(params.comparison)} ${String(params.limit)}`, hint);
    case 'minItems':
    case 'minProperties':
      return error(path, params.limit === 1 ? `${subject} must not be empty` : `${subject} must have at least ${String(params.limit)} entries`, hint);
    case 'maxItems':
    case 'maxProperties':
      return error(path, `${subject} has more than ${String(params.limit)} entries`, hint);
    case 'uniqueItems': {
      const [first, later] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return error(`${path}/${later}`, `${subject} lists the same value twice (items ${first} and ${later})`, hint);
    }
    case 'dependentRequired':
      return error(path, `${show(params.property)} needs ${show(params.missingProperty)} as well`, describeProperty(parent, String(params.missingProperty)), 'key');
    default:
      return error(path, `${subject} ${e.message ?? 'is invalid'}`, hint);
  }
}

const COMPARISONS: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };

/** `auth.type "oauth3" is not one of: none, api_key, …` instead of ajv's "value of tag must be in oneOf". */
function discriminatorFinding(e: ErrorObject, parent: AnySchemaObject): Finding {
  const tag = String((e.params as { tag: unknown }).tag);
  const tagValue = (e.params as { tagValue?: unknown }).tagValue;
  const owner = subjectOf(e.instancePath);
  const name = e.instancePath === '' ? tag : `${owner}.${tag}`;
  const allowed = (Array.isArray(parent.oneOf) ? parent.oneOf : []).map((branch) => {
    const properties = resolve(branch).properties;
    return isRecord(properties) && isRecord(properties[tag]) ? String(properties[tag].const) : '?';
  });
  const description = typeof parent.description === 'string' ? parent.description : undefined;
  if (tagValue === undefined) {
    return error(e.instancePath, `${name} is missing: set it to one of: ${allowed.join(', ')}`, description, 'key');
  }
  const pointer = `${e.instancePath}/${escapePointerToken(tag)}`;
  if (typeof tagValue !== 'string') return error(pointer, `${name} must be a string, one of: ${allowed.join(', ')}`, description);
  const suggestion = closest(tagValue, allowed);
  return error(pointer, `${name} ${show(tagValue)} is not one of: ${allowed.join(', ')}`, suggestion ? `did you mean "${suggestion}"?` : description);
}

function resolve(node: unknown): Schema {
  if (!isRecord(node)) return {};
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) return schema.$defs[ref.slice(8)] ?? {};
  return node;
}

/** A property's own description, else that of the definition it refers to. */
function describeProperty(parent: Schema, property: string): string | undefined {
  const node = isRecord(parent.properties) ? parent.properties[property] : undefined;
  if (!isRecord(node)) return undefined;
  const description = node.description ?? resolve(node).description;
  return typeof description === 'string' ? description : undefined;
}

function accepts(branch: unknown, type: string): boolean {
  if (!isRecord(branch)) return true;
  const declared = branch.type ?? ('const' in branch ? jsonType(branch.const) : Array.isArray(branch.enum) ? branch.enum.map(jsonType) : undefined);
  if (declared === undefined) return true;
  const types = Array.isArray(declared) ? declared : [declared];
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

/** Called only when no branch accepts the value, so every branch declares its types. */
function typeNames(branches: readonly Schema[]): string {
  const names = new Set<string>();
  for (const branch of branches) {
    const declared = branch.type ?? (Array.isArray(branch.enum) ? branch.enum.map(jsonType) : jsonType(branch.const));
    for (const type of Array.isArray(declared) ? declared : [declared]) names.add(article(String(type)));
  }
  return orList([...names]);
}

// ─── Rules beyond the schema ────────────────────────────────────────────────────────────────

const AUTH_VALUES = ['access_token', 'refresh_token', 'token_type', 'expires_at', 'cookies', 'extras'];
const ACTION_URL_FIELD = /^\/actions\/[^/]+\/(?:path|query\/[^/]+)$/;
const LOCOIA_HEADERS = '#/$defs/locoia_headers';

/** What templates may refer to, gathered once per manifest. */
interface Facts {
  credentials: Set<string>;
  secrets: Set<string>;
  /** A credentials schema allows undeclared fields. */
  openCredentials: boolean;
  authExtras: Set<string>;
  actions: Record<string, unknown>;
}

function semanticFindings(value: unknown, collected: Collected, out: Finding[]): void {
  if (!isRecord(value)) return;
  const auth = isRecord(value.auth) ? value.auth : {};
  const facts = gatherFacts(value, auth);
  for (const field of collected.templates) checkTemplateField(field, facts, out);
  for (const { pointer, value: path } of collected.jsonPaths) {
    const problem = typeof path === 'string' ? checkJsonPath(path) : undefined;
    if (problem) out.push(error(pointer, problem, 'write a plain path such as $.data.items or data.token'));
  }
  checkAuth(auth, out);
  for (const [id, action] of Object.entries(facts.actions)) if (isRecord(action)) checkAction(id, action, out);
  for (const [pointer, credentials] of credentialSchemas(value)) checkRequiredNames(pointer, credentials, out);
}

function gatherFacts(manifest: Schema, auth: Schema): Facts {
  const facts: Facts = {
    credentials: new Set(),
    secrets: new Set(),
    openCredentials: false,
    authExtras: new Set(isRecord(auth.extras) ? Object.keys(auth.extras) : []),
    actions: isRecord(manifest.actions) ? manifest.actions : {},
  };
  for (const [, credentials] of credentialSchemas(manifest)) {
    if (credentials.additionalProperties === true) facts.openCredentials = true;
    if (!isRecord(credentials.properties)) continue;
    for (const [name, field] of Object.entries(credentials.properties)) {
      facts.credentials.add(name);
      if (isRecord(field) && field['x-secret'] === true) facts.secrets.add(name);
    }
  }
  return facts;
}

/** The top-level credentials schema and each environment's. */
function credentialSchemas(manifest: Schema): [string, Schema][] {
  const out: [string, Schema][] = [];
  if (isRecord(manifest.credentials)) out.push(['/credentials', manifest.credentials]);
  const environments = isRecord(manifest.environments) ? manifest.environments : {};
  for (const [name, environment] of Object.entries(environments)) {
    if (isRecord(environment) && isRecord(environment.credentials)) {
      out.push([`/environments/${escapePointerToken(name)}/credentials`, environment.credentials]);
    }
  }
  return out;
}

/** One template field under check: what it may use and, in an action, that action's input. */
interface FieldContext {
  scopes: readonly string[];
  description?: string;
  action?: { id: string; input: unknown };
  /** An action's path or query: secrets there end up in logs. */
  inUrl: boolean;
}

function checkTemplateField(field: TemplateField, facts: Facts, out: Finding[]): void {
  const { pointer, value } = field;
  const id = pointer.startsWith('/actions/') ? unescapePointerToken(pointer.split('/')[2] ?? '') : undefined;
  const action = id === undefined ? undefined : facts.actions[id];
  const context: FieldContext = {
    scopes: field.scopes,
    ...(typeof field.schema.description === 'string' ? { description: field.schema.description } : {}),
    ...(id === undefined ? {} : { action: { id, input: isRecord(action) ? action.input : undefined } }),
    inUrl: ACTION_URL_FIELD.test(pointer),
  };
  if (typeof value === 'string' && field.schema.$ref === LOCOIA_HEADERS) checkHeadersText(pointer, value, context, facts, out);
  else forEachString(value, pointer, (at, source) => checkTemplate(at, source, context, facts, out));
}

/** Locoia stores token request headers as the JSON text of an object; each value is a template. */
function checkHeadersText(pointer: string, text: string, context: FieldContext, facts: Facts, out: Finding[]): void {
  const name = subjectOf(pointer);
  let headers: unknown;
  try {
    headers = JSON.parse(text);
  } catch {
    headers = undefined;
  }
  if (!isRecord(headers)) {
    out.push(error(pointer, `${name} is a string but not the JSON text of an object`, 'write an object, or its JSON text as Locoia stores it: "{\\"Content-Type\\": \\"application/json\\"}"'));
    return;
  }
  for (const [header, template] of Object.entries(headers)) {
    if (typeof template === 'string') checkTemplate(pointer, template, context, facts, out);
    else out.push(error(pointer, `header ${show(header)} in ${name} must be a string`, context.description));
  }
}

function forEachString(value: unknown, pointer: string, visit: (pointer: string, text: string) => void): void {
  if (typeof value === 'string') visit(pointer, value);
  else if (Array.isArray(value)) value.forEach((item, i) => forEachString(item, `${pointer}/${i}`, visit));
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) forEachString(item, `${pointer}/${escapePointerToken(key)}`, visit);
  }
}

function checkTemplate(pointer: string, source: string, context: FieldContext, facts: Facts, out: Finding[]): void {
  const variables = analyse(source, pointer);
  if (typeof variables === 'string') {
    out.push(error(pointer, variables, 'check that every {{ and {% is closed and that filters and tags exist'));
    return;
  }
  for (const segments of variables) {
    const problem = variableProblem(segments, context, facts);
    if (problem) out.push(error(pointer, problem.message, problem.hint ?? context.description));
    const [root, name] = segments;
    if (context.inUrl && root === 'credentials' && name !== undefined && facts.secrets.has(name)) {
      out.push({
        pointer,
        at: 'value',
        message: `secret credentials.${cut(name)} is put in the URL, and URLs end up in logs`,
        hint: 'send it in a header or the body if the API allows',
        severity: 'warning',
      });
    }
  }
}

type Problem = { message: string; hint?: string } | undefined;

function variableProblem(variable: readonly string[], context: FieldContext, facts: Facts): Problem {
  // `input.items[input.index]` comes as [input, items, "input.index"]: a computed key ends what can be checked.
  const dynamic = variable.findIndex((segment) => segment.includes('.'));
  const segments = dynamic === -1 ? variable : variable.slice(0, dynamic);
  const [root = '', first, second] = segments;
  if (!context.scopes.includes(root)) {
    return { message: `variable ${cut(segments.join('.'))} is not available here: this field may use ${context.scopes.join(', ')}` };
  }
  switch (root) {
    case 'credentials':
      if (first === undefined || facts.openCredentials || facts.credentials.has(first)) return undefined;
      return {
        message: `credentials.${cut(first)} is not declared`,
        hint: suggest(first, [...facts.credentials]) ?? 'declare it under credentials.properties',
      };
    case 'input':
      return context.action ? inputProblem(segments.slice(1), context.action) : undefined;
    case 'auth':
      if (first === undefined) return undefined;
      if (!AUTH_VALUES.includes(first)) {
        return { message: `auth.${cut(first)} does not exist: auth has ${AUTH_VALUES.join(', ')}`, hint: suggest(first, AUTH_VALUES) };
      }
      if (first === 'extras' && second !== undefined && !facts.authExtras.has(second)) {
        return {
          message: `auth.extras.${cut(second)} is not declared in auth.extras`,
          hint: suggest(second, [...facts.authExtras]) ?? `add "${cut(second)}": "<JSONPath>" to auth.extras`,
        };
      }
      return undefined;
    default:
      // env (the environment name) and now (the current time) are plain values.
      return first === undefined ? undefined : { message: `${root} is a plain value and has no property ${show(first)}` };
  }
}

/** input.X must be declared in the action's input schema, and deeper segments where the schema declares them. */
function inputProblem(path: readonly string[], action: { id: string; input: unknown }): Problem {
  let node = action.input;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string;
    if (!isRecord(node)) return i === 0 ? undeclaredInput(path, 1, action.id, []) : undefined;
    const properties = isRecord(node.properties) ? node.properties : i === 0 ? {} : undefined;
    if (properties && Object.hasOwn(properties, segment)) {
      node = properties[segment];
    } else if (isRecord(node.items) && (/^\d+$/.test(segment) || segment === 'first' || segment === 'last')) {
      node = node.items;
    } else if (segment === 'size' || !properties || node.additionalProperties === true) {
      return undefined; // Liquid's size, or nothing declared this deep
    } else {
      return undeclaredInput(path, i + 1, action.id, Object.keys(properties));
    }
  }
  return undefined;
}

function undeclaredInput(path: readonly string[], depth: number, id: string, known: string[]): Problem {
  return {
    message: `input.${cut(path.slice(0, depth).join('.'))} is not declared in the input schema of action ${show(id)}`,
    hint: suggest(path[depth - 1] as string, known) ?? `declare it under actions.${cut(id)}.input.properties`,
  };
}

/** Template variables by source: manifests repeat the same templates, and analysis means parsing. */
const analysed = new Map<string, readonly string[][]>();
const ANALYSED_LIMIT = 10_000;

function analyse(source: string, pointer: string): readonly string[][] | string {
  if (!source.includes('{')) return [];
  const cached = analysed.get(source);
  if (cached) return cached;
  let variables: string[][];
  try {
    variables = templateVariables(source, pointer);
  } catch (e) {
    // Not cached: the message names the pointer, and broken templates are rare.
    if (e instanceof TemplateError) return e.message;
    throw e;
  }
  const unique = [...new Map(variables.map((segments) => [segments.join('.'), segments])).values()];
  if (analysed.size >= ANALYSED_LIMIT) analysed.delete(analysed.keys().next().value as string);
  analysed.set(source, unique);
  return unique;
}

function checkAuth(auth: Schema, out: Finding[]): void {
  if (auth.type === 'oauth2_password') {
    out.push({
      pointer: '/auth/type',
      at: 'value',
      message: 'the oauth2_password grant is discouraged by RFC 9700 §2.4 (it still works)',
      hint: 'prefer oauth2_authorization_code, or oauth2_client_credentials for machine access, when the API offers them',
      severity: 'warning',
    });
  }
  if (auth.type !== 'refreshable_token') return;
  if (!['response_access_token_path', 'response_access_token_path_in_header', 'response_access_token_path_in_cookie'].some((f) => isSet(auth[f]))) {
    out.push(error('/auth', 'refreshable_token needs response_access_token_path, response_access_token_path_in_header or response_access_token_path_in_cookie', 'say where the authorization response carries the access token: a JSONPath into the body, a header name or a cookie name', 'key'));
  }
  if (!isSet(auth.refresh_request_url)) return;
  // Locoia's rule: a separate refresh endpoint comes with its whole request and the refresh token's path.
  const refreshable = schema.$defs.auth_refreshable_token ?? {};
  for (const field of ['refresh_request_body_template', 'refresh_request_headers']) {
    if (!isSet(auth[field])) {
      out.push(error('/auth/refresh_request_url', `refresh_request_url needs ${field} as well`, describeProperty(refreshable, field), 'key'));
    }
  }
  if (!isSet(auth.response_refresh_token_path) && !isSet(auth.refresh_response_refresh_token_path)) {
    out.push(error('/auth/refresh_request_url', 'refresh_request_url needs response_refresh_token_path or refresh_response_refresh_token_path as well', describeProperty(refreshable, 'response_refresh_token_path'), 'key'));
  }
}

function checkAction(id: string, action: Schema, out: Finding[]): void {
  const base = `/actions/${escapePointerToken(id)}`;
  const { path } = action;
  if (typeof path === 'string' && !path.startsWith('/') && !/^https?:\/\//i.test(path)) {
    out.push(error(`${base}/path`, `path ${show(path)} must start with "/" or be an absolute http(s) URL`, 'paths are resolved against base_url, e.g. "/v1/items"'));
  }
  if (action.body !== undefined && action.body_template !== undefined) {
    out.push(error(`${base}/body_template`, 'body and body_template are mutually exclusive', 'keep body (JSON whose strings are templates) or body_template (one Liquid string), not both', 'key'));
  }
  if (action.body_format === 'multipart' && action.body === undefined) {
    out.push(error(`${base}/body_format`, 'body_format "multipart" needs body: an object of form fields', 'file parts come from input fields marked "x-binary"'));
  }
  if (isRecord(action.input) && action.input.additionalProperties !== true) checkRequiredNames(`${base}/input`, action.input, out);
}

function checkRequiredNames(pointer: string, dataSchema: Schema, out: Finding[]): void {
  if (!Array.isArray(dataSchema.required)) return;
  const declared = isRecord(dataSchema.properties) ? Object.keys(dataSchema.properties) : [];
  dataSchema.required.forEach((name, i) => {
    if (typeof name === 'string' && !declared.includes(name)) {
      out.push(error(`${pointer}/required/${i}`, `required field ${show(name)} is not declared in properties`, suggest(name, declared) ?? 'declare it under properties or remove it from required'));
    }
  });
}

// ─── Small helpers ──────────────────────────────────────────────────────────────────────────

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function article(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function list(names: readonly string[]): string {
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
}

/** A manifest value for a message: quoted, and cut to 60 characters. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(cut(value));
  return cut(JSON.stringify(value) ?? String(value));
}

/** Messages quote manifest text only up to 60 characters. */
function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** What the pointer names, for messages: `/actions/x/path` → "path", `/allowed_hosts/0` → "allowed_hosts[0]". */
function subjectOf(pointer: string): string {
  const tokens = pointer.split('/').slice(1).map(unescapePointerToken);
  const last = tokens.at(-1);
  if (last === undefined) return 'the manifest';
  return /^\d+$/.test(last) && tokens.length > 1 ? `${tokens.at(-2)}[${last}]` : last;
}

function suggest(name: string, candidates: readonly string[]): string | undefined {
  const match = closest(name, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

/** The candidate within a few typos of `name`, for "did you mean …?". */
function closest(name: string, candidates: readonly string[]): string | undefined {
  if (name.length > 100) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Edits between two strings, a swap of neighbours counting as one (optimal string alignment). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Pointer of the first object or array nested deeper than `levels`, or undefined. Recursion
 * stops at the limit, so it is stack-safe, and a cycle is just infinitely deep.
 */
function tooDeep(value: unknown, levels: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (levels === 0) return '';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = tooDeep(value[i], levels - 1);
      if (below !== undefined) return `/${i}${below}`;
    }
    return undefined;
  }
  for (const key in value) {
    const below = Object.hasOwn(value, key) ? tooDeep((value as Record<string, unknown>)[key], levels - 1) : undefined;
    if (below !== undefined) return `/${escapePointerToken(key)}${below}`;
  }
  return undefined;
}
