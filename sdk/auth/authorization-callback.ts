/**
 * Reads the authorization code grant's callback (RFC 6749 §4.1.2) before anything is done with
 * it, the way oauth4webapi's validateAuthResponse does: every parameter at most once (§3.1),
 * RFC 9207 `iss` checked against the manifest's issuer, then the error or the code and state, and
 * the declared callback values (callback-values.ts).
 * A pure function: it either returns the code and state or throws, and nothing has been consumed
 * when it throws. So a forged or misrouted callback cannot cancel the user's genuine pending
 * authorization (its state stays single-use and expires after 10 minutes; PKCE binds the code).
 * OAuth 1.0a's callback (oauth_token, oauth_verifier) is read here too, when the flow says so.
 */
import { AuthError } from '../errors.js';
import { show } from '../manifest/message-text.js';
import type { CallbackRules } from './auth-strategy.js';

/** The callback URL, its query string, or its parameters (a framework's parsed query: repeated values come as arrays). */
export type AuthorizationCallback = string | URL | URLSearchParams | Record<string, string>;

/** RFC 6749 §3.1: response parameters must not be included more than once. */
const SINGLE_VALUED = ['code', 'state', 'iss', 'error', 'error_description'] as const;

/** The code and state of a callback, or an AuthError saying what is wrong with it. */
export function readAuthorizationCallback(callback: AuthorizationCallback, rules: CallbackRules): { code: string; state: string; values: Record<string, string> } {
  const params = callbackParams(callback);
  if (rules.protocol === 'oauth1') return readOAuth1Callback(params);
  for (const name of SINGLE_VALUED) {
    if (params.getAll(name).length > 1) {
      throw new AuthError(`the authorization callback carries "${name}" more than once: refused, a response parameter may appear only once (RFC 6749 §3.1)`);
    }
  }
  checkIssuer(params.get('iss'), rules);
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    throw new AuthError(`the user's authorization ended with "${error}"${description ? `: ${description}` : ''}`, { oauthError: error });
  }
  const code = params.get('code');
  const state = params.get('state');
  if (!code || !state) throw new AuthError('the authorization callback carries no code or no state');
  return { code, state, values: rules.values(params) };
}

/**
 * OAuth 1.0a (RFC 5849 §2.2): the temporary token (the pending authorization's state) and the
 * verifier (the code), each at most once. X sends `denied=<token>` when the user declines.
 */
function readOAuth1Callback(params: URLSearchParams): { code: string; state: string; values: Record<string, string> } {
  for (const name of ['oauth_token', 'oauth_verifier', 'denied']) {
    if (params.getAll(name).length > 1) throw new AuthError(`the authorization callback carries "${name}" more than once: refused`);
  }
  if (params.has('denied')) throw new AuthError("the user's authorization ended with \"denied\": the user declined", { oauthError: 'access_denied' });
  const state = params.get('oauth_token');
  const code = params.get('oauth_verifier');
  if (!state || !code) throw new AuthError('the OAuth 1.0a authorization callback carries no oauth_token or no oauth_verifier');
  return { code, state, values: {} };
}

/**
 * RFC 9207 mix-up protection. An `iss` must equal the declared issuer exactly (simple string
 * comparison, §2.4); a server that advertises the parameter must send it. An `iss` while the
 * manifest declares no issuer is ignored: there is nothing to compare it with.
 */
function checkIssuer(iss: string | null, rules: CallbackRules): void {
  if (iss === null) {
    if (!rules.issRequired) return;
    throw new AuthError(
      `mix-up protection (RFC 9207) refused the authorization callback: it carries no "iss", yet ${rules.pointer}/authorization_response_iss_parameter_supported says the server always sends it`,
    );
  }
  if (rules.issuer === undefined || iss === rules.issuer) return;
  throw new AuthError(
    `mix-up protection (RFC 9207) refused the authorization callback: it comes from issuer ${show(iss)}, not ${show(rules.issuer)} (${rules.pointer}/issuer); start again with authorizationUrl()`,
  );
}

function callbackParams(callback: AuthorizationCallback): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  if (callback instanceof URL) return callback.searchParams;
  if (typeof callback === 'string') {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(callback)) return new URLSearchParams(callback);
    try {
      return new URL(callback).searchParams;
    } catch {
      throw new AuthError('the authorization callback is not a valid URL');
    }
  }
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(callback as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) params.append(name, String(item));
  }
  return params;
}

