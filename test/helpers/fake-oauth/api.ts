/**
 * The protected API, /api/…: it wants a live access token (RFC 6750 header, query parameter or
 * the session cookie) that this server issued — or, with `api.jwt`, an RS256 JWT of that
 * issuer, verified against its JWKS — and answers a refusal with a WWW-Authenticate challenge.
 */
import type { Context } from './context.js';
import { presentedToken, send, type Exchange } from './http.js';
import { checkAccessJwt } from './jws.js';

export type Challenge = 'invalid_token' | 'insufficient_scope';

/** RFC 6750 §3: 401 for a missing, expired or revoked token, 403 for a token without the scope. */
export function challenge(exchange: Exchange, error: Challenge, body: unknown = { error }, scope = 'admin'): void {
  const header = error === 'insufficient_scope'
    ? `Bearer realm="api", error="insufficient_scope", scope="${scope}"`
    : 'Bearer realm="api", error="invalid_token", error_description="the access token is missing, expired or revoked"';
  send(exchange, error === 'insufficient_scope' ? 403 : 401, body, { 'www-authenticate': header });
}

export async function protectedApi(context: Context, exchange: Exchange): Promise<void> {
  if (context.options.api?.jwt) return jwtApi(context, exchange);
  const token = context.book.live(presentedToken(exchange), context.now());
  if (!token || context.state.refuse.accessTokens) return challenge(exchange, 'invalid_token');
  const { grant } = token;
  const setCookie = context.options.api?.setCookie;
  send(
    exchange,
    200,
    { data: { path: exchange.url.pathname, client_id: grant.clientId, username: grant.username ?? null, scope: grant.scope ?? null } },
    setCookie ? { 'set-cookie': setCookie } : {},
  );
}

async function jwtApi(context: Context, exchange: Exchange): Promise<void> {
  const policy = context.options.api!.jwt!;
  const result = await checkAccessJwt(presentedToken(exchange), context.jwks, policy, context.now());
  if (typeof result === 'string' || context.state.refuse.accessTokens) {
    const reason = typeof result === 'string' ? result : 'refused';
    context.state.refused.push(reason);
    return challenge(exchange, reason === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token', { error: reason }, policy.requiredScope);
  }
  context.state.accepted.push(result);
  send(exchange, 200, { data: { path: exchange.url.pathname, sub: result.sub ?? null, scope: result.scope ?? null, aud: result.aud ?? null } });
}
