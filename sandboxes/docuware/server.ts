/**
 * A local server that behaves as a DocuWare Platform (7.10, cookie authentication) with its
 * Identity Service (OAuth2 password grant) does, as far as a client can tell: same paths, content
 * negotiation, cookies, 401 shapes and logon throttle. See README.md for the sources and for every
 * choice where DocuWare's behaviour is unconfirmed.
 */
import { bearerToken } from '../bearer-token.js';
import { startSandboxServer, type SandboxHandler, type SandboxServer } from '../http-server.js';
import { createRateLimiter, type RateLimit } from '../rate-limit.js';
import { replyJson } from '../reply.js';
import { findRoute, type RouteShape } from '../router.js';
import { createAccount, type Account } from './account.js';
import { createCookieSessions, ingressCookie, type CookieSessions } from './cookie-sessions.js';
import { createDocumentStore, SEEDED, type DocumentStore } from './documents.js';
import { createIdentityService, IDENTITY_PATH, type IdentityService } from './identity.js';
import { createPlatform, type Platform } from './platform.js';
import { PLATFORM_PATH, replyError, replyLoginRequired, type PlatformCall } from './representation.js';

export type { SandboxRequestLog } from '../http-server.js';
export { patternByte } from './pattern-stream.js';
export type { DocumentStore, IndexField, StoredDocument, StoredFile } from './documents.js';

export interface DocuwareSandboxOptions {
  /** Default `sandbox-user` (matched case-insensitively). */
  userName?: string;
  /** Default `sandbox-password`. */
  password?: string;
  /** Default `Sandbox Org`. */
  organization?: string;
  /** Lifetime of `.DWPLATFORMAUTH` (Max-Age/Expires and server-side); default a session cookie without expiry. */
  cookieLifetimeSeconds?: number;
  /** `expires_in` and `exp` of OAuth access tokens; default 3600 (DocuWare's 60 minutes). */
  oauthTokenLifetimeSeconds?: number;
  /** Refuse a session cookie sent with another User-Agent than the logon's (default true; our strictness choice). */
  bindUserAgent?: boolean;
  /** Logon throttle; default 60 per 60 seconds (KBA-36385). */
  logonRateLimit?: RateLimit;
  /** When set, the Archive cabinet holds one generated document of this many bytes, streamed on download. */
  largeDocumentBytes?: number;
  /** The sandbox's clock in milliseconds (sessions, tokens, throttle); default `Date.now`. */
  now?: () => number;
  /** Default 0: any free port. */
  port?: number;
  /**
   * Where the Identity Service lives: `self-hosted` (default) under the Platform's host at
   * `/DocuWare/Identity`; `cloud` as DocuWare Cloud has it, on another origin
   * (`login-emea.docuware.cloud/<organization guid>` there, a second loopback port here).
   */
  identityLayout?: 'self-hosted' | 'cloud';
}

/** The organization guid under which the Cloud layout's Identity Service answers. */
export const CLOUD_ORGANIZATION_GUID = '5c2a7e9d-1f3b-4a6c-8d0e-9b7f6a5c4d01';

export interface DocuwareSandbox extends SandboxServer {
  /** The IdentityServiceUrl the Platform announces (Home/IdentityServiceInfo). */
  identityUrl: string;
  /** The Cloud layout's Identity Service, a server of its own (its requests are not in `requests`); undefined self-hosted. */
  identityServer: SandboxServer | undefined;
  /** Server-side invalidation of every cookie session and OAuth token: the next call gets the 401. */
  expireSessions(): void;
  /** The cabinets and documents; tests seed and inspect uploads here. */
  documents: DocumentStore;
  /** Ids of the seeded data. */
  ids: {
    invoicesCabinetId: string;
    archiveCabinetId: string;
    trayId: string;
    searchDialogId: string;
    storeDialogId: string;
    /** The generated document in the Archive cabinet, when `largeDocumentBytes` is set. */
    largeDocumentId: number | undefined;
  };
}

interface DocuwareRoute extends RouteShape {
  /** Answered without a session or token. */
  public: boolean;
  handle(call: PlatformCall): void | Promise<void>;
}

/**
 * Starts the DocuWare sandbox on 127.0.0.1; the Platform is at `${url}/DocuWare/Platform`.
 *
 * @example
 * const dw = await startDocuwareSandbox({ cookieLifetimeSeconds: 5 });
 * const credentials = { scheme: 'http', host: dw.host, username: 'sandbox-user', password: 'sandbox-password', organization: 'Sandbox Org' };
 * await dw.close();
 */
export async function startDocuwareSandbox(options: DocuwareSandboxOptions = {}): Promise<DocuwareSandbox> {
  const now = options.now ?? Date.now;
  const userName = options.userName ?? 'sandbox-user';
  const password = options.password ?? 'sandbox-password';
  const organization = options.organization ?? 'Sandbox Org';
  const sessions = createCookieSessions({
    lifetimeSeconds: options.cookieLifetimeSeconds,
    bindUserAgent: options.bindUserAgent ?? true,
    now,
  });
  const cloud = options.identityLayout === 'cloud';
  const identityPath = cloud ? `/${CLOUD_ORGANIZATION_GUID}` : IDENTITY_PATH;
  const identity = createIdentityService({ basePath: identityPath, userName, password, lifetimeSeconds: options.oauthTokenLifetimeSeconds ?? 3600, now });
  const identityServer = cloud ? await startSandboxServer(routedHandler(identityRoutes(identity, identityPath), () => true), now) : undefined;
  const store = createDocumentStore({ largeDocumentBytes: options.largeDocumentBytes, now: now() });
  const takeLogon = createRateLimiter(options.logonRateLimit ?? { requests: 60, perSeconds: 60 }, now);
  const account = createAccount({ sessions, userName, password, organization, takeLogon: () => takeLogon('logon') });
  const identityUrl = identityServer ? `${identityServer.url}${identityPath}` : undefined;
  const platform = createPlatform({ store, organization, now, identityServiceUrl: identityUrl });
  const routes = [...platformRoutes(platform, account), ...(cloud ? [] : identityRoutes(identity, identityPath))];
  const server = await startSandboxServer(routedHandler(routes, platformAuthenticator(sessions, identity), now), now, options.port);
  return {
    ...server,
    identityUrl: identityUrl ?? `${server.url}${IDENTITY_PATH}`,
    identityServer,
    async close() {
      await Promise.all([server.close(), identityServer?.close()]);
    },
    expireSessions() {
      sessions.closeAll();
      identity.revokeAll();
    },
    documents: store,
    ids: {
      ...SEEDED,
      largeDocumentId:
        options.largeDocumentBytes === undefined ? undefined : store.list(SEEDED.archiveCabinetId)[0]?.id,
    },
  };
}

/** A route of the sandbox; IIS and ASP.NET match paths case-insensitively. */
function route(methods: string[], path: string, handle: DocuwareRoute['handle'], isPublic = false): DocuwareRoute {
  return { methods, path: new RegExp(`^${path}$`, 'i'), handle, public: isPublic };
}

function platformRoutes(platform: Platform, account: Account): DocuwareRoute[] {
  const P = PLATFORM_PATH;
  const FC = `${P}/FileCabinets/([^/]+)`;
  return [
    route(['GET'], `${P}/?`, platform.serviceDescription, true),
    route(['GET'], `${P}/Home/IdentityServiceInfo`, platform.identityServiceInfo, true),
    route(['GET'], `${P}/Account/Logon`, account.loginPage, true),
    route(['POST'], `${P}/Account/Logon`, account.logon, true),
    route(['GET'], `${P}/Account/Logoff`, account.logoff),
    route(['GET'], `${P}/Organizations`, platform.organizations),
    route(['GET'], `${P}/FileCabinets`, platform.fileCabinets),
    route(['GET'], FC, platform.fileCabinet),
    route(['GET'], `${FC}/Dialogs`, platform.dialogs),
    route(['GET'], `${FC}/Dialogs/([^/]+)`, platform.dialog),
    route(['POST'], `${FC}/Query/DialogExpression`, platform.search),
    route(['POST'], `${FC}/Documents`, platform.upload),
    route(['GET'], `${FC}/Documents/([^/]+)`, platform.document),
    route(['GET'], `${FC}/Documents/([^/]+)/FileDownload`, platform.download),
  ];
}

function identityRoutes(identity: IdentityService, basePath: string): DocuwareRoute[] {
  return [
    route(['GET'], `${basePath}/\\.well-known/openid-configuration`, ({ res, url }) => identity.openIdConfiguration(res, url.origin), true),
    route(['POST'], `${basePath}/connect/token`, ({ req, res, url }) => identity.handleTokenRequest(req, res, url.origin), true),
  ];
}

/** Lets a Platform request through, or answers the 401 its credentials deserve and returns false. */
function platformAuthenticator(sessions: CookieSessions, identity: IdentityService): (call: PlatformCall) => boolean {
  return (call) => {
    const bearer = bearerToken(call.req);
    if (bearer === undefined) {
      if (sessions.isLive(call.req)) return true;
      replyLoginRequired(call.res, call.url);
      return false;
    }
    const state = identity.verify(bearer);
    if (state === 'valid') return true;
    const description = state === 'expired' ? 'The access token expired' : 'The access token is invalid';
    replyError(call, 401, 'Authorization has been denied for this request.', {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"`,
    });
    return false;
  };
}

/** Routes requests: public routes and anything outside the Platform pass, the rest must authenticate. */
function routedHandler(routes: DocuwareRoute[], authenticate: (call: PlatformCall) => boolean, now?: () => number): SandboxHandler {
  const P = PLATFORM_PATH;
  return async (req, res, url) => {
    // The load balancer's ingress cookie is the Platform host's; the Cloud's login host sets none.
    const ingress = now === undefined ? undefined : ingressCookie(req, now());
    if (ingress !== undefined) res.appendHeader('Set-Cookie', ingress);
    const method = req.method ?? 'GET';
    const match = findRoute(routes, method, url.pathname);
    const call: PlatformCall = { req, res, url, params: match.kind === 'found' ? match.params : [] };
    const underPlatform = url.pathname.toLowerCase().startsWith(P.toLowerCase());
    const isPublic = match.kind === 'found' ? match.route.public : !underPlatform;
    if (!isPublic && !authenticate(call)) return;
    switch (match.kind) {
      case 'found':
        return match.route.handle(call);
      case 'wrong-method':
        return replyError(call, 405, `The requested resource does not support http method '${method}'.`);
      case 'not-found':
        if (underPlatform) return replyError(call, 404, `No HTTP resource was found that matches the request URI '${url.href}'.`);
        return replyJson(res, 404, { Message: 'Not Found' });
      default:
        return match satisfies never;
    }
  };
}
