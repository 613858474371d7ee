/**
 * A token request that fits no standard grant: the manifest's URL, method, headers and a JSON
 * (or form) body template; the token is read where the manifest says.
 */
import type { AuthOAuth2CustomToken } from '../manifest/types.gen.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import { compileJsonTemplate } from '../template/json-template.js';
import { compileTemplateMap } from '../template/template-map.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiryPolicy } from './expiry.js';
import { tokenStrategy } from './token-strategy.js';
import { compileResponseSpec, requestToken, type TokenRequestSpec } from './token-request.js';

export function createOAuth2CustomToken(spec: AuthOAuth2CustomToken, pointer = '/auth'): AuthStrategy {
  const expiry = compileExpiryPolicy(spec.expiry);
  const body = compileJsonTemplate(spec.body, `${pointer}/body`);
  const form = spec.body_format === 'form';
  const request: TokenRequestSpec = {
    method: spec.method ?? 'POST',
    url: compileTemplate(spec.token_url, `${pointer}/token_url`),
    headers: compileTemplateMap(spec.headers, `${pointer}/headers`),
    body: (scope: TemplateScope) => {
      const value = body(scope);
      if (!form) return JSON.stringify(value);
      const params = new URLSearchParams();
      for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (item !== null && item !== undefined) params.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
      }
      return params.toString();
    },
    contentType: form ? 'application/x-www-form-urlencoded' : 'application/json',
    pointer: `${pointer}/token_url`,
    bodyPointer: `${pointer}/body`,
  };
  const response = compileResponseSpec({
    bodyPath: spec.token_response?.access_token_path ?? '$.access_token',
    refreshTokenPath: spec.token_response?.refresh_token_path,
    extras: spec.extras,
    expiry,
    refusalStatuses: spec.refusal_statuses,
    pointers: { accessToken: `${pointer}/token_response/access_token_path`, refreshToken: `${pointer}/token_response/refresh_token_path` },
  });
  return tokenStrategy({
    type: 'oauth2_custom_token',
    spec,
    pointer,
    tokens: {
      expiry,
      canAuthorizeUnattended: true,
      authorize: (ctx) => requestToken(ctx, request, response, { ...ctx.scope, now: Math.floor(ctx.now() / 1000) }),
    },
  });
}
