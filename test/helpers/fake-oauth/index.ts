/**
 * One configurable fake OAuth 2.0 authorization server and protected API on 127.0.0.1, for
 * every auth and token-lifecycle test:
 *
 * - /oauth/token (RFC 6749): client authentication (§2.3.1), password, client_credentials,
 *   authorization_code with PKCE S256, refresh_token with rotation and replay detection, and
 *   RFC 7523 jwt-bearer assertions verified with the policy's public keys;
 * - /oauth/authorize and /callback: registered redirect URIs, state, RFC 9207 `iss`;
 * - /oauth/revoke (RFC 7009);
 * - /token and /refresh: Locoia-style login and refresh, the token in the body, a header or a
 *   Set-Cookie;
 * - /api/…: the protected API, which checks the tokens it issued (or JWTs against a JWKS) and
 *   answers RFC 6750 challenges;
 * - per path: request counts, records, injected faults (status, canned answer, redirect,
 *   challenge, delay, drop, lost answer, hang); test-defined extra routes.
 *
 * Every token is a canary registered with the secret scanner. A real server, not a mock: it
 * parses what it receives and refuses what a strict server refuses.
 */
export { startFakeOAuth } from './server.js';
export { JWT_BEARER_GRANT } from './grants.js';
export { formDecode } from './http.js';
export type * from './types.js';
