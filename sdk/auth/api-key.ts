/**
 * A key in a header, a query parameter, a cookie or a body field on every action request. A cookie
 * key joins the cookies the request already carries (the jar's, another's) in the one Cookie header.
 */
import type { AuthApiKey } from '../manifest/types.gen.js';
import { compileTemplate } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';

export function createApiKey(spec: AuthApiKey, pointer = '/auth'): AuthStrategy {
  const value = compileTemplate(spec.value, `${pointer}/value`);
  const { in: where, name } = spec;
  return {
    type: 'api_key',
    credentialHeaders: where === 'header' ? [name.toLowerCase()] : where === 'cookie' ? ['cookie'] : [],
    credentialQueryParams: where === 'query' ? [name] : [],
    apply(target, scope) {
      const key = value.render(scope);
      if (where === 'header') target.headers[name] = key;
      else if (where === 'query') target.query.push([name, key]);
      else if (where === 'cookie') target.cookies.push(...takeCookieHeader(target.headers), `${name}=${key}`);
      else target.bodyFields.push({ name, value: key, field: `${pointer}/in` });
    },
    derivedSecrets: (scope) => [value.render(scope)],
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}

/**
 * The Cookie header the action itself set (any spelling), taken off the headers: apply-auth
 * writes one Cookie header from the jar and target.cookies, so the action's cookies go there.
 */
function takeCookieHeader(headers: Record<string, string>): string[] {
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== 'cookie') continue;
    const value = headers[key] as string;
    delete headers[key];
    return value === '' ? [] : [value];
  }
  return [];
}
