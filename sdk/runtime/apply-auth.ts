/**
 * The auth stage: puts the connection's credentials on a built action request — the auth type's
 * placement (headers, query parameters, cookies, body fields) rendered over the call's scope, and
 * the cookie jar of the call's token record for the request's URL. Later stages (retry, redirects)
 * send the request as it leaves here; the redirect policy decides which of these credentials may
 * follow.
 */
import { ConfigurationError } from '../errors.js';
import type { Stage } from '../http/pipeline.js';
import { cookieHeaderFor } from '../store/cookie-jar.js';
import type { ApplyTarget, AuthStrategy, BodyField } from '../auth/auth-strategy.js';
import { withQuery } from './action.js';
import type { ActionRequest } from './action-request.js';

export function applyAuth(strategy: AuthStrategy, now: () => number): Stage<ActionRequest> {
  // One target per stage, emptied for each request: placing credentials is synchronous, and so
  // is everything below that reads the target, so no two requests ever share it.
  const target: ApplyTarget = { headers: {}, query: [], cookies: [], bodyFields: [] };
  return (next) => (request) => {
    const { action, scope, record } = request.call;
    // The headers object was built for this call alone (connection.ts): written in place.
    target.headers = request.headers;
    target.query.length = 0;
    target.cookies.length = 0;
    target.bodyFields.length = 0;
    if (action.applyAuth) strategy.apply(target, scope);
    const url = target.query.length === 0 ? request.url : new URL(withQuery(request.url.href, '', target.query));
    const jar = record !== undefined && record.cookies.length > 0 ? cookieHeaderFor(record.cookies, url, now()) : undefined;
    if (jar !== undefined || target.cookies.length > 0) {
      request.headers.cookie = (jar === undefined ? target.cookies : [jar, ...target.cookies]).join('; ');
    }
    // Only an auth type that places body fields pays for reading the built body again.
    const sent = target.bodyFields.length === 0 ? request : withBodyFields(request, target.bodyFields);
    return next(url === request.url && sent === request ? request : { ...sent, url });
  };
}

const BODILESS_METHODS = new Set(['GET', 'HEAD']);
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The request with the credential's fields merged into its body by the action's body_format.
 * The content type stays as the action set it; a bodiless request gets one for the body it now has.
 */
function withBodyFields(request: ActionRequest, fields: readonly BodyField[]): ActionRequest {
  const { action } = request.call;
  if (BODILESS_METHODS.has(request.method)) throw refusal(request, fields, `it is a ${request.method} request, which carries no body`);
  const format = action.spec.body_format ?? 'json';
  const { body } = request;
  const empty = body === undefined || body === '';
  let merged: ActionRequest['body'];
  if (format === 'json' && (empty || typeof body === 'string')) merged = mergeJson(request, empty ? '{}' : (body as string), fields);
  else if (format === 'form' && (empty || typeof body === 'string')) merged = mergeForm(empty ? '' : (body as string), fields);
  else if (format === 'multipart' && body instanceof FormData) merged = mergeMultipart(body, fields);
  else throw refusal(request, fields, `its body_format is ${format}${empty ? ' and it has no body' : ''}, which takes no fields`);
  if (empty && !Object.keys(request.headers).some((name) => name.toLowerCase() === 'content-type')) {
    request.headers['content-type'] = format === 'form' ? FORM_TYPE : JSON_TYPE;
  }
  // The body now holds a credential whatever its values are: a redirect never re-sends it to another origin.
  return { ...request, body: merged, isSecretBody: () => true };
}

/**
 * The fields set on the JSON object, replacing members of the same name. Without such a member
 * they are spliced in before the closing brace, so the action's own text goes out as written
 * (a body_template's big integers would not survive a round trip through numbers).
 */
function mergeJson(request: ActionRequest, text: string, fields: readonly BodyField[]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refusal(request, fields, 'its body is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw refusal(request, fields, 'its body is not a JSON object');
  const object = parsed as Record<string, unknown>;
  if (fields.some(({ name }) => Object.hasOwn(object, name))) {
    // defineProperty: a field named __proto__ is a member like any other, never the prototype.
    for (const { name, value } of fields) Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(object);
  }
  const members = fields.map(({ name, value }) => `${JSON.stringify(name)}:${JSON.stringify(value)}`).join(',');
  const end = text.lastIndexOf('}');
  return `${text.slice(0, end)}${Object.keys(object).length === 0 ? '' : ','}${members}${text.slice(end)}`;
}

/** The fields appended to the form; pairs of the same name are dropped, the others kept byte for byte. */
function mergeForm(text: string, fields: readonly BodyField[]): string {
  const names = new Set<string | undefined>(fields.map(({ name }) => name));
  const kept = text === '' ? [] : text.split('&').filter((pair) => !names.has(formName(pair)));
  const added = new URLSearchParams(fields.map(({ name, value }): [string, string] => [name, value])).toString();
  return [...kept, added].join('&');
}

function formName(pair: string): string | undefined {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined; // not form-encoded: no field of ours can have that name
  }
}

/** The FormData was built for this call alone (action.ts), so it is completed in place. */
function mergeMultipart(form: FormData, fields: readonly BodyField[]): FormData {
  for (const { name, value } of fields) {
    form.delete(name);
    form.append(name, value);
  }
  return form;
}

/** Names the action and the manifest field, never the value. */
function refusal(request: ActionRequest, fields: readonly BodyField[], reason: string): ConfigurationError {
  const { field, name } = fields[0] as BodyField;
  return new ConfigurationError(
    field,
    `action "${request.call.action.id}" cannot carry the credential field "${name}" in its body (${field} puts it there): ${reason}. ` +
      'Send the action with a JSON, form or multipart body, set "apply_auth": false on it, or place the credential in a header or the query.',
  );
}
