/**
 * One OpenAPI operation as one action: the path with its templated parameters, query and header
 * parameters (openapi-parameters.ts), the request body (JSON, form, multipart or raw), one input
 * schema merged from parameters and body, the 2xx response's schema, and pagination where the
 * document makes it unambiguous (a `Link` response header; a `next` cursor field answered and a
 * cursor query parameter taken). A JSON object body's fields are input fields of their own; the
 * body is written so that absent fields are left out rather than sent as null.
 */
import type { Action, DataSchema } from '../manifest/types.gen.js';
import { objectOf } from './import-context.js';
import { inputRef, placementOf, type ParameterShape, type Placement } from './openapi-parameters.js';
import { dataSchemaOf, type SchemaOptions } from './openapi-schema.js';

/** An operation of the dereferenced document, with where it is. */
export interface OperationSource {
  method: string;
  path: string;
  operation: Record<string, unknown>;
  /** Parameters declared on the path item (the operation's own override them by name and location). */
  pathParameters: unknown[];
}

/** Reports a problem at a JSON pointer of the document. */
export type Reporter = (pointer: string, severity: 'error' | 'warning', message: string, hint?: string) => void;

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
const INPUT: SchemaOptions = { depth: 8, direction: 'request', descriptions: true };
const OUTPUT: SchemaOptions = { depth: 2, direction: 'response', descriptions: false };
/** Headers OpenAPI says a parameter cannot set (§4.8.12.2). */
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/**
 * The action of one operation, or undefined (reported) for a method the manifest has no place for.
 *
 * @example
 * actionOf({ method: 'get', path: '/pets/{id}', operation: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }] }, pathParameters: [] }, '/paths/~1pets~1{id}/get', () => {});
 * // { method: 'GET', path: '/pets/{{ input.id | uri_encode }}', input: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }, … }
 */
export function actionOf(source: OperationSource, pointer: string, report: Reporter): Action | undefined {
  const method = source.method.toUpperCase();
  if (!METHODS.has(method)) {
    report(pointer, 'warning', `${method} ${source.path} is not imported: actions use ${[...METHODS].join(', ')}`);
    return undefined;
  }
  const { operation } = source;
  const input: DataSchema & { properties: Record<string, DataSchema>; required: string[] } = { type: 'object', properties: {}, required: [] };
  const placements = parametersOf(source, input, pointer, report);
  const action: Action = { method: method as Action['method'], path: pathOf(source.path, placements) };
  if (typeof operation.summary === 'string' && operation.summary !== '') action.title = operation.summary.slice(0, 200);
  if (typeof operation.description === 'string' && operation.description !== '') action.description = operation.description.slice(0, 4000);
  const query = Object.fromEntries(placements.flatMap((p) => (p.in === 'query' ? [[p.name, p.template]] : [])));
  if (Object.keys(query).length > 0) action.query = query;
  const headers = headersOf(placements);
  bodyOf(operation.requestBody, input, action, headers, `${pointer}/requestBody`, report);
  if (Object.keys(headers).length > 0) action.headers = headers;
  if (input.required.length === 0) delete (input as DataSchema).required;
  action.input = input;
  responseOf(operation.responses, action, query);
  if (Array.isArray(operation.security) && operation.security.length === 0) action.apply_auth = false;
  return action;
}

/** Every parameter as an input field and its placement; a name used twice (path and query) gets its location as a prefix. */
function parametersOf(source: OperationSource, input: { properties: Record<string, DataSchema>; required: string[] }, pointer: string, report: Reporter): Placement[] {
  const own = Array.isArray(source.operation.parameters) ? source.operation.parameters : [];
  const byKey = new Map<string, Record<string, unknown>>();
  for (const parameter of [...source.pathParameters, ...own]) {
    const p = objectOf(parameter);
    if (p && typeof p.name === 'string' && typeof p.in === 'string') byKey.set(`${p.in} ${p.name}`, p);
  }
  const placements: Placement[] = [];
  for (const p of byKey.values()) {
    const where = p.in as string;
    const name = p.name as string;
    if (!['path', 'query', 'header', 'cookie'].includes(where)) continue;
    if (where === 'header' && RESERVED_HEADERS.has(name.toLowerCase())) continue;
    const property = Object.hasOwn(input.properties, name) ? `${where}_${name}` : name;
    const schema = dataSchemaOf(p.schema ?? firstContentSchema(p.content), INPUT);
    if (typeof p.description === 'string' && p.description !== '' && schema.description === undefined) schema.description = p.description;
    if (p.deprecated === true) schema.description = `Deprecated. ${schema.description ?? ''}`.trim();
    input.properties[property] = schema;
    if (p.required === true || where === 'path') input.required.push(property);
    const shape: ParameterShape = { name, in: where as ParameterShape['in'], property, kind: kindOf(schema), style: p.style as string | undefined, explode: p.explode as boolean | undefined };
    placements.push(placementOf(shape));
  }
  if (byKey.size > 0 && placements.length === 0 && own.length > 0) report(`${pointer}/parameters`, 'warning', 'no parameter of this operation could be imported');
  return placements;
}

function kindOf(schema: DataSchema): ParameterShape['kind'] {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('array') ? 'array' : types.includes('object') ? 'object' : 'scalar';
}

function firstContentSchema(content: unknown): unknown {
  const first = Object.values(objectOf(content) ?? {})[0];
  return objectOf(first)?.schema;
}

/** The path with `{name}` templated, and the exploded query parameters as a suffix built at request time. */
function pathOf(path: string, placements: Placement[]): string {
  const templates = new Map(placements.flatMap((p) => (p.in === 'path' ? [[p.name, p.template] as const] : [])));
  const templated = path.replace(/\{([^}]+)\}/g, (whole, name: string) => templates.get(name) ?? whole);
  const fragments = placements.flatMap((p) => (p.in === 'query-suffix' ? [p.fragment] : []));
  if (fragments.length === 0) return templated;
  return `${templated}{%- capture q -%}${fragments.join('')}{%- endcapture -%}{%- if q != "" -%}?{{ q | remove_first: "&" }}{%- endif -%}`;
}

function headersOf(placements: Placement[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const p of placements) if (p.in === 'header') headers[p.name] = p.template;
  const cookies = placements.flatMap((p) => (p.in === 'cookie' ? [p.fragment] : []));
  if (cookies.length > 0) headers.Cookie = `{%- capture c -%}${cookies.join('')}{%- endcapture -%}{{ c | remove_first: "; " }}`;
  return headers;
}

const BODY_TYPES: [RegExp, NonNullable<Action['body_format']>][] = [
  [/^application\/(?:[\w.-]+\+)?json\b/i, 'json'],
  [/^application\/x-www-form-urlencoded\b/i, 'form'],
  [/^multipart\/form-data\b/i, 'multipart'],
];

/** The request body: the first JSON, form or multipart media type, else the first one as raw content. */
function bodyOf(value: unknown, input: { properties: Record<string, DataSchema>; required: string[] }, action: Action, headers: Record<string, string>, pointer: string, report: Reporter): void {
  const body = objectOf(value);
  const content = Object.entries(objectOf(body?.content) ?? {});
  if (!body || content.length === 0) return;
  const picked = BODY_TYPES.flatMap(([pattern, format]) => content.filter(([type]) => pattern.test(type)).map(([type, media]) => ({ type, media, format })))[0];
  const [type, media] = picked ? [picked.type, picked.media] : (content[0] as [string, unknown]);
  const format = picked?.format ?? 'raw';
  const schema = dataSchemaOf(objectOf(media)?.schema, INPUT);
  const fields = format !== 'raw' && schema.properties && !Object.keys(schema.properties).some((name) => Object.hasOwn(input.properties, name)) ? schema.properties : undefined;
  if (format !== 'json') action.body_format = format;
  if (format === 'raw') {
    headers['Content-Type'] = type;
    input.properties.body = type.startsWith('text/') ? { type: 'string' } : { 'x-binary': true };
  } else if (!fields) {
    if (schema.properties) report(pointer, 'warning', 'the body\'s fields share names with parameters: the whole body is one input field, "body"');
    input.properties.body = schema;
  }
  if (!fields) {
    // A body that is just `{{ input.body }}` sends the value as given (the type says object: any JSON value is allowed).
    action.body = '{{ input.body }}' as unknown as Action['body'];
    if (body.required === true) input.required.push('body');
    return;
  }
  Object.assign(input.properties, fields);
  input.required.push(...(schema.required ?? []));
  if (format === 'json') action.body_template = jsonBodyTemplate(Object.keys(fields));
  else action.body = Object.fromEntries(Object.keys(fields).map((name) => [name, `{{ ${inputRef(name)} }}`]));
}

/** A JSON object of the fields given: an absent (null) field is left out, so the API sees what the caller sent. */
function jsonBodyTemplate(names: string[]): string {
  const members = names.map((name) => `{%- if ${inputRef(name)} != nil -%},${JSON.stringify(name)}:{{ ${inputRef(name)} | json }}{%- endif -%}`);
  return `{%- capture b -%}${members.join('')}{%- endcapture -%}{ {{- b | remove_first: "," -}} }`;
}

/** output_schema and response_format from the first 2xx response; pagination where it is unambiguous. */
function responseOf(value: unknown, action: Action, query: Record<string, string>): void {
  const responses = objectOf(value) ?? {};
  const success = Object.keys(responses).filter((status) => /^2(?:\d\d|XX)$/i.test(status)).sort()[0];
  const response = success === undefined ? undefined : objectOf(responses[success]);
  if (!response) return;
  const content = Object.entries(objectOf(response.content) ?? {});
  const json = content.find(([type]) => BODY_TYPES[0]?.[0].test(type));
  if (json) {
    const schema = objectOf(objectOf(json[1])?.schema);
    if (schema) action.output_schema = dataSchemaOf(schema, OUTPUT);
  } else if (content.length > 0) {
    action.response_format = (content[0] as [string, unknown])[0].startsWith('text/') ? 'text' : 'binary';
  }
  const pagination = paginationOf(response, action.output_schema, query);
  if (pagination) action.pagination = pagination;
}

const CURSOR_FIELDS = /^(?:next|next_?cursor|next_?page_?token|next_?token)$/i;
const CURSOR_PARAMS = /^(?:cursor|page_?token|next|next_?token|starting_?after|after)$/i;

function paginationOf(response: Record<string, unknown>, output: DataSchema | undefined, query: Record<string, string>): Action['pagination'] {
  if (Object.keys(objectOf(response.headers) ?? {}).some((name) => name.toLowerCase() === 'link')) return { type: 'link_header' };
  const fields = Object.keys(output?.properties ?? {}).filter((name) => CURSOR_FIELDS.test(name) && output?.properties?.[name]?.type === 'string');
  const params = Object.keys(query).filter((name) => CURSOR_PARAMS.test(name));
  if (fields.length !== 1 || params.length !== 1) return undefined;
  const arrays = Object.entries(output?.properties ?? {}).filter(([, schema]) => schema?.type === 'array');
  const cursorPath = `$[${JSON.stringify(fields[0])}]`;
  const results = arrays.length === 1 ? arrays[0]?.[0] : undefined;
  return { type: 'cursor', cursor_path: cursorPath, param: params[0] as string, ...(results !== undefined && { results_path: `$[${JSON.stringify(results)}]` }) };
}
