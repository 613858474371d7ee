/**
 * The token request the standard OAuth 2.0 grants share (RFC 6749 §4, §6): client
 * authentication (§2.3.1), scope, extra parameters, form-encoded (or, for providers that take
 * nothing else, JSON), and the response fields (where the tokens are, whether token_type must be
 * sent). It also holds the rules oauth4webapi enforces that fit real providers: token and
 * revocation endpoints over https only (unless opted in for a local server), and a token_type
 * that matches the scheme the connection sends the token with.
 */
import type {
  ClientAuthentication,
  GrantTokenResponse,
  TokenExpiry,
  TokenPlacement,
  TokenRequestFormat,
} from '../manifest/types.gen.js';
import { show } from '../manifest/message-text.js';
import { compileOptionalTemplate, compileTemplate, type CompiledTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap, type TemplateMap } from '../template/template-map.js';
import { AuthError, RequestRefusedError, TokenResponseError } from '../errors.js';
import { parseJsonSafely } from '../extract/json-body.js';
import type { AuthContext } from './auth-context.js';
import type { AuthorizationCodeFlow, AuthStrategy, TokenSource } from './auth-strategy.js';
import type { TokenRecord } from '../store/token-store.js';
import { tokenStrategy, type TokenStrategyOptions } from './token-strategy.js';
import { assignHeaders } from '../http/headers.js';
import { compileClientAuthentication, type ClientAuthenticationSpec, type ClientAuthenticator } from './client-authentication.js';
import { authView } from './auth-view.js';
import { compileExpiryPolicy, type ExpiryPolicy } from './expiry.js';
import { compileResponseSpec, requestToken, type TokenResponseSpec, type TokenResult } from './token-request.js';

export interface OAuthGrantSpec extends ClientAuthenticationSpec {
  token_url: string;
  revocation_url?: string;
  token_request_format?: TokenRequestFormat;
  scope?: string;
  params?: Record<string, string | undefined>;
  token_response?: GrantTokenResponse;
  expiry?: TokenExpiry;
  extras?: Record<string, string | undefined>;
  /** Where the token goes on action requests: it decides which token_type is acceptable. */
  apply?: TokenPlacement;
  allow_insecure_http?: boolean;
}

export interface OAuthGrant {
  readonly expiry: ExpiryPolicy;
  /** Sends grant parameters (grant_type and its own fields) with client authentication; `withScope` adds the scope. */
  request(ctx: AuthContext, grant: Record<string, string>, options?: { withScope?: boolean; scope?: TemplateScope }): Promise<TokenResult>;
  /** Secrets derived from the credentials (the Basic client header), for the redactor. */
  derivedSecrets(scope: TemplateScope): string[];
  /** RFC 7009 revocation, when the manifest names a revocation endpoint. */
  revoke?: TokenSource['revoke'];
  /** The refresh_token grant (RFC 6749 §6) with the record's refresh token. */
  refresh(ctx: AuthContext, record: TokenRecord): Promise<TokenResult>;
  /** token_response.refresh_token_rotation, for the token manager (TokenSource.refreshTokenRotation). */
  readonly refreshTokenRotation?: boolean;
}

/** The AuthStrategy of a standard grant: its expiry, revocation and client secrets come from the grant. */
export function grantStrategy(
  type: AuthStrategy['type'],
  spec: TokenStrategyOptions['spec'],
  pointer: string,
  grant: OAuthGrant,
  tokens: Omit<TokenSource, 'expiry' | 'revoke'>,
  authorizationCode?: AuthorizationCodeFlow,
): AuthStrategy {
  return tokenStrategy({
    type,
    spec,
    pointer,
    derivedSecrets: grant.derivedSecrets,
    tokens: { ...tokens, expiry: grant.expiry, revoke: grant.revoke, refreshTokenRotation: grant.refreshTokenRotation },
    authorizationCode,
  });
}

export function compileOAuthGrant(spec: OAuthGrantSpec, pointer: string): OAuthGrant {
  const url = compileTemplate(spec.token_url, `${pointer}/token_url`);
  const scopeTemplate = compileOptionalTemplate(spec.scope, `${pointer}/scope`);
  const params: TemplateMap = compileTemplateMap(spec.params, `${pointer}/params`);
  const client = compileClientAuthentication(spec, pointer);
  const encoding = bodyEncoding(spec.token_request_format);
  const expiry = compileExpiryPolicy(spec.expiry);
  const response = compileGrantResponse(spec, pointer, expiry);
  const requireTls = compileTlsRule(spec.allow_insecure_http === true, pointer);
  const checkTokenType = compileTokenTypeCheck(spec, pointer);
  const revocationUrl = compileOptionalTemplate(spec.revocation_url, `${pointer}/revocation_url`);
  return {
    expiry,
    refreshTokenRotation: spec.token_response?.refresh_token_rotation,
    derivedSecrets: client.derivedSecrets,
    async request(ctx, grant, options = {}) {
      const scope = options.scope ?? ctx.scope;
      requireTls(ctx, url.render(scope), `${pointer}/token_url`);
      const form = new URLSearchParams(grant);
      if (options.withScope && scopeTemplate) {
        const value = scopeTemplate.render(scope);
        if (value !== '') form.set('scope', value);
      }
      for (const [name, template] of params) form.set(name, template.render(scope));
      const headers = await client.authenticate(form, scope, url.render(scope), ctx.now());
      const body = encoding.encode(form);
      const result = await requestToken(
        ctx,
        { method: 'POST', url, headers: [], body: () => body, contentType: encoding.contentType, pointer: `${pointer}/token_url` },
        response,
        scope,
        { headers },
      );
      checkTokenType(result.tokenType);
      return result;
    },
    refresh(ctx, record) {
      // The record's extras (an authorization callback's accounts server) may choose the token URL.
      return this.request(ctx, { grant_type: 'refresh_token', refresh_token: record.refreshToken ?? '' }, { scope: { ...ctx.scope, auth: authView(record) } });
    },
    revoke: revocationUrl ? compileRevocation(revocationUrl, pointer, { client, encoding, requireTls }) : undefined,
  };
}

/**
 * Where the answer keeps the tokens (token_response). token_type is not required here: the grant
 * checks it itself (compileTokenTypeCheck), so that a missing one names the manifest field.
 */
function compileGrantResponse(spec: OAuthGrantSpec, pointer: string, expiry: ExpiryPolicy): TokenResponseSpec {
  return compileResponseSpec({
    bodyPath: spec.token_response?.access_token_path ?? '$.access_token',
    refreshTokenPath: spec.token_response?.refresh_token_path ?? '$.refresh_token',
    extras: spec.extras,
    expiry,
    requireTokenType: false,
    refusalErrors: spec.token_response?.refusal_errors,
    pointers: { accessToken: `${pointer}/token_response/access_token_path`, refreshToken: `${pointer}/token_response/refresh_token_path` },
  });
}

interface BodyEncoding {
  readonly contentType: string;
  encode(params: URLSearchParams): string;
}

const FORM_ENCODING: BodyEncoding = { contentType: 'application/x-www-form-urlencoded', encode: (params) => params.toString() };
/** The same parameters as one object of strings: every value is a rendered template or a token. */
const JSON_ENCODING: BodyEncoding = { contentType: 'application/json', encode: (params) => JSON.stringify(Object.fromEntries(params)) };

/** token_request_format: RFC 6749's form encoding unless the provider takes only JSON. */
function bodyEncoding(format: TokenRequestFormat | undefined): BodyEncoding {
  return format === 'json' ? JSON_ENCODING : FORM_ENCODING;
}

type TlsRule = (ctx: AuthContext, target: string, field: string) => void;

/**
 * RFC 6749 §2.3.1 and §3.2: the token and revocation endpoints receive client secrets, codes and
 * refresh tokens, so they are reached over TLS. Plain http is for local test servers, and only
 * when the host (connect's allowInsecureHttp) or the manifest (allow_insecure_http, which the
 * validator warns about) says so. Checked before anything is sent.
 */
function compileTlsRule(manifestOptIn: boolean, pointer: string): TlsRule {
  if (manifestOptIn) return () => undefined;
  return (ctx, target, field) => {
    if (ctx.allowInsecureHttp) return;
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return; // not a URL at all: the request itself reports that
    }
    if (url.protocol !== 'http:') return;
    throw new RequestRefusedError(
      `${field} is a plain http URL (${url.origin}): the standard OAuth grants send client secrets, codes and tokens only over https. ` +
        `Use an https URL; for a local test server only, set "allow_insecure_http": true in ${pointer} or pass allowInsecureHttp: true to connect() (connector CLI: --allow-insecure-http).`,
    );
  };
}

/** An Authorization header template that is a literal scheme word followed by the access token itself. */
const SCHEME_THEN_TOKEN = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +\{\{-?\s*auth\.access_token\s*-?\}\}$/;

/**
 * The scheme `apply` sends the access token with, when the manifest shows it: `Bearer` when apply
 * is not set (its default header), the scheme word of a custom Authorization header that sends
 * the token as it is. Anything else (a query parameter, another header, a filter on the token,
 * `{{ auth.token_type }}`) cannot be compared: undefined.
 */
function appliedScheme(apply: TokenPlacement | undefined): string | undefined {
  if (apply === undefined) return 'Bearer';
  const header = Object.entries(apply.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  return header === undefined ? undefined : SCHEME_THEN_TOKEN.exec(header.trim())?.[1];
}

/**
 * RFC 6749 §5.1 and §7.1: the answer says the token's type, and a client must not use a token
 * whose type it does not understand. A missing token_type is refused unless
 * token_response.token_type_required is false (providers that leave it out); a token_type that
 * is sent (case-insensitive) other than the scheme `apply` sends ("mac", "DPoP" sent as Bearer),
 * or than token_response.token_type where the provider's type and scheme differ (Zoho), is refused
 * either way. When the scheme cannot be known from the manifest, any type is accepted.
 */
function compileTokenTypeCheck(spec: OAuthGrantSpec, pointer: string): (tokenType: string | undefined) => void {
  const required = spec.token_response?.token_type_required ?? true;
  const matchesScheme = compileSchemeCheck(spec, pointer);
  return (tokenType) => {
    if (tokenType !== undefined) return matchesScheme(tokenType);
    if (!required) return;
    throw new TokenResponseError(
      `the token endpoint (${pointer}/token_url) sent no "token_type" (RFC 6749 §5.1 requires it): ` +
        `if this provider leaves it out, set ${pointer}/token_response/token_type_required to false`,
    );
  };
}

function compileSchemeCheck(spec: OAuthGrantSpec, pointer: string): (tokenType: string) => void {
  const { apply } = spec;
  const declared = spec.token_response?.token_type;
  const scheme = declared ?? appliedScheme(apply);
  if (scheme === undefined) return () => undefined;
  const how = declared !== undefined
    ? `${pointer}/token_response/token_type`
    : apply === undefined ? `the default "Authorization: Bearer" header (${pointer}/apply is not set)` : `the Authorization header of ${pointer}/apply`;
  return (tokenType) => {
    if (tokenType.toLowerCase() === scheme.toLowerCase()) return;
    const message = declared !== undefined
      ? `the token endpoint (${pointer}/token_url) issued a token of type ${show(tokenType)}, but ${how} expects "${scheme}"`
      : `the token endpoint (${pointer}/token_url) issued a token of type ${show(tokenType)}, but this connection would send it as "${scheme}" with ${how}: check ${pointer}/apply`;
    throw new TokenResponseError(message);
  };
}

/** RFC 7009 revocation of the record's refresh token (else its access token) with the client's authentication. */
interface RevocationParts {
  client: ClientAuthenticator;
  /** The grant's token_request_format: a provider that takes only JSON takes it here too. */
  encoding: BodyEncoding;
  requireTls: TlsRule;
}

function compileRevocation(url: CompiledTemplate, pointer: string, { client, encoding, requireTls }: RevocationParts): NonNullable<TokenSource['revoke']> {
  return async (ctx, record) => {
    const token = record.refreshToken ?? record.accessToken;
    if (token === undefined) return 'revoked';
    const target = url.render({ ...ctx.scope, auth: authView(record) });
    requireTls(ctx, target, `${pointer}/revocation_url`);
    const form = new URLSearchParams({ token, token_type_hint: record.refreshToken !== undefined ? 'refresh_token' : 'access_token' });
    const headers = assignHeaders({ ...ctx.sharedHeaders }, { ...(await client.authenticate(form, ctx.scope, target, ctx.now())), 'content-type': encoding.contentType });
    const answer = await ctx.http.send({
      method: 'POST',
      url: new URL(target),
      headers,
      body: encoding.encode(form),
      maxRedirects: 0,
      responseType: 'buffer',
      timeouts: ctx.timeouts,
      maxResponseBytes: ctx.maxResponseBytes,
    });
    // RFC 7009 §2.2: 200 also for a token the server no longer knows; 503 means try again later.
    if (answer.status === 200) return 'revoked';
    if (answer.status === 503) return 'retry_later';
    const error = oauthErrorOf(answer.body);
    throw new AuthError(
      `the revocation endpoint (${pointer}/revocation_url) refused the request (${error ?? `status ${answer.status}`}): check the client credentials`,
      { status: answer.status, oauthError: error },
    );
  };
}

function oauthErrorOf(body: unknown): string | undefined {
  const json = Buffer.isBuffer(body) ? parseJsonSafely(body.toString('utf8')) : undefined;
  const error = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as { error?: unknown }).error : undefined;
  return typeof error === 'string' && /^[\w.-]{1,64}$/.test(error) ? error : undefined;
}
