/**
 * A dereferenced Swagger 2.0 document in the OpenAPI 3 shape the importer reads: host, basePath
 * and schemes as a server; securityDefinitions as securitySchemes (basic as http basic, the
 * oauth2 flows renamed); body and formData parameters as a requestBody (consumes, or JSON / a form
 * / multipart when a file is sent); the other parameters' type as a schema and collectionFormat as
 * style and explode; response schemas as content of the first produces type. @readme/openapi-parser
 * validates and dereferences Swagger 2.0 but does not convert it; no maintained converter is a
 * dependency of this package (swagger2openapi would be the one to take).
 */
import { objectOf, pointerTo } from './import-context.js';
import type { Reporter } from './openapi-operation.js';

const FLOWS: Record<string, string> = { implicit: 'implicit', password: 'password', application: 'clientCredentials', accessCode: 'authorizationCode' };
const COLLECTION: Record<string, { style?: string; explode: boolean }> = {
  csv: { explode: false },
  multi: { style: 'form', explode: true },
  ssv: { style: 'spaceDelimited', explode: false },
  pipes: { style: 'pipeDelimited', explode: false },
  tsv: { explode: false },
};

/**
 * The OpenAPI 3 form of a Swagger 2.0 document (dereferenced: no $ref left to follow).
 *
 * @example
 * fromSwagger2({ swagger: '2.0', host: 'petstore.swagger.io', basePath: '/v2', schemes: ['https'], paths: {} }).servers;
 * // [{ url: 'https://petstore.swagger.io/v2' }]
 */
export function fromSwagger2(document: Record<string, unknown>, report: Reporter = () => {}): Record<string, unknown> {
  const scheme = Array.isArray(document.schemes) && document.schemes.includes('https') ? 'https' : (Array.isArray(document.schemes) ? String(document.schemes[0]) : 'https');
  const base = typeof document.basePath === 'string' ? document.basePath.replace(/\/+$/, '') : '';
  const url = typeof document.host === 'string' ? `${scheme}://${document.host}${base}` : base || '/';
  const consumes = stringsOf(document.consumes);
  const produces = stringsOf(document.produces);
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(objectOf(document.paths) ?? {})) {
    const converted: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(objectOf(item) ?? {})) {
      const operation = objectOf(value);
      if (key === 'parameters') converted.parameters = (Array.isArray(value) ? value : []).map(parameterOf).filter(Boolean);
      else if (operation) converted[key] = operationOf(operation, { consumes, produces }, pointerTo('/paths', path, key), report);
    }
    paths[path] = converted;
  }
  const schemes = Object.fromEntries(Object.entries(objectOf(document.securityDefinitions) ?? {}).map(([name, definition]) => [name, securitySchemeOf(objectOf(definition) ?? {})]));
  return { ...document, openapi: '3.0.3', servers: [{ url }], paths, components: { securitySchemes: schemes } };
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function operationOf(operation: Record<string, unknown>, defaults: { consumes: string[]; produces: string[] }, pointer: string, report: Reporter): Record<string, unknown> {
  const all = (Array.isArray(operation.parameters) ? operation.parameters : []).map((p) => objectOf(p) ?? {});
  const types = stringsOf(operation.consumes).length > 0 ? stringsOf(operation.consumes) : defaults.consumes;
  const converted: Record<string, unknown> = { ...operation, parameters: all.map(parameterOf).filter(Boolean) };
  const body = all.find((p) => p.in === 'body');
  const form = all.filter((p) => p.in === 'formData');
  if (body && types.length === 0) {
    // Swagger 2.0 gives no default; a validator may read it as "no body accepted" (Prism does).
    report(pointerTo(pointer, 'parameters', all.indexOf(body)), 'warning', 'the body parameter has no consumes (the operation\'s or the document\'s): it is sent as application/json');
  }
  if (body) converted.requestBody = { required: body.required === true, content: { [types.find((t) => /json/i.test(t)) ?? types[0] ?? 'application/json']: { schema: body.schema } } };
  else if (form.length > 0) converted.requestBody = { content: { [formType(form, types)]: { schema: formSchema(form) } } };
  converted.responses = responsesOf(operation, stringsOf(operation.produces).length > 0 ? stringsOf(operation.produces) : defaults.produces);
  return converted;
}

/** Each response's schema as content of the first JSON produces type (else the first, else JSON); headers' types as schemas. */
function responsesOf(operation: Record<string, unknown>, produces: string[]): Record<string, unknown> {
  const type = produces.find((t) => /json/i.test(t)) ?? produces[0] ?? 'application/json';
  const responses: Record<string, unknown> = {};
  for (const [status, value] of Object.entries(objectOf(operation.responses) ?? {})) {
    const response = objectOf(value) ?? {};
    const headers = Object.fromEntries(Object.entries(objectOf(response.headers) ?? {}).map(([name, header]) => [name, { schema: header }]));
    responses[status] = { description: response.description, headers, ...(response.schema !== undefined && { content: { [type]: { schema: response.schema } } }) };
  }
  return responses;
}

function formType(form: Record<string, unknown>[], types: string[]): string {
  if (form.some((p) => p.type === 'file') || types.includes('multipart/form-data')) return 'multipart/form-data';
  return 'application/x-www-form-urlencoded';
}

function formSchema(form: Record<string, unknown>[]): Record<string, unknown> {
  const properties = Object.fromEntries(form.map((p) => [p.name, p.type === 'file' ? { type: 'string', format: 'binary', description: p.description } : schemaOf(p)]));
  const required = form.filter((p) => p.required === true).map((p) => p.name);
  return { type: 'object', properties, ...(required.length > 0 && { required }) };
}

/** A path, query or header parameter; body and formData ones are the request body. */
function parameterOf(value: unknown): Record<string, unknown> | undefined {
  const p = objectOf(value);
  if (!p || p.in === 'body' || p.in === 'formData') return undefined;
  const collection = typeof p.collectionFormat === 'string' ? COLLECTION[p.collectionFormat] : p.type === 'array' ? COLLECTION.csv : undefined;
  return { name: p.name, in: p.in, required: p.required, description: p.description, schema: schemaOf(p), ...collection };
}

function schemaOf(p: Record<string, unknown>): Record<string, unknown> {
  const keys = ['type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'description'];
  return Object.fromEntries(keys.filter((key) => p[key] !== undefined).map((key) => [key, p[key]]));
}

function securitySchemeOf(definition: Record<string, unknown>): Record<string, unknown> {
  if (definition.type === 'basic') return { type: 'http', scheme: 'basic', description: definition.description };
  if (definition.type !== 'oauth2') return definition;
  const flow = FLOWS[String(definition.flow)] ?? String(definition.flow);
  return { type: 'oauth2', flows: { [flow]: { authorizationUrl: definition.authorizationUrl, tokenUrl: definition.tokenUrl, scopes: definition.scopes ?? {} } } };
}
