/**
 * The AuthStrategy of every auth type that obtains tokens: token placement (`apply`), the
 * expired-token signal and the type's own token source. Each type module only says how it
 * obtains and renews its token.
 */
import type { ExpiredTokenSignal, TokenPlacement } from '../manifest/types.gen.js';
import type { TemplateScope } from '../template/liquid.js';
import type { AuthStrategy, AuthorizationCodeFlow, TokenSource } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';
import { compileTokenApply } from './token-apply.js';

export interface TokenStrategyOptions {
  type: AuthStrategy['type'];
  spec: { apply?: TokenPlacement; expired_when?: ExpiredTokenSignal };
  pointer: string;
  tokens: TokenSource;
  /** A token that is a cookie is sent by the jar: no default Authorization header. */
  tokenIsCookie?: boolean;
  derivedSecrets?: (scope: TemplateScope) => string[];
  authorizationCode?: AuthorizationCodeFlow;
}

export function tokenStrategy(options: TokenStrategyOptions): AuthStrategy {
  const apply = compileTokenApply(options.spec.apply, `${options.pointer}/apply`, options.tokenIsCookie ?? false);
  return {
    type: options.type,
    credentialHeaders: apply.credentialHeaders,
    credentialQueryParams: apply.credentialQueryParams,
    apply: apply.apply,
    derivedSecrets: options.derivedSecrets ?? (() => []),
    isExpired: compileExpiredSignal(options.spec.expired_when),
    tokens: options.tokens,
    authorizationCode: options.authorizationCode,
  };
}
