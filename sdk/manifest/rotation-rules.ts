/**
 * `refresh_token_rotation` only decides what happens to a refresh whose answer was lost, so it
 * means nothing where no refresh is ever sent: a client-credentials grant (a new token is simply
 * requested), a refreshable_token without refresh_request_url, a token chain whose token has no
 * refresh token. Declared there it is a warning, not an error: the manifest works, but its
 * author probably believes a refresh is configured. (`== null`: Locoia writes absent fields as null.)
 */
import type { Schema } from './connector-schema.js';
import { warning, type Finding } from './finding.js';
import { isRecord } from './json-value.js';

/** Where the declaration sits, and why no refresh can happen there; undefined where it may. */
function unusedDeclaration(auth: Schema): { pointer: string; reason: string; hint: string } | undefined {
  if (auth.type === 'oauth2_client_credentials' && isRecord(auth.token_response) && auth.token_response.refresh_token_rotation !== undefined) {
    return {
      pointer: '/auth/token_response/refresh_token_rotation',
      reason: 'the client credentials grant never refreshes: it requests a new token',
      hint: 'remove refresh_token_rotation',
    };
  }
  if (auth.type === 'refreshable_token' && auth.refresh_token_rotation !== undefined && auth.refresh_request_url == null) {
    return {
      pointer: '/auth/refresh_token_rotation',
      reason: 'without refresh_request_url no refresh is sent: an expired token is obtained again with the credentials',
      hint: 'set refresh_request_url (with its body, headers and the refresh token path), or remove refresh_token_rotation',
    };
  }
  const refresh = auth.type === 'token_chain' && isRecord(auth.refresh) ? auth.refresh : undefined;
  if (refresh?.refresh_token_rotation !== undefined && (!isRecord(auth.token) || auth.token.refresh_token == null)) {
    return {
      pointer: '/auth/refresh/refresh_token_rotation',
      reason: 'token names no refresh_token, so the refresh steps never run: the chain runs again instead',
      hint: 'name the value that is the refresh token in token.refresh_token, or remove refresh_token_rotation',
    };
  }
  return undefined;
}

/**
 * Appends to `out` a warning when the auth block declares `refresh_token_rotation` where no refresh request can be sent.
 *
 * @example checkRotation({ type: 'oauth2_client_credentials', token_url: 'https://id.example.com/token', token_response: { refresh_token_rotation: false } }, out); // out: "/auth/token_response/refresh_token_rotation: … has no effect"
 */
export function checkRotation(auth: Schema, out: Finding[]): void {
  const unused = unusedDeclaration(auth);
  if (unused) out.push(warning(unused.pointer, `refresh_token_rotation has no effect: ${unused.reason}`, unused.hint));
}
