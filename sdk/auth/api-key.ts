/** A key in a header or a query parameter on every action request. */
import type { AuthApiKey } from '../manifest/types.gen.js';
import { compileTemplate } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';

export function createApiKey(spec: AuthApiKey, pointer = '/auth'): AuthStrategy {
  const value = compileTemplate(spec.value, `${pointer}/value`);
  const inHeader = spec.in === 'header';
  return {
    type: 'api_key',
    credentialHeaders: inHeader ? [spec.name.toLowerCase()] : [],
    credentialQueryParams: inHeader ? [] : [spec.name],
    apply(target, scope) {
      if (inHeader) target.headers[spec.name] = value.render(scope);
      else target.query.push([spec.name, value.render(scope)]);
    },
    derivedSecrets: (scope) => [value.render(scope)],
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}
