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

/**
 * @example
 * const server = await startFixtureServer({ routes, tokenRoutes, expiredResponse, now: clock.now, credentials });
 * // … connect with createFixtureDispatcher(server.origin) …
 * await server.close();
 */
export async function startFixtureServer(options: FixtureServerOptions): Promise<FixtureServer> {
  const queues = new Map<string, Queue>();
  const setRoutes = (routes: TestRoutes): void => {
    for (const [key, responses] of Object.entries(routes)) {
      if (responses) queues.set(key, { route: compileRoute(key), responses, next: 0 });
    }
  };
  setRoutes(options.routes);
  const accessTokens = new Map<string, AccessToken>();
  /** Refresh token → rotated (a newer one was issued in exchange for it). */
  const refreshTokens = new Map<string, boolean>();
  const requests: ServedRequest[] = [];
  const violations: string[] = [];
  const issued = new Set<string>();
  let serial = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const header = req.headers[ORIGIN_HEADER];
    const served: ServedRequest = {
      seq: requests.length + 1,
      method,
      path,
      origin: typeof header === 'string' ? header : '',
      status: 0,
      at: options.now(),
    };
    requests.push(served);
    const queue = findQueue(queues, method, path);
    if (!queue) {
      served.note = 'no route';
      violations.push(`request ${served.seq}: no response is declared for ${routeOf(method, path)}: add it to responses (or record it)`);
      return send(res, served, method, { status: 404, json: { error: `connector test: no response declared for ${routeOf(method, path)}` } }, new PlaceholderFiller(options.now(), options.credentials, 0, issued));
    }
    served.route = queue.route.key;
    // Everything a token can travel in: headers (Authorization, Cookie…), the path and query, the body.
    const surface = `${Object.values(req.headers).flat().join('\n')}\n${path}\n${body}`;
    const isTokenRoute = options.tokenRoutes.has(queue.route.key) || queue.route.key === options.refreshRoute;
    if (isTokenRoute) {
      const presented = [...refreshTokens.keys()].find((token) => surface.includes(token));
      served.kind = presented !== undefined || queue.route.key === options.refreshRoute ? 'refresh' : 'authorization';
      if (presented !== undefined && refreshTokens.get(presented)) {
        served.note = 'rotated refresh token';
        violations.push(`request ${served.seq} (${routeOf(method, path)}) presented a refresh token that was already exchanged for a new one: a server that rotates refresh tokens revokes the grant when one is reused`);
        return send(res, served, method, oauthError('invalid_grant', 'connector test: this refresh token was already used'), new PlaceholderFiller(options.now(), options.credentials, 0, issued));
      }
      if (presented === undefined && queue.route.key === options.refreshRoute) {
        served.note = 'no refresh token';
        return send(res, served, method, oauthError('invalid_request', 'connector test: the refresh request carries no refresh token'), new PlaceholderFiller(options.now(), options.credentials, 0, issued));
      }
      const filler = new PlaceholderFiller(options.now(), options.credentials, ++serial, issued);
      const response = next(queue);
      send(res, served, method, response, filler);
      remember(filler.minted, response, filler);
      if (presented !== undefined && filler.minted.refreshToken !== undefined) refreshTokens.set(presented, true);
      return;
    }
    const now = options.now();
    const filler = new PlaceholderFiller(now, options.credentials, ++serial, issued);
    // Once the server has issued access tokens, every other route wants a live one.
    if (accessTokens.size > 0 && !options.publicRoutes?.has(queue.route.key)) {
      let live = false;
      let dead = false;
      for (const [token, state] of accessTokens) {
        if (!surface.includes(token)) continue;
        if (!state.revoked && (state.expiresAt === undefined || now < state.expiresAt)) live = true;
        else dead = true;
      }
      if (!live) {
        served.note = dead ? 'expired token' : 'no token';
        return send(res, served, method, options.expiredResponse, filler);
      }
    }
    send(res, served, method, next(queue), filler);
  };

  /** Registers what a token response minted, with the access token's lifetime as the server sees it. */
  const remember = (minted: Minted, response: TestResponse, filler: PlaceholderFiller): void => {
    if (minted.refreshToken !== undefined) refreshTokens.set(minted.refreshToken, false);
    const token = minted.accessToken;
    if (token === undefined) return;
    const now = options.now();
    let expiresAt: number | undefined;
    const seconds = expiresIn(filler.json(response.json ?? null));
    if (seconds !== undefined) expiresAt = now + seconds * 1000;
    for (const line of response.set_cookies ?? []) {
      const filled = filler.text(line);
      if (filled.slice(filled.indexOf('=') + 1).split(';')[0]?.trim() === token) expiresAt = cookieExpiry(filled, now) ?? expiresAt;
    }
    accessTokens.set(token, { expiresAt, revoked: false });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`connector test: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    violations,
    issued,
    respond: setRoutes,
    expireTokens() {
      for (const state of accessTokens.values()) state.revoked = true;
    },
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

/** `expires_in` of a token response (top level, or one object down as in `{data: {...}}`). */
function expiresIn(json: unknown): number | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const levels = [json as Record<string, unknown>, ...Object.values(json).filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v))];
  for (const level of levels) {
    const value = level.expires_in;
    const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds;
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
