/** No authentication: requests go out as the action declares them. */
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';

export function createNone(): AuthStrategy {
  return {
    type: 'none',
    credentialHeaders: [],
    credentialQueryParams: [],
    apply: () => undefined,
    derivedSecrets: () => [],
    // Without a token there is nothing to renew: a 401 is the action's answer.
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}
