/**
 * The cookie stage: cookies an action's answer sets (a session a server extends, a load
 * balancer's affinity) are kept in the connection's token record, so the next request — from
 * this process or another sharing the store — sends them.
 */
import type { Stage } from '../http/pipeline.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { ActionRequest } from './action-request.js';

export function keepCookies(tokens: TokenManager | undefined): Stage<ActionRequest> | undefined {
  if (!tokens) return undefined;
  // A continuation, not an async function: most answers set no cookie, and then it is all there is to pay.
  return (next) => (request) =>
    next(request).then((response) => {
      const record = request.call.record;
      if (record === undefined || response.setCookies.length === 0) return response;
      return tokens.rememberCookies(record, response.setCookies, response.url).then(() => response);
    });
}
