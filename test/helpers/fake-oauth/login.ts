/**
 * Locoia-style login (/token) and refresh (/refresh) endpoints, as refreshable_token manifests
 * talk to them: a form or JSON body with the client's id and secret (or, at /token,
 * grant_type=refresh_token), a session token (`tok-…`) answered in the body, a header
 * (X-Auth-Token) or a Set-Cookie (SESSIONAUTH), refresh tokens when configured.
 */
import { authenticateClient } from './client-auth.js';
import { clientsOf, type Context } from './context.js';
import { oauthError, send, SESSION_COOKIE, type Exchange } from './http.js';
import type { Grant } from './tokens.js';
import type { TokenRequestRecord } from './types.js';

export function loginEndpoint(context: Context, exchange: Exchange, record: TokenRequestRecord): void {
  const { params } = record;
  if (exchange.url.pathname === '/refresh' || params.get('grant_type') === 'refresh_token') return refresh(context, exchange, params);
  const client = authenticateClient(exchange.headers, params, clientsOf(context.options));
  if ('error' in client || context.state.refuse.clients) {
    return oauthError(exchange, 401, 'invalid_client', 'error' in client ? client.error : 'client authentication failed');
  }
  record.clientAuth = { method: client.method, clientId: client.client.id };
  answer(context, exchange, context.book.grant({ clientId: client.client.id }), false);
}

function refresh(context: Context, exchange: Exchange, params: URLSearchParams): void {
  const presented = params.get('refresh_token');
  const rotate = context.options.rotateRefreshTokens ?? true;
  const grant = presented ? context.book.redeem(presented, { rotate, refuse: context.state.refuse.refreshTokens }) : 'the refresh token is missing';
  if (typeof grant === 'string') return oauthError(exchange, 400, 'invalid_grant', grant);
  answer(context, exchange, grant, true, rotate);
}

function answer(context: Context, exchange: Exchange, grant: Grant, refreshing: boolean, rotate = false): void {
  const login = context.options.login ?? {};
  const lifetime = login.sessionLifetimeMs;
  const access = context.book.issueAccess(grant, 'tok', lifetime === undefined ? undefined : context.now() + lifetime);
  const refreshToken = login.refreshTokens && (!refreshing || rotate) ? context.book.issueRefresh(grant) : undefined;
  const body: Record<string, unknown> = { token_type: 'Bearer' };
  if (context.options.expiresIn !== null) body.expires_in = context.options.expiresIn ?? 3600;
  const headers: Record<string, string | string[]> = {};
  const tokenIn = login.tokenIn ?? 'body';
  if (tokenIn === 'body') body.access_token = access;
  if (tokenIn === 'header') headers['x-auth-token'] = access;
  if (tokenIn === 'cookie') headers['set-cookie'] = ['tracking=t1; Path=/', `${SESSION_COOKIE}=${access}; Path=/; HttpOnly${login.cookieAttributes ?? ''}`];
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  else if (refreshing && login.refreshOmits === 'null') body.refresh_token = null;
  else if (refreshing && login.refreshOmits === 'empty') body.refresh_token = '';
  const payload = refreshing && login.nestedRefreshResponse
    ? { data: { token: body.access_token, renewal: body.refresh_token, expires_in: body.expires_in } }
    : body;
  send(exchange, 200, payload, headers);
}
