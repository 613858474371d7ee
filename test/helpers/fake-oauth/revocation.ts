/**
 * The RFC 7009 revocation endpoint, /oauth/revoke: a form-encoded (or, with tokenRequestFormat
 * 'json', a JSON) POST with client authentication and `token` (`token_type_hint` optional). A
 * refresh token takes its grant's access tokens with it (§2.1); a token the server does not know
 * is answered 200 as well (§2.2).
 */
import { authenticateClient } from './client-auth.js';
import { clientsOf, type Context } from './context.js';
import { bodyFormatProblem, oauthError, send, type Exchange } from './http.js';
import type { TokenRequestRecord } from './types.js';

export function revocationEndpoint(context: Context, exchange: Exchange, record: TokenRequestRecord): void {
  if (exchange.method !== 'POST') return oauthError(exchange, 400, 'invalid_request', 'the revocation endpoint takes POST');
  const malformed = bodyFormatProblem(exchange, context.options.tokenRequestFormat, 'revocation request');
  if (malformed) return oauthError(exchange, 400, 'invalid_request', malformed);
  const client = authenticateClient(exchange.headers, record.params, clientsOf(context.options));
  if ('error' in client || context.state.refuse.clients) {
    const reason = 'error' in client ? client.error : 'client authentication failed';
    return oauthError(exchange, 401, 'invalid_client', reason, { 'www-authenticate': 'Basic realm="token"' });
  }
  record.clientAuth = { method: client.method, clientId: client.client.id };
  const token = record.params.get('token');
  if (!token) return oauthError(exchange, 400, 'invalid_request', 'token is missing');
  if (context.book.revoke(token, client.client.id) === 'other client') {
    return oauthError(exchange, 400, 'invalid_request', 'the token was issued to another client');
  }
  send(exchange, 200, '');
}
