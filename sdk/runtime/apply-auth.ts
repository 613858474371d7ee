/**
 * The auth stage: puts the connection's credentials on a built action request — the auth type's
 * placement (headers, query parameters, cookies) rendered over the call's scope, and the cookie
 * jar of the call's token record for the request's URL. Later stages (retry, redirects) send the
 * request as it leaves here; the redirect policy decides which of these credentials may follow.
 */
import type { Stage } from '../http/pipeline.js';
import { cookieHeaderFor } from '../store/cookie-jar.js';
import type { ApplyTarget, AuthStrategy } from '../auth/auth-strategy.js';
import { withQuery } from './action.js';
import type { ActionRequest } from './action-request.js';

export function applyAuth(strategy: AuthStrategy, now: () => number): Stage<ActionRequest> {
  return (next) => (request) => {
    const { action, scope, record } = request.call;
    // The headers object was built for this call alone (connection.ts): written in place.
    const target: ApplyTarget = { headers: request.headers, query: [], cookies: [] };
    if (action.applyAuth) strategy.apply(target, scope);
    const url = target.query.length === 0 ? request.url : new URL(withQuery(request.url.href, target.query));
    const jar = record !== undefined && record.cookies.length > 0 ? cookieHeaderFor(record.cookies, url, now()) : undefined;
    if (jar !== undefined || target.cookies.length > 0) {
      request.headers.cookie = (jar === undefined ? target.cookies : [jar, ...target.cookies]).join('; ');
    }
    return next(url === request.url ? request : { ...request, url });
  };
}
