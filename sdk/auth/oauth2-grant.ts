/**
 * The form-encoded token request the standard OAuth 2.0 grants share (RFC 6749 §4, §6):
 * client authentication (§2.3.1), scope, extra parameters, and the standard response fields.
 */
import type { ClientAuthentication, TokenExpiry, TokenResponsePaths } from '../manifest/types.gen.js';
import { compileOptionalTemplate, compileTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap, type TemplateMap } from '../template/template-map.js';
import { AuthError } from '../errors.js';
import { parseJsonSafely } from '../extract/json-body.js';
import type { AuthContext } from './auth-context.js';
import type { AuthorizationCodeFlow, AuthStrategy, TokenSource } from './auth-strategy.js';
import type { TokenRecord } from '../store/token-store.js';
import { tokenStrategy, type TokenStrategyOptions } from './token-strategy.js';
import { compileExpiryPolicy, type ExpiryPolicy } from './expiry.js';
import { compileResponseSpec, requestToken, type TokenResponseSpec, type TokenResult } from './token-request.js';

export interface OAuthGrantSpec {
  token_url: string;
  revocation_url?: string;
  client_id?: string;
  client_secret?: string;
  client_auth?: ClientAuthentication;
  scope?: string;
  params?: Record<string, string | undefined>;
  token_response?: TokenResponsePaths;
  expiry?: TokenExpiry;
  extras?: Record<string, string | undefined>;
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
    tokens: { ...tokens, expiry: grant.expiry, revoke: grant.revoke },
    authorizationCode,
  });
}

export function compileOAuthGrant(spec: OAuthGrantSpec, pointer: string): OAuthGrant {
  const url = compileTemplate(spec.token_url, `${pointer}/token_url`);
  const clientId = compileOptionalTemplate(spec.client_id, `${pointer}/client_id`);
  const clientSecret = compileOptionalTemplate(spec.client_secret, `${pointer}/client_secret`);
  const scopeTemplate = compileOptionalTemplate(spec.scope, `${pointer}/scope`);
  const params: TemplateMap = compileTemplateMap(spec.params, `${pointer}/params`);
  const clientAuth = spec.client_auth ?? 'post';
  const expiry = compileExpiryPolicy(spec.expiry);
  const response: TokenResponseSpec = compileResponseSpec({
    bodyPath: spec.token_response?.access_token_path ?? '$.access_token',
    refreshTokenPath: spec.token_response?.refresh_token_path ?? '$.refresh_token',
    extras: spec.extras,
    expiry,
    requireTokenType: true,
    pointers: { accessToken: `${pointer}/token_response/access_token_path`, refreshToken: `${pointer}/token_response/refresh_token_path` },
  });
  const basicHeader = (scope: TemplateScope): string | undefined => {
    if (clientAuth !== 'basic' || !clientId) return undefined;
    // RFC 6749 §2.3.1: form-encode id and secret before Base64.
    const pair = `${formEncode(clientId.render(scope))}:${formEncode(clientSecret?.render(scope) ?? '')}`;
    return Buffer.from(pair, 'utf8').toString('base64');
  };
  /** The client's authentication (RFC 6749 §2.3.1) added to a form, and the headers it needs. */
  const authenticate = (form: URLSearchParams, scope: TemplateScope): Record<string, string> => {
    if (clientId && clientAuth !== 'basic') form.set('client_id', clientId.render(scope));
    if (clientSecret && clientAuth === 'post') form.set('client_secret', clientSecret.render(scope));
    const basic = basicHeader(scope);
    return { accept: 'application/json', ...(basic ? { authorization: `Basic ${basic}` } : {}) };
  };
  const revocationUrl = compileOptionalTemplate(spec.revocation_url, `${pointer}/revocation_url`);
  return {
    expiry,
    derivedSecrets: (scope) => [basicHeader(scope)].filter((value): value is string => value !== undefined),
    request(ctx, grant, options = {}) {
      const scope = options.scope ?? ctx.scope;
      const form = new URLSearchParams(grant);
      if (options.withScope && scopeTemplate) {
        const value = scopeTemplate.render(scope);
        if (value !== '') form.set('scope', value);
      }
      for (const [name, template] of params) form.set(name, template.render(scope));
      const headers = authenticate(form, scope);
      const body = form.toString();
      return requestToken(
        ctx,
        { method: 'POST', url, headers: [], body: () => body, contentType: 'application/x-www-form-urlencoded', pointer: `${pointer}/token_url` },
        response,
        scope,
        { headers },
      );
    },
    refresh(ctx, record) {
      return this.request(ctx, { grant_type: 'refresh_token', refresh_token: record.refreshToken ?? '' });
    },
    revoke: revocationUrl
      ? async (ctx, record) => {
          const token = record.refreshToken ?? record.accessToken;
          if (token === undefined) return 'revoked';
          const form = new URLSearchParams({ token, token_type_hint: record.refreshToken !== undefined ? 'refresh_token' : 'access_token' });
          const headers = { ...ctx.sharedHeaders, ...authenticate(form, ctx.scope), 'content-type': 'application/x-www-form-urlencoded' };
          const answer = await ctx.http.send({
            method: 'POST',
            url: new URL(revocationUrl.render(ctx.scope)),
            headers,
            body: form.toString(),
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
        }
      : undefined,
  };
}

function oauthErrorOf(body: unknown): string | undefined {
  const json = Buffer.isBuffer(body) ? parseJsonSafely(body.toString('utf8')) : undefined;
  const error = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as { error?: unknown }).error : undefined;
  return typeof error === 'string' && /^[\w.-]{1,64}$/.test(error) ? error : undefined;
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
