/** HTTP Basic (RFC 7617) on every action request. */
import type { AuthBasic } from '../manifest/types.gen.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';

export function createBasic(spec: AuthBasic, pointer = '/auth'): AuthStrategy {
  const username = compileTemplate(spec.username, `${pointer}/username`);
  const password = compileTemplate(spec.password, `${pointer}/password`);
  const encode = (scope: TemplateScope) =>
    Buffer.from(`${username.render(scope)}:${password.render(scope)}`, 'utf8').toString('base64');
  return {
    type: 'basic',
    credentialHeaders: ['authorization'],
    credentialQueryParams: [],
    apply(target, scope) {
      target.headers.authorization = `Basic ${encode(scope)}`;
    },
    derivedSecrets: (scope) => [encode(scope)],
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}
