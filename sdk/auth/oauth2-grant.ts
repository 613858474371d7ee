/**
 * The form-encoded token request the standard OAuth 2.0 grants share (RFC 6749 §4, §6):
 * client authentication (§2.3.1), scope, extra parameters, and the standard response fields.
 */
import type { ClientAuthentication, TokenExpiry, TokenResponsePaths } from '../manifest/types.gen.js';
import { compileOptionalTemplate, compileTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap, type TemplateMap } from '../template/template-map.js';
import type { AuthContext } from './auth-context.js';
import { compileExpiryPolicy, type ExpiryPolicy } from './expiry.js';
import { compileResponseSpec, requestToken, type TokenResponseSpec, type TokenResult } from './token-request.js';

export interface OAuthGrantSpec {
  token_url: string;
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
      if (clientId && clientAuth !== 'basic') form.set('client_id', clientId.render(scope));
      if (clientSecret && clientAuth === 'post') form.set('client_secret', clientSecret.render(scope));
      const basic = basicHeader(scope);
      const body = form.toString();
      return requestToken(
        ctx,
        { method: 'POST', url, headers: [], body: () => body, contentType: 'application/x-www-form-urlencoded', pointer: `${pointer}/token_url` },
        response,
        scope,
        { headers: { accept: 'application/json', ...(basic ? { authorization: `Basic ${basic}` } : {}) } },
      );
    },
  };
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
