/**
 * The token request every token-based auth type shares: render it, send it (never following
 * a redirect, with the shared headers and no stale token), then take the access token from the
 * body, a header or a Set-Cookie, with its refresh token, extras and expiry.
 * Sending and parsing are apart so each can be tested alone.
 */
import { inSpan } from '../http/tracing.js';
import { assignHeaders } from '../http/headers.js';
import { ConfigurationError, CredentialsRefusedError, HttpError, TokenResponseError, type ConnectorError } from '../errors.js';
import type { CompiledTemplate, TemplateScope } from '../template/liquid.js';
import { compileTemplateMap, type TemplateMap } from '../template/template-map.js';
import { compileJsonPath, type CompiledJsonPath } from '../extract/json-path.js';
import { parseSetCookies, type ParsedCookie } from '../extract/cookie.js';
import { parseJsonSafely } from '../extract/json-body.js';
import type { HttpResponse } from '../http/http-client.js';
import type { AuthContext } from './auth-context.js';
import type { ExpiryPolicy } from './expiry.js';

export interface TokenRequestSpec {
  readonly method: string;
  readonly url: CompiledTemplate;
  readonly headers: TemplateMap;
  /** Renders the body; undefined for none. */
  readonly body?: (scope: TemplateScope) => string | undefined;
  /** Content-Type used when the headers name none and there is a body. */
  readonly contentType?: string;
  /** Where in the manifest this request is declared, for messages. */
  readonly pointer: string;
  /** Where its body template is declared: a refused request names it (the usual culprit). */
  readonly bodyPointer?: string;
}

export type AccessTokenSource =
  | { readonly from: 'body'; readonly path: CompiledJsonPath }
  | { readonly from: 'header'; readonly name: string }
  | { readonly from: 'cookie'; readonly match: string };

export interface TokenResponseSpec {
  readonly accessToken: AccessTokenSource;
  readonly refreshTokenPath?: CompiledJsonPath;
  readonly extras: readonly (readonly [string, CompiledJsonPath])[];
  readonly expiry: ExpiryPolicy;
  /** RFC 6749 §5.1: token_type must be present; Locoia-style endpoints need not send it. */
  readonly requireTokenType?: boolean;
  /** Manifest pointers of the fields that say where the tokens are, named when a token is not found there. */
  readonly pointers?: { readonly accessToken?: string; readonly refreshToken?: string };
  /** Statuses of an answer without an OAuth error code that mean the credentials were refused (default 401, 403). */
  readonly refusalStatuses?: readonly number[];
  /** Provider-specific OAuth error codes that mean the grant was refused, besides RFC 6749's (Zoho's invalid_code). */
  readonly refusalErrors?: readonly string[];
}

export interface TokenResult {
  accessToken: string;
  /** undefined: the response had none (keep the old one). */
  refreshToken?: string;
  tokenType?: string;
  expiresAt?: number;
  obtainedAt: number;
  extras: Record<string, unknown>;
  /** Every cookie the token endpoint set, for the connection's jar. */
  cookies: ParsedCookie[];
  url: URL;
  /**
   * When the token took several requests (a token chain, to several origins): each answer's
   * cookies with the URL that set them, stored in order, each for its own URL. Absent: `cookies`
   * for `url`.
   */
  cookieSets?: readonly { readonly cookies: ParsedCookie[]; readonly url: URL }[];
}

export interface TokenRequestExtras {
  /** Headers computed in code (client authentication), added after the templates. */
  headers?: Record<string, string>;
  /**
   * The Cookie header for the rendered URL, when the request belongs to a run of requests whose
   * earlier answers set cookies (a token chain); a Cookie header the templates wrote wins.
   */
  cookieHeader?: (url: URL) => string | undefined;
}

/** A token request as it went out and the answer it got, before the answer is judged. */
export interface SentTokenRequest {
  answer: HttpResponse;
  /** When it was sent: lifetimes count from here. */
  sentAt: number;
  /** It went without a body although its method takes one (a template that rendered empty). */
  bodiless: boolean;
}

export function compileHeaderTemplates(
  headers: Record<string, string | undefined> | string | null | undefined,
  pointer: string,
): TemplateMap {
  // Locoia stores token request headers as a JSON text; the validator checked it parses.
  return compileTemplateMap(typeof headers === 'string' ? (JSON.parse(headers) as Record<string, string>) : headers, pointer);
}

export function compileResponseSpec(options: {
  bodyPath?: string | null;
  header?: string | null;
  cookie?: string | null;
  refreshTokenPath?: string | null;
  extras?: Record<string, string | undefined>;
  expiry: ExpiryPolicy;
  requireTokenType?: boolean;
  pointers?: { accessToken?: string; refreshToken?: string };
  refusalStatuses?: readonly number[] | null;
  refusalErrors?: readonly string[];
}): TokenResponseSpec {
  const accessToken: AccessTokenSource = options.header
    ? { from: 'header', name: options.header.toLowerCase() }
    : options.cookie
      ? { from: 'cookie', match: options.cookie }
      : { from: 'body', path: compileJsonPath(options.bodyPath ?? '$.access_token') };
  return {
    accessToken,
    refreshTokenPath: options.refreshTokenPath ? compileJsonPath(options.refreshTokenPath) : undefined,
    extras: Object.entries(options.extras ?? {})
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, path]) => [name, compileJsonPath(path)] as const),
    expiry: options.expiry,
    requireTokenType: options.requireTokenType,
    pointers: options.pointers,
    refusalStatuses: options.refusalStatuses ?? undefined,
    refusalErrors: options.refusalErrors,
  };
}

export async function requestToken(
  ctx: AuthContext,
  request: TokenRequestSpec,
  response: TokenResponseSpec,
  scope: TemplateScope,
  extras: TokenRequestExtras = {},
): Promise<TokenResult> {
  const { answer, sentAt, bodiless } = await sendTokenRequest(ctx, request, scope, extras);
  return parseTokenResponse(ctx, request, response, answer, sentAt, bodiless);
}

/**
 * Renders and sends a token request: the shared headers first, then its own, never following a
 * redirect. The answer is not judged here (failureOf, parseTokenResponse).
 */
export async function sendTokenRequest(
  ctx: AuthContext,
  request: TokenRequestSpec,
  scope: TemplateScope,
  extras: TokenRequestExtras = {},
): Promise<SentTokenRequest> {
  const url = new URL(request.url.render(scope));
  const headers: Record<string, string> = Object.assign({}, ctx.sharedHeaders);
  for (const [name, template] of request.headers) {
    const value = template.render(scope);
    if (value !== '') assignHeaders(headers, { [name]: value });
  }
  assignHeaders(headers, extras.headers);
  const cookie = hasHeader(headers, 'cookie') ? undefined : extras.cookieHeader?.(url);
  if (cookie !== undefined) headers.cookie = cookie;
  const body = request.method === 'GET' ? undefined : request.body?.(scope);
  if (body !== undefined && body !== '' && request.contentType && !hasHeader(headers, 'content-type')) {
    headers['content-type'] = request.contentType;
  }
  for (const value of Object.values(headers)) ctx.redactor.add(authorizationSecret(value));
  const sentAt = ctx.now();
  const send = () =>
    ctx.http.send({
      method: request.method,
      url,
      headers,
      body: body === '' ? undefined : body,
      maxRedirects: 0,
      responseType: 'buffer',
      timeouts: ctx.timeouts,
      maxResponseBytes: ctx.maxResponseBytes,
      propagateTrace: ctx.propagateTraceContext,
    });
  // The manifest field names which token request it is: the authorization, the refresh, a chain step.
  const answer = await inSpan('connector.token_request', 'internal', { 'connector.manifest_field': request.pointer }, send);
  return { answer, sentAt, bodiless: request.method !== 'GET' && (body === undefined || body === '') };
}

/** A form body of a JSON object's fields: null and undefined left out, objects and arrays as JSON text. */
export function formBody(value: unknown): string {
  const params = new URLSearchParams();
  for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    if (item !== null && item !== undefined) params.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  return params.toString();
}

export function parseTokenResponse(
  ctx: AuthContext,
  request: TokenRequestSpec,
  spec: TokenResponseSpec,
  answer: HttpResponse,
  sentAt: number,
  /** The request went without a body. */
  bodiless = false,
): TokenResult {
  const where = `the token endpoint (${request.pointer})`;
  const text = Buffer.isBuffer(answer.body) ? answer.body.toString('utf8') : '';
  const json = parseJsonSafely(text);
  const failure = failureOf(ctx, request, spec, answer, json, bodiless);
  if (failure) throw failure;
  const cookies = parseSetCookies(answer.setCookies);
  const { token, cookieExpiresAt } = takeAccessToken(spec.accessToken, answer, json, cookies, where, ctx.now(), checkField(spec.pointers?.accessToken));
  ctx.redactor.add(token);
  const tokenType = json !== undefined ? stringAt(json, 'token_type') : undefined;
  if (spec.requireTokenType && tokenType === undefined) {
    throw new TokenResponseError(`${where} sent no "token_type" (RFC 6749 §5.1 requires it)`, { status: answer.status });
  }
  let refreshToken: string | undefined;
  if (spec.refreshTokenPath && json !== undefined) {
    const value = spec.refreshTokenPath.first(json);
    // A missing, null or empty refresh token means "keep the one you have" (RFC 6749 §6).
    if (typeof value === 'string' && value !== '') refreshToken = value;
    else if (value !== undefined && value !== null && value !== '') {
      throw new TokenResponseError(`${where}: the refresh token at ${spec.refreshTokenPath.normalized} is not a string${checkField(spec.pointers?.refreshToken)}`);
    }
  }
  ctx.redactor.add(refreshToken);
  for (const cookie of cookies) ctx.redactor.add(cookie.value);
  const expiry = spec.expiry.expiresAt({ body: json, accessToken: token, cookieExpiresAt, sentAt });
  if (expiry.warning) ctx.emit({ type: 'token.expiry_warning', reason: `${where}: ${expiry.warning}` });
  const extras: Record<string, unknown> = {};
  for (const [name, path] of spec.extras) {
    const value = json === undefined ? undefined : path.first(json);
    if (value !== undefined) extras[name] = value;
  }
  return {
    accessToken: token,
    refreshToken,
    tokenType,
    expiresAt: expiry.expiresAt,
    obtainedAt: sentAt,
    extras,
    cookies,
    url: answer.url,
  };
}

function takeAccessToken(
  source: AccessTokenSource,
  answer: HttpResponse,
  json: unknown,
  cookies: ParsedCookie[],
  where: string,
  receivedAt: number,
  /** "; check /auth/…" naming the manifest field, or "". */
  check: string,
): { token: string; cookieExpiresAt?: number } {
  switch (source.from) {
    case 'body': {
      if (json === undefined) {
        throw new TokenResponseError(`${where} did not answer JSON, so there is no access token at ${source.path.normalized}${check}`, {
          status: answer.status,
        });
      }
      const value = source.path.first(json);
      if (typeof value !== 'string' || value === '') {
        const found = value === undefined ? 'nothing' : `a ${value === null ? 'null' : typeof value}`;
        throw new TokenResponseError(
          `${where}: expected the access token at ${source.path.normalized}, found ${found}${keysHint(json)}${check}`,
          { status: answer.status },
        );
      }
      return { token: value };
    }
    case 'header': {
      const value = answer.headers[source.name];
      const token = Array.isArray(value) ? value[0] : value;
      if (!token) throw new TokenResponseError(`${where}: no "${source.name}" header holds the access token${check}`, { status: answer.status });
      return { token };
    }
    case 'cookie': {
      const cookie =
        cookies.find((candidate) => candidate.name.includes(source.match)) ??
        cookies.find((candidate) => candidate.raw.includes(source.match));
      if (!cookie || cookie.value === '') {
        const names = cookies.map((candidate) => candidate.name).join(', ') || 'none';
        throw new TokenResponseError(
          `${where}: no Set-Cookie matches "${source.match}" (cookies set: ${names})${check}`,
          { status: answer.status },
        );
      }
      const expiresAt =
        cookie.maxAge !== undefined ? receivedAt + cookie.maxAge * 1000 : cookie.expires;
      return { token: cookie.value, cookieExpiresAt: expiresAt };
    }
    default: {
      const unknownSource: never = source;
      throw new TypeError(`unknown token source ${String(unknownSource)}`);
    }
  }
}

function oauthError(json: unknown): { error: string; description?: string } | undefined {
  const error = stringAt(json, 'error');
  if (error === undefined) return undefined;
  return { error, description: stringAt(json, 'error_description') };
}

function hasToken(json: unknown, spec: Pick<TokenResponseSpec, 'accessToken'>): boolean {
  return spec.accessToken.from !== 'body' || typeof spec.accessToken.path.first(json) === 'string';
}

/** RFC 6749 §5.2 codes that refuse the grant or the client: the user (or the app's owner) must act. */
const REFUSED_GRANT = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'access_denied']);
/** RFC 6749 §5.2 codes that say the request itself is wrong: the manifest must change. */
const MALFORMED_REQUEST = new Set(['invalid_request', 'unsupported_grant_type', 'invalid_scope', 'unsupported_response_type', 'invalid_target']);
/** RFC 6749 §4.1.2.1 codes for a server that cannot answer now. */
const SERVER_TROUBLE = new Set(['server_error', 'temporarily_unavailable']);
const DEFAULT_REFUSAL_STATUSES: readonly number[] = [401, 403];

const HINTS: Record<string, string> = {
  invalid_grant: 'The grant (credentials or refresh token) is no longer valid: re-authorize the connection.',
  invalid_client: 'The client id or secret is wrong, or the client may not use this grant: check the app credentials.',
  unauthorized_client: 'This client may not use this grant type: check the app registration.',
  access_denied: 'The provider denied access to these credentials.',
  invalid_scope: 'A requested scope is unknown or not allowed: check the manifest scope.',
  unsupported_grant_type: 'The server does not support this grant: check the auth type and token URL.',
};

/**
 * What a token endpoint's failed answer means, which decides the connection's fate: a refusal of
 * the credentials (the only class that asks for re-authorization), a transient failure (5xx, 429),
 * or a configuration error naming the manifest field to fix (a redirect, 404, 405, a malformed
 * request, any other 4xx). undefined when the answer is not a failure. Every request that obtains
 * a token is judged here, a token chain's steps too (`spec.accessToken` only says what a 2xx
 * answer carrying an OAuth `error` must hold to count as a success).
 */
export function failureOf(
  ctx: AuthContext,
  request: TokenRequestSpec,
  spec: Pick<TokenResponseSpec, 'accessToken' | 'refusalStatuses' | 'refusalErrors'>,
  answer: HttpResponse,
  json: unknown,
  bodiless: boolean,
): ConnectorError | undefined {
  const { status } = answer;
  const where = `the token endpoint (${request.pointer})`;
  if (status >= 300 && status < 400) {
    return new ConfigurationError(
      request.pointer,
      `${where} answered ${status} (a redirect); token requests never follow redirects, so the credentials stay where they were sent. Point ${request.pointer} at the final endpoint.`,
      { status },
    );
  }
  if (status >= 500 || status === 429) {
    return new HttpError(status, request.method, redactedLocation(ctx, answer.url), ctx.redactor.redactValue(json));
  }
  const oauth = oauthError(json);
  if (status < 400 && !(oauth && !hasToken(json, spec))) return undefined;
  if (oauth && SERVER_TROUBLE.has(oauth.error)) {
    return new TokenResponseError(`${where} answered ${oauth.error} (status ${status}): the server is in trouble, not the credentials; it is tried again later`, { status });
  }
  const detail = oauth ? `${oauth.error}${oauth.description ? `: ${ctx.redactor.redact(oauth.description)}` : ''}` : `status ${status}`;
  const refusedStatus = (spec.refusalStatuses ?? DEFAULT_REFUSAL_STATUSES).includes(status);
  const refusedGrant = (error: string) => REFUSED_GRANT.has(error) || spec.refusalErrors?.includes(error) === true;
  if (oauth ? refusedGrant(oauth.error) || (refusedStatus && !MALFORMED_REQUEST.has(oauth.error)) : refusedStatus) {
    const hint = (oauth && HINTS[oauth.error]) ?? 'Check the credentials the connection was given.';
    return new CredentialsRefusedError(`${where} refused the credentials (${detail}). ${hint}`, { status, oauthError: oauth?.error });
  }
  if (status === 404 || status === 405 || status === 410) {
    return new ConfigurationError(request.pointer, `${where} answered ${status}: there is no token endpoint at that URL (method ${request.method}); check ${request.pointer}.`, { status });
  }
  const field = request.bodyPointer ?? request.pointer;
  const hint = bodiless
    ? `The token request went without a body: check ${field} (it renders empty).`
    : ((oauth && HINTS[oauth.error]) ?? `The token request is malformed: check ${field} and the headers.`);
  return new ConfigurationError(field, `${where} rejected the request (${detail}); this is not a refusal of the credentials. ${hint}`, { status });
}

/** "; check /auth/…" when the manifest field is known. */
function checkField(pointer: string | undefined): string {
  return pointer === undefined ? '' : `; check ${pointer}`;
}

function stringAt(json: unknown, key: string): string | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !Object.hasOwn(json, key)) return undefined;
  const value = (json as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** " (top-level keys: a, b)" of a JSON object answer, for a message saying a value was not where expected. */
export function keysHint(json: unknown): string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return '';
  const keys = Object.keys(json).slice(0, 10);
  return keys.length ? ` (top-level keys: ${keys.join(', ')})` : '';
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** `Basic abc`, `Bearer abc`: the credential part is what must never be printed. */
function authorizationSecret(value: string): string | undefined {
  const match = /^(?:basic|bearer|token)\s+(.+)$/i.exec(value);
  return match?.[1];
}

function redactedLocation(ctx: AuthContext, url: URL): string {
  return ctx.redactor.redact(`${url.origin}${url.pathname}`);
}
