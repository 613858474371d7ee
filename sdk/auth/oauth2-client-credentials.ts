/** OAuth 2.0 client credentials (RFC 6749 §4.4): a new token is simply requested on expiry. */
import type { AuthOAuth2ClientCredentials } from '../manifest/types.gen.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';
import { compileOAuthGrant } from './oauth2-grant.js';
import { compileTokenApply } from './token-apply.js';

export function createOAuth2ClientCredentials(spec: AuthOAuth2ClientCredentials, pointer = '/auth'): AuthStrategy {
  const grant = compileOAuthGrant(spec, pointer);
  const apply = compileTokenApply(spec.apply, `${pointer}/apply`, false);
  return {
    type: 'oauth2_client_credentials',
    credentialHeaders: apply.credentialHeaders,
    credentialQueryParams: apply.credentialQueryParams,
    apply: apply.apply,
    derivedSecrets: grant.derivedSecrets,
    isExpired: compileExpiredSignal(spec.expired_when),
    tokens: {
      expiry: grant.expiry,
      canAuthorizeUnattended: true,
      authorize: (ctx) => grant.request(ctx, { grant_type: 'client_credentials' }, { withScope: true }),
    },
  };
}
