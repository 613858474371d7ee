/**
 * The RFC 6749 token endpoint, /oauth/token: form-encoded POSTs only (JSON only with
 * tokenRequestFormat 'json'), client authentication (§2.3.1), and the grants the SDK speaks —
 * password, client_credentials, authorization_code with PKCE S256 (RFC 7636), refresh_token with
 * rotation, and RFC 7523 jwt-bearer.
 */
import { createHash } from 'node:crypto';
import { authenticateClient } from './client-auth.js';
import { clientsOf, issueOAuth, type Context } from './context.js';
import { bodyFormatProblem, oauthError, send, type Exchange } from './http.js';
import { checkAssertion } from './jws.js';
import type { Grant } from './tokens.js';
import type { TokenRequestRecord } from './types.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

type Issued = ReturnType<typeof issueOAuth>;

export function tokenEndpoint(context: Context, exchange: Exchange, record: TokenRequestRecord): void {
  const { params } = record;
  if (exchange.method !== 'POST') return oauthError(exchange, 400, 'invalid_request', 'the token endpoint takes POST');
  const malformed = bodyFormatProblem(exchange, context.options.tokenRequestFormat, 'token request');
  if (malformed) return oauthError(exchange, 400, 'invalid_request', malformed);
  const grantType = params.get('grant_type') ?? '';
  context.state.grants[grantType] = (context.state.grants[grantType] ?? 0) + 1;
  // The jwt-bearer grant authenticates with the assertion itself.
  if (grantType === JWT_BEARER_GRANT) return jwtBearerGrant(context, exchange, params);

  const client = authenticateClient(exchange.headers, params, clientsOf(context.options));
  if ('error' in client || context.state.refuse.clients) {
    const reason = 'error' in client ? client.error : 'client authentication failed';
    return oauthError(exchange, 401, 'invalid_client', reason, { 'www-authenticate': 'Basic realm="token"' });
  }
  record.clientAuth = { method: client.method, clientId: client.client.id };
  const clientId = client.client.id;
  const scope = params.get('scope') ?? undefined;
  const refreshing = context.options.issueRefreshTokens ?? true;
  switch (grantType) {
    case 'password': {
      const username = params.get('username') ?? '';
      const expected = context.options.users?.[username];
      if (expected === undefined || params.get('password') !== expected) {
        return oauthError(exchange, 400, 'invalid_grant', 'the resource owner credentials are wrong');
      }
      return granted(context, exchange, issueOAuth(context, context.book.grant({ clientId, username, scope }), refreshing), scope);
    }
    case 'client_credentials':
      // RFC 6749 §4.4.3: no refresh token.
      return granted(context, exchange, issueOAuth(context, context.book.grant({ clientId, scope })), scope);
    case 'authorization_code':
      return codeGrant(context, exchange, params, clientId);
    case 'refresh_token':
      return refreshGrant(context, exchange, params, clientId);
    default:
      return oauthError(exchange, 400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported`);
  }
}

function codeGrant(context: Context, exchange: Exchange, params: URLSearchParams, clientId: string): void {
  const code = context.codes.get(params.get('code') ?? '');
  if (!code) return oauthError(exchange, 400, 'invalid_grant', 'unknown authorization code');
  if (code.used) return oauthError(exchange, 400, 'invalid_grant', 'the authorization code was already used');
  code.used = true;
  if (code.clientId !== clientId) return oauthError(exchange, 400, 'invalid_grant', 'the code was issued to another client');
  if (params.get('redirect_uri') !== code.redirectUri) return oauthError(exchange, 400, 'invalid_grant', 'redirect_uri differs from the authorization request');
  if (code.challenge !== undefined) {
    const verifier = params.get('code_verifier');
    if (!verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return oauthError(exchange, 400, 'invalid_grant', 'code_verifier missing or malformed');
    if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
      return oauthError(exchange, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    }
  }
  const grant = context.book.grant({ clientId, username: 'code-user', scope: code.scope });
  return granted(context, exchange, issueOAuth(context, grant, context.options.issueRefreshTokens ?? true), code.scope);
}

function refreshGrant(context: Context, exchange: Exchange, params: URLSearchParams, clientId: string): void {
  const rotate = context.options.rotateRefreshTokens ?? true;
  const grant: Grant | string = context.book.redeem(params.get('refresh_token') ?? '', { clientId, rotate, refuse: context.state.refuse.refreshTokens });
  if (typeof grant === 'string') return oauthError(exchange, 400, 'invalid_grant', grant);
  return granted(context, exchange, issueOAuth(context, grant, rotate), grant.scope);
}

function jwtBearerGrant(context: Context, exchange: Exchange, params: URLSearchParams): void {
  const policy = context.options.jwtBearer;
  if (!policy) return oauthError(exchange, 400, 'unsupported_grant_type', 'no jwt-bearer policy');
  const checked = checkAssertion(params.get('assertion') ?? '', policy, context.now(), context.seenJti);
  if (typeof checked === 'string') {
    context.state.assertionRejections.push(checked);
    return oauthError(exchange, 400, 'invalid_grant', checked);
  }
  context.state.assertions.push(checked);
  const grant = context.book.grant({ clientId: String(checked.iss), username: String(checked.sub), scope: policy.scope });
  return granted(context, exchange, issueOAuth(context, grant), policy.scope);
}

/** RFC 6749 §5.1, reshaped by the tokenAnswer option when a test plays a provider's own shape. */
function granted(context: Context, exchange: Exchange, issued: Issued, scope: string | undefined): void {
  const body: Record<string, unknown> = { access_token: issued.accessToken, token_type: 'Bearer' };
  if (issued.expiresIn !== null) body.expires_in = issued.expiresIn;
  if (issued.refreshToken !== undefined) body.refresh_token = issued.refreshToken;
  if (scope) body.scope = scope;
  send(exchange, 200, context.options.tokenAnswer?.(body) ?? body, { 'cache-control': 'no-store' });
}
