/**
 * The authorization endpoint (/oauth/authorize, RFC 6749 §4.1.1) and the redirect URI the
 * server hosts (/callback). The endpoint redirects only to registered redirect URIs, binds each
 * single-use code to its client, redirect URI, scope and PKCE challenge, echoes the state and,
 * when configured, adds RFC 9207 `iss`.
 */
import { clientsOf, type Context } from './context.js';
import { oauthError, redirect, send, type Exchange } from './http.js';

export function authorize(context: Context, exchange: Exchange): void {
  const query = exchange.url.searchParams;
  const client = clientsOf(context.options).get(query.get('client_id') ?? '');
  const redirectUri = query.get('redirect_uri') ?? '';
  // RFC 6749 §4.1.2.1: never redirect to an unverified URI.
  if (!client) return oauthError(exchange, 400, 'invalid_client', 'unknown client_id');
  if (!(client.redirectUris ?? [context.state.callbackUrl]).includes(redirectUri)) {
    return oauthError(exchange, 400, 'invalid_request', 'redirect_uri is not registered');
  }
  const target = new URL(redirectUri);
  const state = query.get('state');
  // RFC 9207 §2: iss goes on error responses as well as on successful ones.
  if (context.options.issuer !== undefined) target.searchParams.set('iss', context.options.issuer);
  const answer = (name: 'code' | 'error', value: string): void => {
    target.searchParams.set(name, value);
    if (state) target.searchParams.set('state', state);
    redirect(exchange, 302, target.toString());
  };
  if (query.get('response_type') !== 'code') return answer('error', 'unsupported_response_type');
  const challenge = query.get('code_challenge') ?? undefined;
  if ((context.options.requirePkce ?? true) && (!challenge || query.get('code_challenge_method') !== 'S256')) {
    return answer('error', 'invalid_request');
  }
  const code = context.book.mint('code');
  context.codes.set(code, { clientId: client.id, redirectUri, scope: query.get('scope') ?? undefined, challenge, used: false });
  answer('code', code);
}

/** The browser lands here: record the URL, say it is done. */
export function callback(context: Context, exchange: Exchange): void {
  context.state.callbacks.push(`${context.state.url}${exchange.url.pathname}${exchange.url.search}`);
  send(exchange, 200, 'You may close this window.');
}
