/** OAuth 2.0 client credentials (RFC 6749 §4.4): a new token is simply requested on expiry. */
import type { AuthOAuth2ClientCredentials } from '../manifest/types.gen.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileOAuthGrant, grantStrategy } from './oauth2-grant.js';

export function createOAuth2ClientCredentials(spec: AuthOAuth2ClientCredentials, pointer = '/auth'): AuthStrategy {
  const grant = compileOAuthGrant(spec, pointer);
  return grantStrategy('oauth2_client_credentials', spec, pointer, grant, {
    canAuthorizeUnattended: true,
    authorize: (ctx) => grant.request(ctx, { grant_type: 'client_credentials' }, { withScope: true }),
  });
}
