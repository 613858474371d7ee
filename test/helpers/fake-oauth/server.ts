/**
 * The fake authorization server and protected API on 127.0.0.1 (node:http, a free port). Each
 * request is counted per path, recorded, offered to onTokenRequest (token endpoints), delayed
 * by tokenDelayMs (token endpoints), then answered by the next fault queued for its path or by
 * its endpoint. close() destroys every socket.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { registerSecret } from '../secret-scan.js';
import { protectedApi } from './api.js';
import { authorize, callback } from './authorize.js';
import { DEFAULT_CLIENTS, issueOAuth, type Context } from './context.js';
import { playFault } from './faults.js';
import { tokenEndpoint } from './grants.js';
import { delay, paramsOf, readExchange, send, type Exchange } from './http.js';
import { JwksKeys } from './jws.js';
import { loginEndpoint } from './login.js';
import { revocationEndpoint } from './revocation.js';
import { TokenBook } from './tokens.js';
import type { FakeOAuth, FakeOAuthOptions, GrantFields, TokenRequestRecord } from './types.js';

const TOKEN_PATHS = new Set(['/oauth/token', '/token', '/refresh']);

/**
 * @example
 * const server = await startFakeOAuth({ clients: [{ id: 'app', secret: 's3cret' }], expiresIn: 600 });
 * // … token_url: server.tokenUrl, base_url: server.url …
 * server.inject('/oauth/token', 503);
 * await server.close();
 */
export async function startFakeOAuth(options: FakeOAuthOptions = {}): Promise<FakeOAuth> {
  for (const client of options.clients ?? DEFAULT_CLIENTS) if (client.secret) registerSecret(client.secret);
  for (const password of Object.values(options.users ?? {})) registerSecret(password);
  const sockets = new Set<Socket>();
  const book = new TokenBook();
  const state = publicState(options, book, () => closeServer());
  const context: Context = {
    options,
    state,
    book,
    codes: new Map(),
    seenJti: new Set(),
    jwks: new JwksKeys(() => options.api?.jwt?.jwksUrl ?? '', () => state.jwksFetches++),
    now: () => (options.now ?? Date.now)(),
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    state.counts[path] = (state.counts[path] ?? 0) + 1;
    void readExchange(request, response)
      .then((exchange) => handle(context, exchange))
      .catch((error: unknown) => {
        if (response.headersSent) return void response.destroy();
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`fake-oauth: ${String(error)}`);
      });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const closeServer = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(state, {
    url,
    tokenUrl: `${url}/oauth/token`,
    authorizeUrl: `${url}/oauth/authorize`,
    revocationUrl: `${url}/oauth/revoke`,
    callbackUrl: `${url}/callback`,
    loginUrl: `${url}/token`,
    refreshUrl: `${url}/refresh`,
  });
  return state;
}

function publicState(options: FakeOAuthOptions, book: TokenBook, close: () => Promise<void>): FakeOAuth {
  const state: FakeOAuth = {
    // Set once the server listens.
    url: '',
    tokenUrl: '',
    authorizeUrl: '',
    revocationUrl: '',
    callbackUrl: '',
    loginUrl: '',
    refreshUrl: '',
    counts: {},
    grants: {},
    tokenRequests: [],
    revocations: [],
    apiRequests: [],
    callbacks: [],
    assertions: [],
    assertionRejections: [],
    accepted: [],
    refused: [],
    jwksFetches: 0,
    options,
    routes: {},
    faults: {},
    refuse: { clients: false, refreshTokens: false, accessTokens: false },
    inject: (path, ...faults) => void (state.faults[path] ??= []).push(...faults),
    invalidateAccessTokens: () => book.invalidateAccess(),
    liveRefreshTokens: () => book.liveRefreshTokens(),
    latestRefreshToken: () => book.latestRefreshToken(),
    tokenRequestCount: () => state.counts['/oauth/token'] ?? 0,
    close,
  };
  return state;
}

async function handle(context: Context, exchange: Exchange): Promise<void> {
  const { state, options } = context;
  const path = exchange.url.pathname;
  const route = state.routes[path];
  const record = tokenRecord(exchange);
  if (route) {
    if (await faulted(state, exchange)) return;
    const { method, headers, body } = exchange;
    const issue = (fields: GrantFields) => issueOAuth(context, context.book.grant(fields));
    const answer = route({ method, headers, body, query: exchange.url.searchParams, issue });
    return send(exchange, answer.status, answer.body, answer.headers);
  }
  if (TOKEN_PATHS.has(path)) {
    state.tokenRequests.push(record);
    await state.onTokenRequest?.(path, exchange.body);
    if (options.tokenDelayMs) await delay(options.tokenDelayMs);
  }
  if (path === '/oauth/revoke') state.revocations.push(record);
  if (path.startsWith('/api/')) state.apiRequests.push({ path, query: exchange.url.searchParams, headers: exchange.headers });
  if (await faulted(state, exchange)) return;
  if (path === '/oauth/token') return tokenEndpoint(context, exchange, record);
  if (path === '/token' || path === '/refresh') return loginEndpoint(context, exchange, record);
  if (path === '/oauth/revoke') return revocationEndpoint(context, exchange, record);
  if (path === '/oauth/authorize' && exchange.method === 'GET') return authorize(context, exchange);
  if (path === '/callback') return callback(context, exchange);
  if (path.startsWith('/api/')) return protectedApi(context, exchange);
  send(exchange, 404, { error: 'not_found' });
}

function tokenRecord(exchange: Exchange): TokenRequestRecord {
  const { method, headers, body } = exchange;
  return { path: exchange.url.pathname, method, headers, body, params: paramsOf(body, headers) };
}

async function faulted(state: FakeOAuth, exchange: Exchange): Promise<boolean> {
  const fault = state.faults[exchange.url.pathname]?.shift();
  return fault !== undefined && (await playFault(exchange, fault));
}
