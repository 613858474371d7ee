/**
 * A small but strict OAuth 2.0 authorization server and protected API on 127.0.0.1, for the
 * auth-method tests. It implements the grants the SDK speaks (password, client_credentials,
 * authorization_code with PKCE, refresh_token, RFC 7523 jwt-bearer) and checks what a real
 * server checks: client authentication (RFC 6749 §2.3.1, form-encoded Basic), registered
 * redirect URIs, single-use codes bound to their PKCE challenge, rotating refresh tokens,
 * RS256 assertions with their claims and jti replay. It counts every request per path and
 * per grant, issues canary tokens registered with the secret scanner, can add RFC 9207 `iss` to
 * its authorization responses, and can be told to answer the next token requests or API calls
 * with a fault.
 */
import { createHash, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { registerSecret } from './secret-scan.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

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

export interface OAuthServerOptions {
  clients?: OAuthClient[];
  /** username → password. */
  users?: Record<string, string>;
  /** The server's clock (epoch ms): token lifetimes and assertion times are judged by it. */
  now?: () => number;
  /** expires_in of issued access tokens; null: none sent (and none enforced). Default 3600. */
  expiresIn?: number | null;
  /** Issue refresh tokens with password and authorization code grants. Default true. */
  issueRefreshTokens?: boolean;
  /** Issue a new refresh token on each refresh and revoke the presented one. Default true. */
  rotateRefreshTokens?: boolean;
  /** Codes are bound to a challenge and the token request must carry its verifier. Default true. */
  requirePkce?: boolean;
  jwtBearer?: JwtBearerPolicy;
  /** Delay before answering token requests (ms), to widen races. */
  tokenDelayMs?: number;
  /** RFC 9207: the issuer identifier sent as `iss` on every authorization response; undefined sends none. */
  issuer?: string;
}

export interface TokenRequestRecord {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as form parameters (JSON bodies are flattened one level). */
  params: URLSearchParams;
  /** How the client authenticated, when it did. */
  clientAuth?: { method: ClientAuthMethod; clientId: string };
}

export interface ApiRequestRecord {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** A canned answer for the next token request (consumed one per request, before any check). */
export interface TokenFault {
  status: number;
  body: unknown;
}

/** A canned answer for the next API call, whatever its token. */
export type ApiFault = 'invalid_token' | 'insufficient_scope';

export interface IssuedToken {
  clientId: string;
  username?: string;
  scope?: string;
  /** Server clock, epoch ms; undefined: no expiry. */
  expiresAt?: number;
}

/** Extra endpoints a test adds (a custom token endpoint, say); they may issue tokens the API accepts. */
export type Route = (request: {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  query: URLSearchParams;
  issue: (grant: IssuedToken) => { accessToken: string; expiresIn: number | null };
}) => { status: number; body: unknown; headers?: Record<string, string> };

export interface OAuthServer {
  url: string;
  tokenUrl: string;
  authorizeUrl: string;
  /** A registered redirect URI served by this server: it answers 200 and records the callback. */
  callbackUrl: string;
  /** Requests per path. */
  counts: Record<string, number>;
  /** Token requests per grant_type (only those that reached the grant logic). */
  grants: Record<string, number>;
  tokenRequests: TokenRequestRecord[];
  apiRequests: ApiRequestRecord[];
  /** Callback URLs the browser-less user agent landed on. */
  callbacks: string[];
  /** Claims of every assertion the jwt-bearer grant accepted. */
  assertions: Record<string, unknown>[];
  /** Why assertions were refused, in order. */
  assertionRejections: string[];
  tokenFaults: TokenFault[];
  apiFaults: ApiFault[];
  options: OAuthServerOptions;
  routes: Record<string, Route>;
  /** Server-side revocation of every access token issued so far. */
  invalidateAccessTokens(): void;
  /** Refresh tokens currently valid. */
  liveRefreshTokens(): string[];
  /** Total requests that reached the token endpoint. */
  tokenRequestCount(): number;
  close(): Promise<void>;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  scope?: string;
  challenge?: string;
  used: boolean;
}

export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<OAuthServer> {
  const now = options.now ?? Date.now;
  const clients = new Map((options.clients ?? []).map((client) => [client.id, client]));
  for (const client of clients.values()) if (client.secret) registerSecret(client.secret);
  for (const password of Object.values(options.users ?? {})) registerSecret(password);
  const accessTokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, { clientId: string; username?: string; scope?: string }>();
  const codes = new Map<string, CodeGrant>();
  const seenJti = new Set<string>();
  const sockets = new Set<Socket>();
  let counter = 0;

  const mint = (prefix: string): string => {
    const token = `${prefix}-canary-${++counter}-${randomBytes(8).toString('hex')}`;
    registerSecret(token);
    return token;
  };

  const issue = (grant: IssuedToken & { refresh?: boolean }) => {
    const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
    const accessToken = mint('at');
    accessTokens.set(accessToken, {
      clientId: grant.clientId,
      username: grant.username,
      scope: grant.scope,
      expiresAt: expiresIn === null ? undefined : now() + expiresIn * 1000,
    });
    let refreshToken: string | undefined;
    if (grant.refresh) {
      refreshToken = mint('rt');
      refreshTokens.set(refreshToken, { clientId: grant.clientId, username: grant.username, scope: grant.scope });
    }
    return { accessToken, refreshToken, expiresIn };
  };

  const state: OAuthServer = {
    url: '',
    tokenUrl: '',
    authorizeUrl: '',
    callbackUrl: '',
    counts: {},
    grants: {},
    tokenRequests: [],
    apiRequests: [],
    callbacks: [],
    assertions: [],
    assertionRejections: [],
    tokenFaults: [],
    apiFaults: [],
    options,
    routes: {},
    invalidateAccessTokens: () => accessTokens.clear(),
    liveRefreshTokens: () => [...refreshTokens.keys()],
    tokenRequestCount: () => state.counts['/oauth/token'] ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const tokenEndpoint = async (request: IncomingMessage, body: string, response: ServerResponse): Promise<void> => {
    const params = formOrJson(body, request.headers['content-type']);
    const record: TokenRequestRecord = { path: '/oauth/token', method: request.method ?? '', headers: request.headers, body, params };
    state.tokenRequests.push(record);
    if (options.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, options.tokenDelayMs));
    const fault = state.tokenFaults.shift();
    if (fault) return send(response, fault.status, fault.body);
    if (request.method !== 'POST') return oauthError(response, 400, 'invalid_request', 'the token endpoint takes POST');
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
      return oauthError(response, 400, 'invalid_request', 'the token request must be form-encoded');
    }
    const grantType = params.get('grant_type') ?? '';
    state.grants[grantType] = (state.grants[grantType] ?? 0) + 1;

    // The jwt-bearer grant authenticates with the assertion itself.
    if (grantType === JWT_BEARER_GRANT) return jwtBearerGrant(params, response);

    const client = authenticateClient(request.headers, params, clients);
    if ('error' in client) return oauthError(response, 401, 'invalid_client', client.error, { 'www-authenticate': 'Basic realm="token"' });
    record.clientAuth = { method: client.method, clientId: client.client.id };
    const clientId = client.client.id;
    const refreshing = options.issueRefreshTokens ?? true;

    switch (grantType) {
      case 'password': {
        const username = params.get('username') ?? '';
        const password = params.get('password');
        const expected = options.users?.[username];
        if (expected === undefined || password !== expected) {
          return oauthError(response, 400, 'invalid_grant', 'the resource owner credentials are wrong');
        }
        return granted(response, issue({ clientId, username, scope: params.get('scope') ?? undefined, refresh: refreshing }), params.get('scope'));
      }
      case 'client_credentials':
        // RFC 6749 §4.4.3: no refresh token.
        return granted(response, issue({ clientId, scope: params.get('scope') ?? undefined }), params.get('scope'));
      case 'authorization_code': {
        const code = codes.get(params.get('code') ?? '');
        if (!code) return oauthError(response, 400, 'invalid_grant', 'unknown authorization code');
        if (code.used) return oauthError(response, 400, 'invalid_grant', 'the authorization code was already used');
        code.used = true;
        if (code.clientId !== clientId) return oauthError(response, 400, 'invalid_grant', 'the code was issued to another client');
        if (params.get('redirect_uri') !== code.redirectUri) return oauthError(response, 400, 'invalid_grant', 'redirect_uri differs from the authorization request');
        if (code.challenge !== undefined) {
          const verifier = params.get('code_verifier');
          if (!verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return oauthError(response, 400, 'invalid_grant', 'code_verifier missing or malformed');
          if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
            return oauthError(response, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
          }
        }
        return granted(response, issue({ clientId, username: 'code-user', scope: code.scope, refresh: refreshing }), code.scope ?? null);
      }
      case 'refresh_token': {
        const presented = params.get('refresh_token') ?? '';
        const grant = refreshTokens.get(presented);
        if (!grant || grant.clientId !== clientId) return oauthError(response, 400, 'invalid_grant', 'the refresh token is invalid');
        const rotate = options.rotateRefreshTokens ?? true;
        if (rotate) refreshTokens.delete(presented);
        const issued = issue({ ...grant, clientId, refresh: rotate });
        return granted(response, issued, grant.scope ?? null);
      }
      default:
        return oauthError(response, 400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported`);
    }
  };

  const jwtBearerGrant = (params: URLSearchParams, response: ServerResponse): void => {
    const policy = options.jwtBearer;
    if (!policy) return oauthError(response, 400, 'unsupported_grant_type', 'no jwt-bearer policy');
    const checked = checkAssertion(params.get('assertion') ?? '', policy, now(), seenJti);
    if (typeof checked === 'string') {
      state.assertionRejections.push(checked);
      return oauthError(response, 400, 'invalid_grant', checked);
    }
    state.assertions.push(checked);
    return granted(response, issue({ clientId: String(checked.iss), username: String(checked.sub), scope: policy.scope }), policy.scope ?? null);
  };

  const authorize = (query: URLSearchParams, response: ServerResponse): void => {
    const client = clients.get(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri') ?? '';
    // RFC 6749 §4.1.2.1: never redirect to an unverified URI.
    if (!client) return oauthError(response, 400, 'invalid_client', 'unknown client_id');
    if (!(client.redirectUris ?? [state.callbackUrl]).includes(redirectUri)) return oauthError(response, 400, 'invalid_request', 'redirect_uri is not registered');
    const target = new URL(redirectUri);
    const state_ = query.get('state');
    // RFC 9207 §2: iss goes on error responses as well as on successful ones.
    if (options.issuer !== undefined) target.searchParams.set('iss', options.issuer);
    const fail = (error: string): void => {
      target.searchParams.set('error', error);
      if (state_) target.searchParams.set('state', state_);
      response.writeHead(302, { location: target.toString(), 'content-length': 0 });
      response.end();
    };
    if (query.get('response_type') !== 'code') return fail('unsupported_response_type');
    const challenge = query.get('code_challenge') ?? undefined;
    if ((options.requirePkce ?? true) && (!challenge || query.get('code_challenge_method') !== 'S256')) return fail('invalid_request');
    const code = mint('code');
    codes.set(code, { clientId: client.id, redirectUri, scope: query.get('scope') ?? undefined, challenge, used: false });
    target.searchParams.set('code', code);
    if (state_) target.searchParams.set('state', state_);
    response.writeHead(302, { location: target.toString(), 'content-length': 0 });
    response.end();
  };

  const api = (request: IncomingMessage, url: URL, response: ServerResponse): void => {
    state.apiRequests.push({ path: url.pathname, query: url.searchParams, headers: request.headers });
    const fault = state.apiFaults.shift();
    if (fault === 'insufficient_scope') {
      return send(response, 403, { error: 'insufficient_scope' }, {
        'www-authenticate': 'Bearer realm="api", error="insufficient_scope", scope="admin"',
      });
    }
    // RFC 6750 §2.1 header, or §2.3 query parameter.
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token') ?? undefined;
    const grant = token === undefined ? undefined : accessTokens.get(token);
    const live = grant !== undefined && (grant.expiresAt === undefined || now() < grant.expiresAt);
    if (fault === 'invalid_token' || !live) {
      return send(response, 401, { error: 'invalid_token' }, {
        'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="the access token expired"',
      });
    }
    send(response, 200, { data: { path: url.pathname, client_id: grant.clientId, username: grant.username ?? null, scope: grant.scope ?? null } });
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    state.counts[url.pathname] = (state.counts[url.pathname] ?? 0) + 1;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const route = state.routes[url.pathname];
      if (route) {
        const answer = route({
          method: request.method ?? '',
          headers: request.headers,
          body,
          query: url.searchParams,
          issue: (grant) => {
            const issued = issue(grant);
            return { accessToken: issued.accessToken, expiresIn: issued.expiresIn };
          },
        });
        return send(response, answer.status, answer.body, answer.headers);
      }
      if (url.pathname === '/oauth/token') return void tokenEndpoint(request, body, response);
      if (url.pathname === '/oauth/authorize' && request.method === 'GET') return authorize(url.searchParams, response);
      if (url.pathname === '/callback') {
        state.callbacks.push(`${state.url}${url.pathname}${url.search}`);
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end('You may close this window.');
      }
      if (url.pathname.startsWith('/api/')) return api(request, url, response);
      send(response, 404, { error: 'not_found' });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.tokenUrl = `${state.url}/oauth/token`;
  state.authorizeUrl = `${state.url}/oauth/authorize`;
  state.callbackUrl = `${state.url}/callback`;
  return state;
}

/** RFC 6749 §2.3.1: Basic with form-encoded id and secret, or both in the body; never both ways. */
function authenticateClient(
  headers: IncomingHttpHeaders,
  params: URLSearchParams,
  clients: Map<string, OAuthClient>,
): { client: OAuthClient; method: ClientAuthMethod } | { error: string } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers.authorization ?? '')?.[1];
  let id: string | null;
  let secret: string | null;
  let method: ClientAuthMethod;
  if (basic !== undefined) {
    if (params.has('client_secret')) return { error: 'more than one client authentication method' };
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { error: 'malformed Basic credentials' };
    try {
      id = formDecode(decoded.slice(0, colon));
      secret = formDecode(decoded.slice(colon + 1));
    } catch {
      return { error: 'Basic credentials are not form-encoded' };
    }
    if (params.has('client_id') && params.get('client_id') !== id) return { error: 'client_id in the body differs from Basic' };
    method = 'basic';
  } else {
    id = params.get('client_id');
    secret = params.get('client_secret');
    method = secret === null ? 'none' : 'post';
  }
  const client = clients.get(id ?? '');
  if (!client) return { error: 'unknown client' };
  if (client.auth !== undefined && client.auth !== method) return { error: `this client must authenticate with ${client.auth}` };
  if (client.secret !== undefined ? secret !== client.secret : secret !== null) return { error: 'client authentication failed' };
  return { client, method };
}

/** Verifies an RFC 7523 assertion; returns its claims, or why it was refused. */
function checkAssertion(assertion: string, policy: JwtBearerPolicy, nowMs: number, seenJti: Set<string>): Record<string, unknown> | string {
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'the assertion is not a JWS compact serialization';
  const [encodedHeader = '', encodedClaims = '', signature = ''] = parts;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'the assertion header or claims are not JSON';
  }
  if (header.alg !== 'RS256') return `alg ${String(header.alg)} is not accepted`;
  const kids = Object.keys(policy.keys);
  const kid = typeof header.kid === 'string' ? header.kid : kids.length === 1 ? kids[0] : undefined;
  const key = kid === undefined ? undefined : policy.keys[kid];
  if (!key) return `unknown kid ${String(header.kid)}`;
  const valid = verify('RSA-SHA256', Buffer.from(`${encodedHeader}.${encodedClaims}`), key, Buffer.from(signature, 'base64url'));
  if (!valid) return 'the signature does not verify';
  const now = Math.floor(nowMs / 1000);
  const { iss, sub, aud, scope, iat, exp, jti } = claims;
  if (iss !== policy.issuer) return 'iss is not the service account';
  if (sub !== policy.subject) return 'sub is not the expected subject';
  if (aud !== policy.audience) return 'aud is not this token endpoint';
  if (policy.scope !== undefined && scope !== policy.scope) return 'scope differs';
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'iat and exp must be numbers';
  if (iat > now + policy.skewSeconds) return 'iat is in the future';
  if (exp <= now) return 'the assertion has expired';
  if (exp - iat > policy.maxLifetimeSeconds) return `exp - iat exceeds ${policy.maxLifetimeSeconds} s`;
  if (typeof jti !== 'string' || jti === '') return 'jti is missing';
  if (seenJti.has(jti)) return 'jti was used before (replay)';
  seenJti.add(jti);
  return claims;
}

function granted(
  response: ServerResponse,
  issued: { accessToken: string; refreshToken?: string; expiresIn: number | null },
  scope: string | null,
): void {
  const body: Record<string, unknown> = { access_token: issued.accessToken, token_type: 'Bearer' };
  if (issued.expiresIn !== null) body.expires_in = issued.expiresIn;
  if (issued.refreshToken !== undefined) body.refresh_token = issued.refreshToken;
  if (scope) body.scope = scope;
  send(response, 200, body, { 'cache-control': 'no-store' });
}

function oauthError(response: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  send(response, status, { error, error_description: description }, headers);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function formOrJson(body: string, contentType: string | undefined): URLSearchParams {
  if (/json/i.test(contentType ?? '')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return new URLSearchParams(
        Object.entries(parsed).map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
      );
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(body);
}

/** application/x-www-form-urlencoded decoding of one value. */
export function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
