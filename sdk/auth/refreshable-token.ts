/**
 * Locoia's refreshable token: credentials go to an authorization endpoint; the access token
 * comes back in the JSON body, a header or a Set-Cookie; an optional separate refresh request
 * renews it with the refresh token, its paths falling back to the authorization ones.
 */
import type { AuthRefreshableToken } from '../manifest/types.gen.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy, TokenSource } from './auth-strategy.js';
import { compileExpiryPolicy } from './expiry.js';
import { tokenStrategy } from './token-strategy.js';
import { authView } from './auth-view.js';
import {
  compileHeaderTemplates,
  compileResponseSpec,
  requestToken,
  type TokenRequestSpec,
} from './token-request.js';

export function createRefreshableToken(spec: AuthRefreshableToken, pointer = '/auth'): AuthStrategy {
  const expiry = compileExpiryPolicy(spec.expiry);
  const tokenIsCookie = Boolean(spec.response_access_token_path_in_cookie);
  const authorization: TokenRequestSpec = {
    method: spec.authorization_request_method ?? 'POST',
    url: compileTemplate(spec.authorization_request_url, `${pointer}/authorization_request_url`),
    headers: compileHeaderTemplates(spec.authorization_request_headers, `${pointer}/authorization_request_headers`),
    body: bodyRenderer(spec.authorization_request_body_template, `${pointer}/authorization_request_body_template`),
    contentType: guessContentType(spec.authorization_request_body_template),
    pointer: `${pointer}/authorization_request_url`,
    bodyPointer: `${pointer}/authorization_request_body_template`,
  };
  const tokenField = spec.response_access_token_path_in_header
    ? 'response_access_token_path_in_header'
    : spec.response_access_token_path_in_cookie
      ? 'response_access_token_path_in_cookie'
      : 'response_access_token_path';
  const authorizationResponse = compileResponseSpec({
    bodyPath: spec.response_access_token_path,
    header: spec.response_access_token_path_in_header,
    cookie: spec.response_access_token_path_in_cookie,
    refreshTokenPath: spec.response_refresh_token_path,
    extras: spec.extras,
    expiry,
    refusalStatuses: spec.refusal_statuses,
    pointers: { accessToken: `${pointer}/${tokenField}`, refreshToken: `${pointer}/response_refresh_token_path` },
  });
  const refreshUrl = spec.refresh_request_url;
  const refresh: TokenRequestSpec | undefined = refreshUrl
    ? {
        method: spec.refresh_request_method ?? 'POST',
        url: compileTemplate(refreshUrl, `${pointer}/refresh_request_url`),
        headers: compileHeaderTemplates(spec.refresh_request_headers, `${pointer}/refresh_request_headers`),
        body: bodyRenderer(spec.refresh_request_body_template, `${pointer}/refresh_request_body_template`),
        contentType: guessContentType(spec.refresh_request_body_template),
        pointer: `${pointer}/refresh_request_url`,
        bodyPointer: `${pointer}/refresh_request_body_template`,
      }
    : undefined;
  const refreshResponse = compileResponseSpec({
    bodyPath: spec.refresh_response_access_token_path ?? spec.response_access_token_path,
    header: spec.response_access_token_path_in_header,
    cookie: spec.response_access_token_path_in_cookie,
    refreshTokenPath: spec.refresh_response_refresh_token_path ?? spec.response_refresh_token_path,
    extras: spec.extras,
    expiry,
    refusalStatuses: spec.refusal_statuses,
    pointers: {
      accessToken: `${pointer}/${spec.refresh_response_access_token_path && tokenField === 'response_access_token_path' ? 'refresh_response_access_token_path' : tokenField}`,
      refreshToken: `${pointer}/${spec.refresh_response_refresh_token_path ? 'refresh_response_refresh_token_path' : 'response_refresh_token_path'}`,
    },
  });

  const tokens: TokenSource = {
    expiry,
    canAuthorizeUnattended: true,
    authorize: (ctx) => requestToken(ctx, authorization, authorizationResponse, { ...ctx.scope, now: nowSeconds(ctx.now()) }),
    refresh: refresh
      ? (ctx, record) =>
          requestToken(ctx, refresh, refreshResponse, { ...ctx.scope, now: nowSeconds(ctx.now()), auth: authView(record) })
      : undefined,
  };
  return tokenStrategy({ type: 'refreshable_token', spec, pointer, tokens, tokenIsCookie });
}

function bodyRenderer(template: string | null | undefined, pointer: string): ((scope: TemplateScope) => string) | undefined {
  // Locoia: "" (or null) means no body.
  if (!template) return undefined;
  const compiled = compileTemplate(template, pointer);
  return (scope) => compiled.render(scope);
}

function guessContentType(template: string | null | undefined): string | undefined {
  if (!template) return undefined;
  const text = template.trimStart();
  const json = (text.startsWith('{') && !/^\{[{%]/.test(text)) || text.startsWith('[');
  return json ? 'application/json' : 'application/x-www-form-urlencoded';
}

function nowSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
