/**
 * OAuth 2.0 resource owner password grant (RFC 6749 §4.3): user name and password for a
 * token; the refresh_token grant when the server issued one, else a new login. RFC 9700 §2.4
 * discourages it (the validator warns); DocuWare's identity service still offers it.
 */
import type { AuthOAuth2Password } from '../manifest/types.gen.js';
import { compileTemplate } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileOAuthGrant, grantStrategy } from './oauth2-grant.js';

export function createOAuth2Password(spec: AuthOAuth2Password, pointer = '/auth'): AuthStrategy {
  const grant = compileOAuthGrant(spec, pointer);
  const username = compileTemplate(spec.username, `${pointer}/username`);
  const password = compileTemplate(spec.password, `${pointer}/password`);
  return grantStrategy('oauth2_password', spec, pointer, grant, {
    canAuthorizeUnattended: true,
    authorize: (ctx) =>
      grant.request(
        ctx,
        { grant_type: 'password', username: username.render(ctx.scope), password: password.render(ctx.scope) },
        { withScope: true },
      ),
    refresh: (ctx, record) => grant.refresh(ctx, record),
  });
}
