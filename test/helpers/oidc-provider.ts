/**
 * A real OAuth 2.0 / OpenID provider (oidc-provider) on 127.0.0.1, for tests of the token
 * lifecycle against a server whose refresh-token rules are not ours: refresh tokens are always
 * issued, and rotated at every refresh or not (`rotateRefreshToken`, per instance). With rotation
 * on, oidc-provider treats a refresh token presented twice as stolen: it revokes the whole grant,
 * so the refresh token the first use returned stops working too.
 *
 * The user's part of the authorization code flow is played headlessly: the interaction route of
 * this server logs the test user in and grants the requested scope itself, so following the
 * redirects with a cookie jar (`userAgent`) ends at the client's redirect URI with a code. Beside
 * the provider the same server has a protected API (`/api/items`, which checks the bearer token
 * with the provider's own store) and a login service (`/login`: user name and password → the
 * provider's token answer, for Locoia-style connectors whose authorization request takes
 * credentials). Every token-endpoint call is recorded with its grant type and the refresh token
 * it presented, and every token issued is registered with the secret scanner.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { Provider, type ProviderContext } from 'oidc-provider';
import { registerSecret } from './secret-scan.js';

/** A client registered with the provider: `basic` sends its secret in the Authorization header, `post` in the body. */
export interface OidcClient {
  id: string;
  secret: string;
  auth: 'basic' | 'post';
}

/** One call at the token endpoint, as the provider saw it. */
export interface TokenCall {
  grantType: string;
  /** The refresh token a refresh_token grant presented. */
  refreshToken?: string;
  status: number;
  /** The OAuth error code of a refused call (`invalid_grant`). */
  error?: string;
  /** The refresh token the answer carried. */
  issuedRefreshToken?: string;
}

/** The tokens of a successful token answer. */
export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
}

export interface OidcTestProvider {
  url: string;
  tokenUrl: string;
  authorizationUrl: string;
  redirectUri: string;
  /** Client authenticating with HTTP Basic (the oauth2 auth types). */
  basicClient: OidcClient;
  /** Client authenticating in the form body (hand-written refresh bodies). */
  postClient: OidcClient;
  user: { username: string; password: string };
  tokenCalls: TokenCall[];
  /** Grants the provider revoked (a refresh token used twice under rotation). */
  revokedGrants: string[];
  /** Requests at /api/items with their status; at /login with theirs. */
  apiCalls: number[];
  loginCalls: number[];
  /** The token calls of one grant type. */
  calls(grantType: string): TokenCall[];
  /** Plays the user: GET the authorization URL, follow the provider's redirects; returns the callback URL (code, state, iss). */
  userAgent(authorizationUrl: string): Promise<string>;
  /** A code flow of `client` straight against the provider (PKCE, no SDK): its token answer. */
  obtainTokens(client?: OidcClient): Promise<TokenAnswer>;
  /** A refresh_token grant of `client` straight against the provider: status and JSON body. */
  refresh(refreshToken: string, client?: OidcClient): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Whether the provider would still take `refreshToken` (found, not expired, not used under rotation, its grant alive). */
  refreshTokenValid(refreshToken: string): Promise<boolean>;
  close(): Promise<void>;
}

const CALLBACK_PATH = '/cb';
const USER = { username: 'ada', password: 'SECRET-oidc-user-password' };
const SCOPE = 'openid';

/** Starts a provider on 127.0.0.1 that rotates refresh tokens at every refresh or never. */
export async function startOidcProvider(options: { rotateRefreshToken: boolean }): Promise<OidcTestProvider> {
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const basicClient: OidcClient = { id: 'code-app', secret: `SECRET-oidc-basic-${randomBytes(8).toString('hex')}`, auth: 'basic' };
  const postClient: OidcClient = { id: 'login-app', secret: `SECRET-oidc-post-${randomBytes(8).toString('hex')}`, auth: 'post' };
  registerSecret(basicClient.secret, postClient.secret, USER.password);
  const provider = new Provider(url, await configuration(url, [basicClient, postClient], options.rotateRefreshToken));
  const state = testProvider(url, server, sockets, provider, { basicClient, postClient });
  provider.use(recordTokenCalls(state.tokenCalls));
  provider.on('grant.revoked', (_ctx, grantId) => state.revokedGrants.push(grantId));
  const handle = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void route(req, res, provider, state).then((handled) => {
      if (!handled) handle(req, res);
    });
  });
  return state;
}

async function configuration(url: string, clients: OidcClient[], rotateRefreshToken: boolean): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  return {
    clients: clients.map((client) => ({
      client_id: client.id,
      client_secret: client.secret,
      redirect_uris: [`${url}${CALLBACK_PATH}`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: client.auth === 'basic' ? 'client_secret_basic' : 'client_secret_post',
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    // Set, so the provider does not print a notice for each default it falls back to.
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 14 * 86_400, RefreshToken: 14 * 86_400 },
    issueRefreshToken: () => true,
    rotateRefreshToken,
  };
}

function testProvider(url: string, server: Server, sockets: Set<Socket>, provider: Provider, clients: Pick<OidcTestProvider, 'basicClient' | 'postClient'>): OidcTestProvider {
  const state: OidcTestProvider = {
    url,
    tokenUrl: `${url}/token`,
    authorizationUrl: `${url}/auth`,
    redirectUri: `${url}${CALLBACK_PATH}`,
    ...clients,
    user: USER,
    tokenCalls: [],
    revokedGrants: [],
    apiCalls: [],
    loginCalls: [],
    calls: (grantType) => state.tokenCalls.filter((call) => call.grantType === grantType),
    userAgent: (authorizationUrl) => followToCallback(authorizationUrl, state.redirectUri),
    obtainTokens: (client = clients.basicClient) => codeFlow(state, client),
    refresh: (refreshToken, client = clients.basicClient) => tokenRequest(state.tokenUrl, client, { grant_type: 'refresh_token', refresh_token: refreshToken }),
    refreshTokenValid: async (refreshToken) => {
      const token = await provider.RefreshToken.find(refreshToken);
      if (!token || token.isExpired || token.consumed) return false;
      return (await provider.Grant.find(token.grantId)) !== undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return state;
}

/** Koa middleware after the provider's own: what each token-endpoint call presented and got. */
function recordTokenCalls(calls: TokenCall[]): (ctx: ProviderContext, next: () => Promise<void>) => Promise<void> {
  return async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || ctx.method !== 'POST') return;
    const params = ctx.oidc?.params ?? {};
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    for (const key of ['access_token', 'refresh_token', 'id_token']) if (typeof body[key] === 'string') registerSecret(body[key]);
    calls.push({
      grantType: typeof params.grant_type === 'string' ? params.grant_type : '',
      ...(typeof params.refresh_token === 'string' ? { refreshToken: params.refresh_token } : {}),
      status: ctx.status,
      ...(typeof body.error === 'string' ? { error: body.error } : {}),
      ...(typeof body.refresh_token === 'string' ? { issuedRefreshToken: body.refresh_token } : {}),
    });
  };
}

/** The test server's own routes; false for what the provider answers. */
async function route(req: IncomingMessage, res: ServerResponse, provider: Provider, state: OidcTestProvider): Promise<boolean> {
  const path = new URL(req.url ?? '/', state.url).pathname;
  if (path.startsWith('/interaction/')) {
    await finishInteraction(req, res, provider);
  } else if (path === '/api/items') {
    await answerApi(req, res, provider, state.apiCalls);
  } else if (path === '/login' && req.method === 'POST') {
    await answerLogin(req, res, state);
  } else {
    return false;
  }
  return true;
}

/** The user logs in as the test user and grants what was asked: no page, a redirect back to the provider. */
async function finishInteraction(req: IncomingMessage, res: ServerResponse, provider: Provider): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: USER.username, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope ?? SCOPE));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: USER.username }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

/** The protected API: 200 with items for an access token the provider issued and still holds, else 401. */
async function answerApi(req: IncomingMessage, res: ServerResponse, provider: Provider, calls: number[]): Promise<void> {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const found = token === undefined ? undefined : await provider.AccessToken.find(token);
  const status = found && !found.isExpired ? 200 : 401;
  calls.push(status);
  const body = status === 200 ? { data: [{ id: 1 }, { id: 2 }] } : { error: 'invalid_token' };
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {}) });
  res.end(JSON.stringify(body));
}

/** The login service: the test user's name and password (a form) → a code flow of the post client → its token answer. */
async function answerLogin(req: IncomingMessage, res: ServerResponse, state: OidcTestProvider): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  const ok = form.get('username') === USER.username && form.get('password') === USER.password;
  state.loginCalls.push(ok ? 200 : 401);
  const body = ok ? await state.obtainTokens(state.postClient) : { error: 'invalid_credentials' };
  res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A browser's part: follows redirects (carrying the provider's cookies) until one points at the redirect URI. */
async function followToCallback(start: string, redirectUri: string): Promise<string> {
  const cookies = new Map<string, string>();
  let next = start;
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const answer = await fetch(next, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    await answer.arrayBuffer();
    for (const line of answer.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = answer.headers.get('location');
    if (answer.status < 300 || answer.status >= 400 || !location) throw new Error(`the provider answered ${answer.status} at hop ${hop}, not a redirect`);
    next = new URL(location, next).toString();
    if (next.startsWith(`${redirectUri}?`)) return next;
  }
  throw new Error('no redirect to the redirect URI after 10 hops');
}

/** Authorization code with PKCE, as a client library would do it, without the SDK. */
async function codeFlow(state: OidcTestProvider, client: OidcClient): Promise<TokenAnswer> {
  const verifier = randomBytes(32).toString('base64url');
  const start = new URL(state.authorizationUrl);
  const query = { client_id: client.id, response_type: 'code', redirect_uri: state.redirectUri, scope: SCOPE, state: randomBytes(8).toString('hex') };
  for (const [name, value] of Object.entries(query)) start.searchParams.set(name, value);
  start.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  start.searchParams.set('code_challenge_method', 'S256');
  const code = new URL(await state.userAgent(start.toString())).searchParams.get('code') ?? '';
  registerSecret(code);
  const grant = { grant_type: 'authorization_code', code, redirect_uri: state.redirectUri, code_verifier: verifier };
  const { status, body } = await tokenRequest(state.tokenUrl, client, grant);
  if (status !== 200) throw new Error(`the code exchange was refused: ${status} ${String(body.error)}`);
  return body as unknown as TokenAnswer;
}

async function tokenRequest(tokenUrl: string, client: OidcClient, grant: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams(grant);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
  else {
    form.set('client_id', client.id);
    form.set('client_secret', client.secret);
  }
  const answer = await fetch(tokenUrl, { method: 'POST', headers, body: form.toString() });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}
