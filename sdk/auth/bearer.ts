/**
 * A static bearer token from the credentials (one the host rotates itself). It is placed like
 * any token (`apply`), exposed to templates as `auth.access_token`; nothing is renewed.
 */
import type { AuthBearer } from '../manifest/types.gen.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';
import { compileTokenApply } from './token-apply.js';

export function createBearer(spec: AuthBearer, pointer = '/auth'): AuthStrategy {
  const token = compileTemplate(spec.token, `${pointer}/token`);
  const apply = compileTokenApply(spec.apply, `${pointer}/apply`, false);
  const withToken = (scope: TemplateScope): TemplateScope => ({
    ...scope,
    auth: { access_token: token.render(scope), refresh_token: null, token_type: 'Bearer', expires_at: null, cookies: {}, extras: {} },
  });
  return {
    type: 'bearer',
    credentialHeaders: apply.credentialHeaders,
    credentialQueryParams: apply.credentialQueryParams,
    apply: (target, scope) => apply.apply(target, withToken(scope)),
    derivedSecrets: (scope) => [token.render(scope)],
    // The host rotates this token: a rejection is reported, not renewed.
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}
