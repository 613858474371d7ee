/**
 * The rules a JSON Schema cannot express: template variables in scope (template-fields.ts),
 * JSONPaths without scripts, Locoia's refresh section complete, action paths and bodies that
 * make sense together (also with credentials placed in the body), required names that are declared. Runs after the schema, on whatever
 * shape the manifest has: every value is checked before it is trusted.
 */
import { checkJsonPath } from '../extract/json-path.js';
import { connectorSchema, describeProperty, type Schema } from './connector-schema.js';
import { suggest } from './did-you-mean.js';
import { error, warning, type Finding } from './finding.js';
import { isRecord } from './json-value.js';
import { escapePointerToken } from '../json-pointer.js';
import { show } from './message-text.js';
import type { SchemaCheck } from './schema-validator.js';
import { checkTemplateFields } from './template-fields.js';
import { credentialSchemas } from './template-scope.js';
import { checkScenarios } from './scenario-rules.js';
import { checkPatterns } from './pattern-safety.js';
import { checkChainRules } from './chain-rules.js';
import { checkRateLimit } from './rate-limit-rules.js';
import { checkHostPatterns } from './host-pattern-rules.js';
import { checkRotation } from './rotation-rules.js';

const TOKEN_SOURCES = ['response_access_token_path', 'response_access_token_path_in_header', 'response_access_token_path_in_cookie'];

/** Appends to `out` what the rules find in `value`, using what the schema check collected. */
export function checkRules(value: unknown, { templates, jsonPaths }: Pick<SchemaCheck, 'templates' | 'jsonPaths'>, out: Finding[]): void {
  if (!isRecord(value)) return;
  checkTemplateFields(value, templates, out);
  for (const { pointer, value: path } of jsonPaths) {
    const problem = typeof path === 'string' ? checkJsonPath(path) : undefined;
    if (problem) out.push(error(pointer, problem, 'write a plain path such as $.data.items or data.token'));
  }
  checkAuth(isRecord(value.auth) ? value.auth : {}, out);
  checkChainRules(isRecord(value.auth) ? value.auth : {}, out);
  checkRotation(isRecord(value.auth) ? value.auth : {}, out);
  const actions = isRecord(value.actions) ? value.actions : {};
  for (const [id, action] of Object.entries(actions)) if (isRecord(action)) checkAction(id, action, out);
  checkBodyPlacement(isRecord(value.auth) ? value.auth : {}, actions, out);
  checkScenarios(value, out);
  checkRateLimit(value, out);
  checkHostPatterns(value, out);
  for (const [pointer, credentials] of credentialSchemas(value)) {
    checkRequiredNames(pointer, credentials, out);
    checkPatterns(pointer, credentials, out);
  }
}

/** A token answer's extra of the same name would replace a callback value that was checked against its host patterns. */
function checkCallbackNames(auth: Schema, out: Finding[]): void {
  if (!isRecord(auth.callback_values) || !isRecord(auth.extras)) return;
  for (const name of Object.keys(auth.callback_values)) {
    if (!Object.hasOwn(auth.extras, name)) continue;
    out.push(error(`/auth/extras/${escapePointerToken(name)}`, `"${name}" is both a callback value and a token-answer extra: the token answer would replace the checked callback value`, 'give the extra another name', 'key'));
  }
}

function checkAuth(auth: Schema, out: Finding[]): void {
  if (auth.type === 'oauth2_password') {
    out.push(warning('/auth/type', 'the oauth2_password grant is discouraged by RFC 9700 §2.4 (it still works)', 'prefer oauth2_authorization_code, or oauth2_client_credentials for machine access, when the API offers them'));
  }
  if (auth.allow_insecure_http === true) {
    // The opt-in ships with the manifest to every host: say so loudly wherever it is validated.
    out.push(warning('/auth/allow_insecure_http', 'allow_insecure_http sends client secrets, codes and tokens to plain-http token endpoints', 'keep it for local test servers; for those, prefer the host\'s connect({ allowInsecureHttp: true }) or --allow-insecure-http and leave the manifest without it'));
  }
  if (auth.type === 'oauth2_authorization_code') checkCallbackNames(auth, out);
  if (auth.type !== 'refreshable_token') return;
  if (!TOKEN_SOURCES.some((f) => isSet(auth[f]))) {
    out.push(error('/auth', 'refreshable_token needs response_access_token_path, response_access_token_path_in_header or response_access_token_path_in_cookie', 'say where the authorization response carries the access token: a JSONPath into the body, a header name or a cookie name', 'key'));
  }
  if (!isSet(auth.refresh_request_url)) return;
  // Locoia's rule: a separate refresh endpoint comes with its whole request and the refresh token's path.
  const refreshable = connectorSchema.$defs.auth_refreshable_token ?? {};
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
  if (isRecord(action.input)) checkPatterns(`${base}/input`, action.input, out);
}

/** The manifest field that puts the credential in action bodies, when one does. */
function bodyPlacement(auth: Schema): string | undefined {
  if (auth.type === 'api_key' && auth.in === 'body') return '/auth/in';
  const body = isRecord(auth.apply) ? auth.apply.body : undefined;
  return isRecord(body) && Object.keys(body).length > 0 ? '/auth/apply/body' : undefined;
}

/**
 * Actions that cannot carry credential fields in their body: the auth stage would refuse each of
 * their requests (runtime/apply-auth.ts), so say it before anything runs. A body_template is only
 * known when it renders; that case stays a ConfigurationError at request time.
 */
function checkBodyPlacement(auth: Schema, actions: Schema, out: Finding[]): void {
  const field = bodyPlacement(auth);
  if (field === undefined) return;
  const hint = `set "apply_auth": false on this action, or place the credential in a header or the query instead of ${field}`;
  for (const [id, action] of Object.entries(actions)) {
    if (!isRecord(action) || action.apply_auth === false) continue;
    const base = `/actions/${escapePointerToken(id)}`;
    if (action.method === 'GET' || action.method === 'HEAD') {
      out.push(error(`${base}/method`, `a ${action.method} action carries no body, but ${field} puts the credential in the body`, hint));
    } else if (action.body_format === 'raw') {
      out.push(error(`${base}/body_format`, `a raw body takes no fields, but ${field} puts the credential in the body`, hint));
    } else if (action.body !== undefined && !mayRenderObject(action.body)) {
      out.push(error(`${base}/body`, `the body is not a JSON object, so ${field} cannot add the credential to it`, hint));
    }
  }
}

/** An object, or a template string (`{{ input.payload }}` keeps the JSON type of what it renders). */
function mayRenderObject(body: unknown): boolean {
  return isRecord(body) || (typeof body === 'string' && body.includes('{{'));
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

/** Locoia writes absent fields as null. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}
