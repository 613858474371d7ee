/**
 * OAuth 2.0 authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636 S256) and `state`:
 * the connection builds the URL the host sends its user to, then exchanges the code from the
 * callback. Renewal uses the refresh token; without one the user must authorize again.
 * The flow also says what its callback must carry (RFC 9207 `iss`), for the connection's
 * callback reader (authorization-callback.ts), and which of its parameters to keep (callback-values.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuthOAuth2AuthorizationCode } from '../manifest/types.gen.js';
import { AuthError } from '../errors.js';
import { compileOptionalTemplate, compileTemplate } from '../template/liquid.js';
import { compileTemplateMap } from '../template/template-map.js';
import type { AuthorizationCodeFlow, AuthStrategy } from './auth-strategy.js';
import { compileOAuthGrant, grantStrategy, type OAuthGrant } from './oauth2-grant.js';
import { compileCallbackValues, type CallbackValueReader } from './callback-values.js';
import { authView } from './auth-view.js';

export function createOAuth2AuthorizationCode(spec: AuthOAuth2AuthorizationCode, pointer = '/auth'): AuthStrategy {
  const grant = compileOAuthGrant(spec, pointer);
  const callbackValues = compileCallbackValues(spec.callback_values, `${pointer}/callback_values`);
  return grantStrategy(
    'oauth2_authorization_code',
    spec,
    pointer,
    grant,
    {
      canAuthorizeUnattended: false,
      authorize: () =>
        Promise.reject(new AuthError('this connection has no token yet: send the user to connection.authorizationUrl() first')),
      refresh: (ctx, record) => {
        callbackValues.checkStored(record, ctx.scope);
        return grant.refresh(ctx, record);
      },
    },
    compileFlow(spec, pointer, grant, callbackValues),
  );
}

/** The user-facing half: the authorization URL, the callback's rules, the code exchange. */
function compileFlow(spec: AuthOAuth2AuthorizationCode, pointer: string, grant: OAuthGrant, callbackValues: CallbackValueReader): AuthorizationCodeFlow {
  const authorizationUrl = compileTemplate(spec.authorization_url, `${pointer}/authorization_url`);
  const clientId = compileTemplate(spec.client_id, `${pointer}/client_id`);
  const redirectUri = compileTemplate(spec.redirect_uri, `${pointer}/redirect_uri`);
  const scopeTemplate = compileOptionalTemplate(spec.scope, `${pointer}/scope`);
  const extraParams = compileTemplateMap(spec.authorization_params, `${pointer}/authorization_params`);
  const pkce = spec.pkce ?? true;
  const issuer = compileOptionalTemplate(spec.issuer, `${pointer}/issuer`);
  const issRequired = spec.authorization_response_iss_parameter_supported === true;
  return {
    callbackRules: (scope) => ({
      pointer,
      issuer: issuer?.render(scope) || undefined,
      issRequired,
      values: (params) => callbackValues.read(params, scope),
    }),
    start(scope) {
      const state = randomBytes(32).toString('base64url');
      const url = new URL(authorizationUrl.render(scope));
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', clientId.render(scope));
      url.searchParams.set('redirect_uri', redirectUri.render(scope));
      const scopes = scopeTemplate?.render(scope);
      if (scopes) url.searchParams.set('scope', scopes);
      url.searchParams.set('state', state);
      for (const [name, template] of extraParams) url.searchParams.set(name, template.render(scope));
      if (!pkce) return { url: url.toString(), state };
      const codeVerifier = randomBytes(48).toString('base64url');
      url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
      return { url: url.toString(), state, codeVerifier };
    },
    async exchange(ctx, code, codeVerifier, values) {
      const params: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: redirectUri.render(ctx.scope) };
      if (codeVerifier) params.code_verifier = codeVerifier;
      ctx.redactor.add(code);
      // The callback values are the record's extras from now on; token_url may already use them.
      const result = await grant.request(ctx, params, { scope: { ...ctx.scope, auth: { ...authView(undefined), extras: values } } });
      return { ...result, extras: { ...values, ...result.extras } };
    },
  };
}
