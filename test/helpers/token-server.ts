/**
 * A configurable token server and protected API on 127.0.0.1, for the token lifecycle tests.
 * It counts every request per path, issues canary tokens (registered with the secret
 * scanner), rotates refresh tokens and rejects reused ones, and can be told to refuse.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { registerSecret } from './secret-scan.js';

export interface TokenServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Where the access token travels in the authorization (and refresh) response. */
  tokenIn?: 'body' | 'header' | 'cookie';
  /** expires_in sent in the body (seconds); null: none. */
  expiresIn?: number | string | null;
  /** Server-side lifetime of access tokens (ms); default: until invalidated. */
  serverLifetimeMs?: number;
  issueRefreshToken?: boolean;
  rotateRefreshTokens?: boolean;
  /** How a refresh response leaves out the refresh token. */
  refreshOmits?: 'missing' | 'null' | 'empty';
  /** Nest refresh responses as {data: {token, renewal}} (for refresh_response_* paths). */
  nestedRefreshResponse?: boolean;
  /** Cookie attributes for tokenIn 'cookie'. */
  cookieAttributes?: string;
  /** A Set-Cookie line the API adds to every answer (a load balancer's cookie). */
  apiSetCookie?: string;
  now?: () => number;
}

export interface TokenServer {
  url: string;
  counts: Record<string, number>;
  /** Bodies of token and refresh requests, in order. */
  tokenRequests: { path: string; body: string; headers: IncomingMessage['headers'] }[];
  /** Headers of API requests, in order. */
  apiRequests: IncomingMessage['headers'][];
  options: TokenServerOptions;
  rejectAuthorization: boolean;
  rejectRefresh: boolean;
  /** The API answers 401 even to valid tokens. */
  apiAlwaysUnauthorized: boolean;
  /** Delay before token responses (ms), to widen races. */
  tokenDelayMs: number;
  /**
   * Faults per path, consumed one per request: a status to answer with, 'reset' (drop the
   * connection before acting), 'lost' (act, e.g. rotate, then drop the connection before
   * answering) or a redirect to a URL.
   */
  faults: Record<string, (number | 'reset' | 'lost' | { redirect: string })[]>;
  /**
   * Called with each token or refresh request once it is recorded, before the server acts on it
   * (and before tokenDelayMs); the answer waits for a returned promise. Unset: nothing happens.
   */
  onTokenRequest?: (path: string, body: string) => void | Promise<void>;
  /** Revokes every access token issued so far (server-side expiry). */
  invalidateAccessTokens(): void;
  latestRefreshToken(): string | undefined;
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const clientId = options.clientId ?? 'client-1';
  const clientSecret = options.clientSecret ?? 'SECRET-canary-client-secret';
  registerSecret(clientSecret);
  const now = options.now ?? Date.now;
  const validAccess = new Map<string, number>(); // token → issued at
  const validRefresh = new Set<string>();
  let latestRefresh: string | undefined;
  let counter = 0;
  const sockets = new Set<Socket>();

  const issue = (prefix: string): string => {
    const token = `${prefix}-canary-${++counter}-${randomBytes(6).toString('hex')}`;
    registerSecret(token);
    return token;
  };

  const state: TokenServer = {
    url: '',
    counts: {},
    tokenRequests: [],
    apiRequests: [],
    options,
    rejectAuthorization: false,
    rejectRefresh: false,
    apiAlwaysUnauthorized: false,
    tokenDelayMs: 0,
    faults: {},
    invalidateAccessTokens: () => validAccess.clear(),
    latestRefreshToken: () => latestRefresh,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const grant = async (response: ServerResponse, refresh: boolean, oldRefresh?: string): Promise<void> => {
    if (state.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, state.tokenDelayMs));
    const access = issue('tok');
    validAccess.set(access, now());
    let refreshToken: string | undefined;
    if (options.issueRefreshToken && (!refresh || options.rotateRefreshTokens)) {
      refreshToken = issue('rt');
      validRefresh.add(refreshToken);
      if (oldRefresh) validRefresh.delete(oldRefresh);
      latestRefresh = refreshToken;
    }
    const body: Record<string, unknown> = { token_type: 'Bearer' };
    if (options.expiresIn !== null) body.expires_in = options.expiresIn ?? 3600;
    const tokenIn = options.tokenIn ?? 'body';
    if (tokenIn === 'body') body.access_token = access;
    if (tokenIn === 'header') response.setHeader('x-auth-token', access);
    if (tokenIn === 'cookie') {
      response.setHeader('set-cookie', [
        `tracking=t1; Path=/`,
        `SESSIONAUTH=${access}; Path=/; HttpOnly${options.cookieAttributes ?? ''}`,
      ]);
    }
    if (refreshToken !== undefined) body.refresh_token = refreshToken;
    else if (refresh && options.refreshOmits === 'null') body.refresh_token = null;
    else if (refresh && options.refreshOmits === 'empty') body.refresh_token = '';
    const payload = refresh && options.nestedRefreshResponse
      ? { data: { token: body.access_token, renewal: body.refresh_token, expires_in: body.expires_in } }
      : body;
    json(response, 200, payload);
  };

  const tokenValid = (token: string | undefined): boolean => {
    if (!token) return false;
    const issued = validAccess.get(token);
    if (issued === undefined) return false;
    return options.serverLifetimeMs === undefined || now() - issued < options.serverLifetimeMs;
  };

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    state.counts[url.pathname] = (state.counts[url.pathname] ?? 0) + 1;
    const body = await readBody(request);
    if (url.pathname === '/token' || url.pathname === '/refresh') {
      state.tokenRequests.push({ path: url.pathname, body, headers: request.headers });
      await state.onTokenRequest?.(url.pathname, body);
    }
    const fault = state.faults[url.pathname]?.shift();
    if (fault === 'reset') return void request.socket.destroy();
    if (typeof fault === 'number') return json(response, fault, { error: 'temporarily_unavailable' });
    if (typeof fault === 'object') {
      response.writeHead(307, { location: fault.redirect, 'content-length': 0 });
      return void response.end();
    }
    if (fault === 'lost') {
      // Act on the request, then lose the answer: the client cannot know what happened.
      const swallow = response as ServerResponse & { __lost?: boolean };
      swallow.__lost = true;
    }
    if (url.pathname === '/token') {
      const params = new URLSearchParams(body.trim().startsWith('{') ? Object.entries(JSON.parse(body) as Record<string, string>) : body);
      if (params.get('grant_type') === 'refresh_token') return refreshGrant(params.get('refresh_token'), response);
      if (state.rejectAuthorization || params.get('client_id') !== clientId || params.get('client_secret') !== clientSecret) {
        return json(response, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
      }
      return grant(response, false);
    }
    if (url.pathname === '/refresh') {
      const params = new URLSearchParams(body.trim().startsWith('{') ? Object.entries(JSON.parse(body) as Record<string, string>) : body);
      return refreshGrant(params.get('refresh_token'), response);
    }
    if (url.pathname.startsWith('/api/')) {
      state.apiRequests.push(request.headers);
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const cookie = /(?:^|;\s*)SESSIONAUTH=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
      if (state.apiAlwaysUnauthorized || !tokenValid(bearer ?? cookie)) {
        return json(response, 401, { error: 'unauthorized' });
      }
      if (options.apiSetCookie) response.setHeader('set-cookie', options.apiSetCookie);
      return json(response, 200, { data: { path: url.pathname, n: state.counts[url.pathname] } });
    }
    json(response, 404, { error: 'not found' });
  });

  const refreshGrant = (token: string | null, response: ServerResponse): Promise<void> | void => {
    if (state.rejectRefresh || !token || !validRefresh.has(token)) {
      if (token) validRefresh.clear(); // reuse of a rotated token revokes the family, as strict servers do
      return json(response, 400, { error: 'invalid_grant', error_description: 'refresh token is invalid' });
    }
    return grant(response, true, options.rotateRefreshTokens ? token : undefined);
  };

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  if ((response as ServerResponse & { __lost?: boolean }).__lost) return void response.socket?.destroy();
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
