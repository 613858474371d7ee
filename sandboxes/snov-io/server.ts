/**
 * A local server that behaves as api.snov.io does, as far as a client can tell: same paths,
 * methods, body encodings, token lifetime, error bodies and rate limit. See README.md for the
 * sources and for every choice where snov.io's behaviour is unconfirmed.
 */
import type { ServerResponse } from 'node:http';
import { bearerToken } from '../bearer-token.js';
import { startSandboxServer, type SandboxServer } from '../http-server.js';
import { createRateLimiter, type RateLimit } from '../rate-limit.js';
import { replyJson } from '../reply.js';
import { findRoute, type RouteShape } from '../router.js';
import { domainEmailsWithInfo } from './domain-emails.js';
import { createLists } from './lists.js';
import { readParams, text, type Params } from './params.js';
import { failed, notFound, tooManyRequests, unauthorized } from './replies.js';
import { createSearches } from './searches.js';
import { createTokenIssuer } from './tokens.js';

export type { SandboxRequestLog } from '../http-server.js';

export interface SnovSandboxOptions {
  /** `expires_in` of issued tokens. Default 3600, snov.io's documented lifetime. */
  tokenLifetimeSeconds?: number;
  /** Budget per client. Default 60 requests per 60 seconds, snov.io's documented limit. */
  rateLimit?: RateLimit;
  /** Default `sandbox-client-id`. */
  clientId?: string;
  /** Default `sandbox-client-secret`. */
  clientSecret?: string;
  /** The sandbox's clock in milliseconds (token expiry, rate windows); default `Date.now`. */
  now?: () => number;
  /** Default 0: any free port. */
  port?: number;
}

export interface SnovSandbox extends SandboxServer {
  /** Invalidates every token issued so far: the next call with one gets the 401. */
  expireTokens(): void;
}

/** Where a route accepts the access token. */
type TokenPlacement =
  /** The token endpoint itself. */
  | 'none'
  | 'header'
  /** The header, or an `access_token` query or body parameter, as snov.io's v1 samples send it. */
  | 'header-or-param';

interface SnovRoute extends RouteShape {
  token: TokenPlacement;
  handle(call: { res: ServerResponse; params: Params; pathParams: string[]; origin: string }): void;
}

/**
 * Starts the snov.io sandbox on 127.0.0.1.
 *
 * @example
 * const snov = await startSnovSandbox({ tokenLifetimeSeconds: 2 });
 * const credentials = { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: snov.url };
 * // … snov.count('/v1/oauth/access_token') …
 * await snov.close();
 */
export async function startSnovSandbox(options: SnovSandboxOptions = {}): Promise<SnovSandbox> {
  const now = options.now ?? Date.now;
  const issuer = createTokenIssuer({
    clientId: options.clientId ?? 'sandbox-client-id',
    clientSecret: options.clientSecret ?? 'sandbox-client-secret',
    lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    now,
  });
  const takeBudget = createRateLimiter(options.rateLimit ?? { requests: 60, perSeconds: 60 }, now);
  const lists = createLists();
  const searches = createSearches();

  const routes: SnovRoute[] = [
    {
      methods: ['POST', 'GET'],
      path: /^\/v1\/oauth\/access_token$/,
      token: 'none',
      handle: ({ res, params }) => issuer.handleTokenRequest(res, params),
    },
    {
      methods: ['GET'],
      path: /^\/v1\/get-balance$/,
      token: 'header-or-param',
      handle: ({ res }) =>
        replyJson(res, 200, {
          success: true,
          data: { balance: '25000.00', teamwork: false, unique_recipients_used: 0, limit_resets_in: 29, expires_in: 359 },
        }),
    },
    { methods: ['GET'], path: /^\/v1\/get-user-lists$/, token: 'header-or-param', handle: ({ res }) => lists.getUserLists(res) },
    {
      methods: ['POST'],
      path: /^\/v1\/add-prospect-to-list$/,
      token: 'header-or-param',
      handle: ({ res, params }) => lists.addProspectToList(res, params),
    },
    {
      methods: ['POST'],
      path: /^\/v1\/get-emails-from-names$/,
      token: 'header-or-param',
      handle: ({ res, params }) => searches.getEmailsFromNames(res, params),
    },
    {
      methods: ['POST'],
      path: /^\/v2\/email-verification\/start$/,
      token: 'header',
      handle: ({ res, params }) => searches.startEmailVerification(res, params),
    },
    {
      methods: ['GET'],
      path: /^\/v2\/email-verification\/result$/,
      token: 'header',
      handle: ({ res, params }) => searches.emailVerificationResult(res, params),
    },
    {
      methods: ['POST'],
      path: /^\/v2\/domain-search\/start$/,
      token: 'header',
      handle: ({ res, params, origin }) => searches.startDomainSearch(res, params, origin),
    },
    {
      methods: ['GET'],
      path: /^\/v2\/domain-search\/result\/([^/]+)$/,
      token: 'header',
      handle: ({ res, pathParams, origin }) => searches.domainSearchResult(res, pathParams[0] ?? '', origin),
    },
    {
      methods: ['GET', 'POST'],
      path: /^\/v2\/domain-emails-with-info$/,
      // Legacy endpoint: third-party clients pass access_token as a parameter here too.
      token: 'header-or-param',
      handle: ({ res, params }) => domainEmailsWithInfo(res, params),
    },
  ];

  const server = await startSandboxServer(
    async (req, res, url) => {
      const match = findRoute(routes, req.method ?? 'GET', url.pathname);
      if (match.kind !== 'found') return notFound(res);
      const read = await readParams(req, url);
      if ('invalid' in read) return failed(res, read.invalid);
      const { route, params: pathParams } = match;
      if (route.token !== 'none') {
        const token = bearerToken(req) ?? (route.token === 'header-or-param' ? text(read.params, 'access_token') : undefined);
        if (token === undefined) return unauthorized(res, 'Sorry, but an access token is required');
        const clientId = issuer.verify(token);
        if (clientId === undefined) return unauthorized(res, 'Sorry, but your access token is invalid or expired');
        const budget = takeBudget(clientId);
        if (!budget.allowed) return tooManyRequests(res, budget.retryAfterSeconds);
      }
      route.handle({ res, params: read.params, pathParams, origin: url.origin });
    },
    now,
    options.port,
  );
  return { ...server, expireTokens: () => issuer.expireAll() };
}
