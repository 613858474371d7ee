/**
 * The local server a scenario runs against (127.0.0.1, any free port): each route answers with
 * its queue of test responses, the last one repeating, placeholders filled as they are served.
 * It plays the API's side of the token lifecycle: it remembers every token it issued, refuses
 * requests without a live access token (none, past its lifetime, revoked by `expire_tokens`) on
 * every route but the token endpoints and the public ones, tells authorizations from
 * refreshes by the refresh token a request presents, and refuses a rotated refresh token
 * presented again. It logs every request it answered; it never sees a real secret.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestResponse, TestRoutes } from '../manifest/types.gen.js';
import { ORIGIN_HEADER } from '../http/fixture-dispatcher.js';
import { PlaceholderFiller, type Minted } from './placeholders.js';
import { compileRoute, routeOf, type CompiledRoute } from './routes.js';

/** One request as the server answered it. */
export interface ServedRequest {
  /** 1 for the first request of the scenario. */
  seq: number;
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** The origin the connection meant to reach. */
  origin: string;
  /** The route that answered, as declared; undefined when none matched. */
  route?: string;
  status: number;
  /** Requests to token endpoints: presented a refresh token (refresh) or not (authorization). */
  kind?: 'authorization' | 'refresh';
  /** Why the server answered as it did, when not from the route's queue. */
  note?: string;
  /** Virtual clock, epoch ms. */
  at: number;
}

export interface FixtureServerOptions {
  routes: TestRoutes;
  /** Routes whose responses issue tokens (`{{access_token}}`, `{{refresh_token}}`). */
  tokenRoutes: ReadonlySet<string>;
  /** The manifest's separate refresh endpoint ("POST /path"), when it has one. */
  refreshRoute?: string;
  /** What a route that checks tokens answers to a request without a live access token. */
  expiredResponse: TestResponse;
  /** Routes answered without checking tokens. */
  publicRoutes?: ReadonlySet<string>;
  /** The virtual clock, epoch ms. */
  now: () => number;
  /** The scenario's credentials, for `{{secret:NAME}}`. */
  credentials: Readonly<Record<string, unknown>>;
}

export interface FixtureServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly requests: readonly ServedRequest[];
  /** What the connection did that a real API would punish: unknown routes, a rotated refresh token reused. */
  readonly violations: readonly string[];
  /** Every token and cookie value it served (fake, but secrets all the same: reports mask them). */
  readonly issued: ReadonlySet<string>;
  /** Replaces the queues of these routes from now on. */
  respond(routes: TestRoutes): void;
  /** Revokes every access token issued so far. */
  expireTokens(): void;
  close(): Promise<void>;
}

interface AccessToken {
  expiresAt?: number;
  revoked: boolean;
}

interface Queue {
  route: CompiledRoute;
  responses: readonly TestResponse[];
  next: number;
}

const MAX_REQUEST_BODY = 16 * 1024 * 1024;
const DEFAULT_TYPES = { json: 'application/json; charset=utf-8', body: 'text/plain; charset=utf-8', body_base64: 'application/octet-stream' };

/** What the server knows and does: the route queues, the tokens it issued, what it answered. */
class ScenarioApi {
  readonly requests: ServedRequest[] = [];
  readonly violations: string[] = [];
  readonly issued = new Set<string>();
  readonly #options: FixtureServerOptions;
  readonly #queues = new Map<string, Queue>();
  readonly #accessTokens = new Map<string, AccessToken>();
  /** Refresh token → rotated (a newer one was issued in exchange for it). */
  readonly #refreshTokens = new Map<string, boolean>();
  #serial = 0;

  constructor(options: FixtureServerOptions) {
    this.#options = options;
    this.respond(options.routes);
  }

  respond(routes: TestRoutes): void {
    for (const [key, responses] of Object.entries(routes)) {
      if (responses) this.#queues.set(key, { route: compileRoute(key), responses, next: 0 });
    }
  }

  expireTokens(): void {
    for (const state of this.#accessTokens.values()) state.revoked = true;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const header = req.headers[ORIGIN_HEADER];
    const served: ServedRequest = { seq: this.requests.length + 1, method, path, origin: typeof header === 'string' ? header : '', status: 0, at: this.#options.now() };
    this.requests.push(served);
    const queue = findQueue(this.#queues, method, path);
    if (!queue) {
      served.note = 'no route';
      this.violations.push(`request ${served.seq}: no response is declared for ${routeOf(method, path)}: add it to responses (or record it)`);
      return send(res, served, method, { status: 404, json: { error: `connector test: no response declared for ${routeOf(method, path)}` } }, this.#filler(0));
    }
    served.route = queue.route.key;
    // Everything a token can travel in: headers (Authorization, Cookie…), the path and query, the body.
    const surface = `${Object.values(req.headers).flat().join('\n')}\n${path}\n${body}`;
    const isTokenRoute = this.#options.tokenRoutes.has(queue.route.key) || queue.route.key === this.#options.refreshRoute;
    return isTokenRoute ? this.#answerTokenRequest(res, served, queue, surface) : this.#answerApiRequest(res, served, queue, surface);
  }

  /** A token endpoint: an authorization or a refresh (told apart by the refresh token presented). */
  #answerTokenRequest(res: ServerResponse, served: ServedRequest, queue: Queue, surface: string): void {
    const { method, path } = served;
    const presented = [...this.#refreshTokens.keys()].find((token) => surface.includes(token));
    const isRefreshRoute = queue.route.key === this.#options.refreshRoute;
    served.kind = presented !== undefined || isRefreshRoute ? 'refresh' : 'authorization';
    if (presented !== undefined && this.#refreshTokens.get(presented)) {
      served.note = 'rotated refresh token';
      this.violations.push(`request ${served.seq} (${routeOf(method, path)}) presented a refresh token that was already exchanged for a new one: a server that rotates refresh tokens revokes the grant when one is reused`);
      return send(res, served, method, oauthError('invalid_grant', 'connector test: this refresh token was already used'), this.#filler(0));
    }
    if (presented === undefined && isRefreshRoute) {
      served.note = 'no refresh token';
      return send(res, served, method, oauthError('invalid_request', 'connector test: the refresh request carries no refresh token'), this.#filler(0));
    }
    const filler = this.#filler(++this.#serial);
    const response = next(queue);
    send(res, served, method, response, filler);
    this.#remember(filler.minted, response, filler);
    if (presented !== undefined && filler.minted.refreshToken !== undefined) this.#refreshTokens.set(presented, true);
  }

  /** Any other route: once the server has issued access tokens, it wants a live one (public routes aside). */
  #answerApiRequest(res: ServerResponse, served: ServedRequest, queue: Queue, surface: string): void {
    const now = this.#options.now();
    const filler = this.#filler(++this.#serial);
    if (this.#accessTokens.size > 0 && !this.#options.publicRoutes?.has(queue.route.key)) {
      let live = false;
      let dead = false;
      for (const [token, state] of this.#accessTokens) {
        if (!surface.includes(token)) continue;
        if (!state.revoked && (state.expiresAt === undefined || now < state.expiresAt)) live = true;
        else dead = true;
      }
      if (!live) {
        served.note = dead ? 'expired token' : 'no token';
        return send(res, served, served.method, this.#options.expiredResponse, filler);
      }
    }
    send(res, served, served.method, next(queue), filler);
  }

  #filler(serial: number): PlaceholderFiller {
    return new PlaceholderFiller(this.#options.now(), this.#options.credentials, serial, this.issued);
  }

  /** Registers what a token response minted, with the access token's lifetime as the server sees it. */
  #remember(minted: Minted, response: TestResponse, filler: PlaceholderFiller): void {
    if (minted.refreshToken !== undefined) this.#refreshTokens.set(minted.refreshToken, false);
    const token = minted.accessToken;
    if (token === undefined) return;
    const now = this.#options.now();
    let expiresAt: number | undefined;
    const body = filler.json(response.json ?? null);
    const seconds = expiresIn(body);
    // expires_in wins, as it does for the client (auth/expiry.ts); expires_at is the instant itself.
    if (seconds !== undefined) expiresAt = now + seconds * 1000;
    else expiresAt = expiresAtOf(body);
    for (const line of response.set_cookies ?? []) {
      const filled = filler.text(line);
      if (filled.slice(filled.indexOf('=') + 1).split(';')[0]?.trim() === token) expiresAt = cookieExpiry(filled, now) ?? expiresAt;
    }
    this.#accessTokens.set(token, { expiresAt, revoked: false });
  }
}

/**
 * @example
 * const server = await startFixtureServer({ routes, tokenRoutes, expiredResponse, now: clock.now, credentials });
 * // … connect with createFixtureDispatcher(server.origin) …
 * await server.close();
 */
export async function startFixtureServer(options: FixtureServerOptions): Promise<FixtureServer> {
  const api = new ScenarioApi(options);
  const server = createServer((req, res) => {
    api.handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`connector test: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: api.requests,
    violations: api.violations,
    issued: api.issued,
    respond: (routes) => api.respond(routes),
    expireTokens: () => api.expireTokens(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function findQueue(queues: ReadonlyMap<string, Queue>, method: string, path: string): Queue | undefined {
  const exact = queues.get(routeOf(method, path));
  if (exact) return exact;
  for (const queue of queues.values()) if (queue.route.matches(method, path)) return queue;
  return undefined;
}

function next(queue: Queue): TestResponse {
  const response = queue.responses[Math.min(queue.next, queue.responses.length - 1)] as TestResponse;
  queue.next++;
  return response;
}

function send(res: ServerResponse, served: ServedRequest, method: string, response: TestResponse, filler: PlaceholderFiller): void {
  served.status = response.status;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = filler.text(value);
  if (response.set_cookies?.length) headers['set-cookie'] = response.set_cookies.map((line) => filler.text(line));
  let body: Buffer = Buffer.alloc(0);
  let kind: keyof typeof DEFAULT_TYPES | undefined;
  if (response.json !== undefined) {
    body = Buffer.from(JSON.stringify(filler.json(response.json)), 'utf8');
    kind = 'json';
  } else if (response.body !== undefined) {
    body = Buffer.from(filler.text(response.body), 'utf8');
    kind = 'body';
  } else if (response.body_base64 !== undefined) {
    body = Buffer.from(response.body_base64, 'base64');
    kind = 'body_base64';
  }
  if (kind && headers['content-type'] === undefined) headers['content-type'] = DEFAULT_TYPES[kind];
  headers['content-length'] = String(method === 'HEAD' ? 0 : body.length);
  res.writeHead(response.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}

function oauthError(error: string, description: string): TestResponse {
  return { status: 400, headers: { 'Cache-Control': 'no-store' }, json: { error, error_description: description } };
}

/** The objects a token response's fields may sit in: the top level, or one object down as in `{data: {...}}`. */
function tokenLevels(json: unknown): Record<string, unknown>[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return [];
  return [json as Record<string, unknown>, ...Object.values(json).filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v))];
}

/** `expires_in` of a token response, in seconds. */
function expiresIn(json: unknown): number | undefined {
  for (const level of tokenLevels(json)) {
    const value = level.expires_in;
    const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds;
  }
  return undefined;
}

/**
 * `expires_at` of a token response as epoch ms: an ISO 8601 or HTTP date, or epoch seconds (a
 * number or numeric string; from 10^11 on, milliseconds: no token lives until the year 5138).
 */
function expiresAtOf(json: unknown): number | undefined {
  for (const level of tokenLevels(json)) {
    const value = level.expires_at;
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number === 'number' && Number.isFinite(number)) return number >= 1e11 ? number : number * 1000;
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}

/** Max-Age wins over Expires (RFC 6265 §5.3 step 3). */
function cookieExpiry(line: string, now: number): number | undefined {
  const attributes = line.split(';').slice(1).map((part) => part.trim());
  const maxAge = attributes.find((part) => /^max-age\s*=/i.test(part));
  if (maxAge) {
    const seconds = Number(maxAge.slice(maxAge.indexOf('=') + 1).trim());
    if (Number.isFinite(seconds)) return now + seconds * 1000;
  }
  const expires = attributes.find((part) => /^expires\s*=/i.test(part));
  const at = expires ? Date.parse(expires.slice(expires.indexOf('=') + 1).trim()) : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size >= MAX_REQUEST_BODY) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('latin1');
}
