/** A key in a header, a query parameter or a body field on every action request. */
import type { AuthApiKey } from '../manifest/types.gen.js';
import { compileTemplate } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';

export function createApiKey(spec: AuthApiKey, pointer = '/auth'): AuthStrategy {
  const value = compileTemplate(spec.value, `${pointer}/value`);
  const { in: where, name } = spec;
  return {
    type: 'api_key',
    credentialHeaders: where === 'header' ? [name.toLowerCase()] : [],
    credentialQueryParams: where === 'query' ? [name] : [],
    apply(target, scope) {
      const key = value.render(scope);
      if (where === 'header') target.headers[name] = key;
      else if (where === 'query') target.query.push([name, key]);
      else target.bodyFields.push({ name, value: key, field: `${pointer}/in` });
    },
    derivedSecrets: (scope) => [value.render(scope)],
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}
