/** OAuth 2.0 client credentials (RFC 6749 §4.4): a new token is simply requested on expiry. */
import type { AuthOAuth2ClientCredentials } from '../manifest/types.gen.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileOAuthGrant } from './oauth2-grant.js';
import { tokenStrategy } from './token-strategy.js';

export function createOAuth2ClientCredentials(spec: AuthOAuth2ClientCredentials, pointer = '/auth'): AuthStrategy {
  const grant = compileOAuthGrant(spec, pointer);
  return tokenStrategy({
    type: 'oauth2_client_credentials',
    spec,
    pointer,
    derivedSecrets: grant.derivedSecrets,
    tokens: {
      expiry: grant.expiry,
      revoke: grant.revoke,
      canAuthorizeUnattended: true,
      authorize: (ctx) => grant.request(ctx, { grant_type: 'client_credentials' }, { withScope: true }),
    },
  });
}
