/**
 * Locoia's refreshable token: credentials go to an authorization endpoint; the access token
 * comes back in the JSON body, a header or a Set-Cookie; an optional separate refresh request
 * renews it with the refresh token, its paths falling back to the authorization ones.
 */
import type { AuthRefreshableToken } from '../manifest/types.gen.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy, TokenSource } from './auth-strategy.js';
import { compileExpiryPolicy, type ExpiryPolicy } from './expiry.js';
import { tokenStrategy } from './token-strategy.js';
import { authView } from './auth-view.js';
import {
  compileHeaderTemplates,
  compileResponseSpec,
  requestToken,
  type TokenRequestSpec,
  type TokenResponseSpec,
} from './token-request.js';

export function createRefreshableToken(spec: AuthRefreshableToken, pointer = '/auth'): AuthStrategy {
  const expiry = compileExpiryPolicy(spec.expiry);
  const tokenIsCookie = Boolean(spec.response_access_token_path_in_cookie);
  const authorization = compileTokenRequest(spec, 'authorization', spec.authorization_request_url, pointer);
  const authorizationResponse = compileAuthorizationResponse(spec, expiry, pointer);
  const refreshUrl = spec.refresh_request_url;
  const refresh = refreshUrl ? compileTokenRequest(spec, 'refresh', refreshUrl, pointer) : undefined;
  const refreshResponse = compileRefreshResponse(spec, expiry, pointer);

  const tokens: TokenSource = {
    expiry,
    canAuthorizeUnattended: true,
    refreshTokenRotation: spec.refresh_token_rotation,
    authorize: (ctx) => requestToken(ctx, authorization, authorizationResponse, { ...ctx.scope, now: nowSeconds(ctx.now()) }),
    refresh: refresh
      ? (ctx, record) =>
          requestToken(ctx, refresh, refreshResponse, { ...ctx.scope, now: nowSeconds(ctx.now()), auth: authView(record) })
      : undefined,
  };
  return tokenStrategy({ type: 'refreshable_token', spec, pointer, tokens, tokenIsCookie });
}

/** The authorization or the refresh request: its `<kind>_request_*` fields, compiled. */
function compileTokenRequest(
  spec: AuthRefreshableToken,
  kind: 'authorization' | 'refresh',
  url: string,
  pointer: string,
): TokenRequestSpec {
  const at = `${pointer}/${kind}_request`;
  const bodyTemplate = spec[`${kind}_request_body_template`];
  return {
    method: spec[`${kind}_request_method`] ?? 'POST',
    url: compileTemplate(url, `${at}_url`),
    headers: compileHeaderTemplates(spec[`${kind}_request_headers`], `${at}_headers`),
    body: bodyRenderer(bodyTemplate, `${at}_body_template`),
    contentType: guessContentType(bodyTemplate),
    pointer: `${at}_url`,
    bodyPointer: `${at}_body_template`,
  };
}

type ResponseFields = Pick<Parameters<typeof compileResponseSpec>[0], 'bodyPath' | 'refreshTokenPath' | 'pointers'>;

/** Where the authorization response holds the tokens. */
function compileAuthorizationResponse(spec: AuthRefreshableToken, expiry: ExpiryPolicy, pointer: string): TokenResponseSpec {
  return compileTokenResponse(spec, expiry, {
    bodyPath: spec.response_access_token_path,
    refreshTokenPath: spec.response_refresh_token_path,
    pointers: { accessToken: `${pointer}/${accessTokenField(spec)}`, refreshToken: `${pointer}/response_refresh_token_path` },
  });
}

/** Where the refresh response holds the tokens: its own paths, falling back to the authorization ones. */
function compileRefreshResponse(spec: AuthRefreshableToken, expiry: ExpiryPolicy, pointer: string): TokenResponseSpec {
  const tokenField = accessTokenField(spec);
  return compileTokenResponse(spec, expiry, {
    bodyPath: spec.refresh_response_access_token_path ?? spec.response_access_token_path,
    refreshTokenPath: spec.refresh_response_refresh_token_path ?? spec.response_refresh_token_path,
    pointers: {
      accessToken: `${pointer}/${spec.refresh_response_access_token_path && tokenField === 'response_access_token_path' ? 'refresh_response_access_token_path' : tokenField}`,
      refreshToken: `${pointer}/${spec.refresh_response_refresh_token_path ? 'refresh_response_refresh_token_path' : 'response_refresh_token_path'}`,
    },
  });
}

/** What both responses share: the token header or cookie, the extras, the expiry and the refusal statuses. */
function compileTokenResponse(spec: AuthRefreshableToken, expiry: ExpiryPolicy, fields: ResponseFields): TokenResponseSpec {
  return compileResponseSpec({
    ...fields,
    header: spec.response_access_token_path_in_header,
    cookie: spec.response_access_token_path_in_cookie,
    extras: spec.extras,
    expiry,
    refusalStatuses: spec.refusal_statuses,
  });
}

/** The field that says where the access token is: a header, a cookie, or (default) the body. */
function accessTokenField(spec: AuthRefreshableToken): string {
  return spec.response_access_token_path_in_header
    ? 'response_access_token_path_in_header'
    : spec.response_access_token_path_in_cookie
      ? 'response_access_token_path_in_cookie'
      : 'response_access_token_path';
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
