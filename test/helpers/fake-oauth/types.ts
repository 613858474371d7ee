/** The options, records and interface of the fake authorization server and protected API. */
import type { IncomingHttpHeaders } from 'node:http';
import type { KeyObject } from 'node:crypto';

export type ClientAuthMethod = 'basic' | 'post' | 'none';

export interface OAuthClient {
  id: string;
  /** Absent: a public client (authenticates with client_id alone). */
  secret?: string;
  /** How the client must authenticate at the token endpoint; default: any method its secret allows. */
  auth?: ClientAuthMethod;
  /** Exact redirect URIs registered for the authorization code grant; default: the server's own callbackUrl. */
  redirectUris?: string[];
}

export interface JwtBearerPolicy {
  /** kid → public key; an assertion without kid is checked against the only key. */
  keys: Record<string, KeyObject>;
  issuer: string;
  subject: string;
  audience: string;
  scope?: string;
  /** exp − iat may not exceed this (Google: 3600). */
  maxLifetimeSeconds: number;
  /** How far iat may lie in the server's future (clock skew allowance). */
  skewSeconds: number;
}

/** The Locoia-style login (`/token`) and refresh (`/refresh`) endpoints. */
export interface LoginOptions {
  /** Where the session token travels in login and refresh answers. Default 'body'. */
  tokenIn?: 'body' | 'header' | 'cookie';
  /** Issue refresh tokens with logins (and rotated ones with refreshes). Default false. */
  refreshTokens?: boolean;
  /** How a refresh answer without a new refresh token leaves it out. Default 'missing'. */
  refreshOmits?: 'missing' | 'null' | 'empty';
  /** Nest refresh answers as {data: {token, renewal, expires_in}} (for refresh_response_* paths). */
  nestedRefreshResponse?: boolean;
  /** Attributes appended to the session cookie (tokenIn 'cookie'). */
  cookieAttributes?: string;
  /** How long the server honours a session token (ms, its own clock); default: until invalidated (expires_in is advisory). */
  sessionLifetimeMs?: number;
}

export interface ApiOptions {
  /** A Set-Cookie line added to every 200 answer (a load balancer's cookie). */
  setCookie?: string;
  /** Accept only RS256 JWT access tokens signed by this issuer's JWKS, instead of the tokens this server issued. */
  jwt?: { jwksUrl: string; issuer: string; requiredScope?: string };
}

/** Read on every request: a test may change them while the server runs. */
export interface FakeOAuthOptions {
  /** The server's clock (epoch ms): lifetimes and assertion times are judged by it. */
  now?: () => number;
  /** expires_in sent with access tokens (seconds); null: none sent (and, at /oauth/token, none enforced). Default 3600. */
  expiresIn?: number | string | null;
  /** Delay before answering token requests (ms), to widen races. */
  tokenDelayMs?: number;
  /** Issue a new refresh token on each refresh and spend the presented one. Default true. */
  rotateRefreshTokens?: boolean;
  /** Default: one confidential client, client-1 with the tests' CLIENT_SECRET. */
  clients?: OAuthClient[];
  /** username → password, for the password grant. */
  users?: Record<string, string>;
  /** Issue refresh tokens with the password and authorization code grants. Default true. */
  issueRefreshTokens?: boolean;
  /**
   * The encoding /oauth/token and /oauth/revoke accept: 'form' (default, RFC 6749 and RFC 7009) or
   * 'json' (application/json only, one object of string values; a form is refused).
   */
  tokenRequestFormat?: 'form' | 'json';
  /**
   * Reshapes each RFC 6749 §5.1 answer of /oauth/token before it is sent, as providers do: the
   * token nested (Slack's authed_user), no token_type, expires_in in milliseconds or as a duration.
   */
  tokenAnswer?: (answer: Record<string, unknown>) => unknown;
  /** Codes are bound to a challenge and the token request must carry its verifier. Default true. */
  requirePkce?: boolean;
  /** RFC 9207: the issuer identifier sent as `iss` on every authorization response; undefined sends none. */
  issuer?: string;
  jwtBearer?: JwtBearerPolicy;
  login?: LoginOptions;
  api?: ApiOptions;
}

export interface TokenRequestRecord {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as parameters (JSON bodies are flattened one level). */
  params: URLSearchParams;
  /** How the client authenticated, when it did. */
  clientAuth?: { method: ClientAuthMethod; clientId: string };
}

export interface ApiRequestRecord {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/**
 * One fault, consumed by one request to its path, after the request is counted and recorded:
 * a status (answered with `{error: 'temporarily_unavailable'}`), a canned answer, a redirect
 * (307 by default), an RFC 6750 challenge, a delay before acting normally, 'drop' (close the
 * connection before acting), 'lost' (act, e.g. rotate, then close it before answering) or
 * 'hang' (never answer).
 */
export type Fault =
  | number
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { redirect: string; status?: number }
  | { challenge: 'invalid_token' | 'insufficient_scope' }
  | { delayMs: number }
  | 'drop'
  | 'lost'
  | 'hang';

/** Who an access token was issued to. */
export interface GrantFields {
  clientId: string;
  username?: string;
  scope?: string;
}

/** Extra endpoints a test adds; they may issue tokens the API accepts. */
export type Route = (request: {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  query: URLSearchParams;
  issue: (grant: GrantFields) => { accessToken: string; expiresIn: number | null };
}) => { status: number; body: unknown; headers?: Record<string, string> };

export interface FakeOAuth {
  url: string;
  /** The RFC 6749 token endpoint, /oauth/token. */
  tokenUrl: string;
  authorizeUrl: string;
  /** The RFC 7009 revocation endpoint, /oauth/revoke. */
  revocationUrl: string;
  /** A registered redirect URI served by this server: it answers 200 and records the callback. */
  callbackUrl: string;
  /** The Locoia-style login endpoint, /token, and its refresh endpoint, /refresh. */
  loginUrl: string;
  refreshUrl: string;
  /** Requests per path. */
  counts: Record<string, number>;
  /** Requests at /oauth/token per grant_type (those that reached the grant logic). */
  grants: Record<string, number>;
  /** Requests to /oauth/token, /token and /refresh, in order. */
  tokenRequests: TokenRequestRecord[];
  /** Requests to /oauth/revoke, in order. */
  revocations: TokenRequestRecord[];
  /** Requests to /api/…, in order. */
  apiRequests: ApiRequestRecord[];
  /** Callback URLs the browser-less user agent landed on. */
  callbacks: string[];
  /** Claims of every assertion the jwt-bearer grant accepted, and why others were refused. */
  assertions: Record<string, unknown>[];
  assertionRejections: string[];
  /** api.jwt mode: claims of every access token the API accepted, why others were refused, JWKS fetches. */
  accepted: Record<string, unknown>[];
  refused: string[];
  jwksFetches: number;
  options: FakeOAuthOptions;
  /** Extra endpoints by path; they take precedence over the built-in ones. */
  routes: Record<string, Route>;
  /** Pending faults per path (see inject). */
  faults: Record<string, Fault[]>;
  /** From now on, refuse every client authentication / refresh token / access token. */
  refuse: { clients: boolean; refreshTokens: boolean; accessTokens: boolean };
  /**
   * Called with each token request once it is recorded, before the server acts on it (and
   * before tokenDelayMs); the answer waits for a returned promise.
   */
  onTokenRequest?: (path: string, body: string) => void | Promise<void>;
  /** Queues faults for the next requests to a path, one per request. */
  inject(path: string, ...faults: Fault[]): void;
  /** Server-side revocation of every access token issued so far. */
  invalidateAccessTokens(): void;
  /** Refresh tokens currently valid, oldest first. */
  liveRefreshTokens(): string[];
  /** The refresh token issued last. */
  latestRefreshToken(): string | undefined;
  /** Requests that reached /oauth/token. */
  tokenRequestCount(): number;
  /** Closes every socket, then the server. */
  close(): Promise<void>;
}
