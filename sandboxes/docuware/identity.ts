/**
 * DocuWare's Identity Service (OAuth2, DocuWare 7.8+): the Platform names it in
 * `Home/IdentityServiceInfo` (self-hosted: `/DocuWare/Identity` under the Platform's host; Cloud:
 * `https://login-<region>.docuware.cloud/<organization guid>`, another origin), it publishes an
 * OpenID configuration under that URL, and its token endpoint
 * grants `password` to the public client `docuware.platform.net.client`, scope
 * `docuware.platform`. Errors follow IdentityServer (the engine behind it): 400 with
 * `{"error","error_description"}` even for an unknown client.
 *
 * Access tokens look like JWTs (RS256 header, `exp` claim) but carry a random signature: the
 * sandbox checks them by lookup, and clients only read `exp`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { replyJson } from '../reply.js';
import { readRequestBody } from '../request-body.js';

export const IDENTITY_PATH = '/DocuWare/Identity';
export const PLATFORM_CLIENT_ID = 'docuware.platform.net.client';
export const PLATFORM_SCOPE = 'docuware.platform';
/** Scopes the platform client may ask for besides the platform itself. */
const OTHER_SCOPES = ['openid', 'dwprofile', 'offline_access'];

export interface IdentityOptions {
  /** Path of the service under its origin: `/DocuWare/Identity` self-hosted, `/<organization guid>` in the Cloud. */
  basePath: string;
  userName: string;
  password: string;
  lifetimeSeconds: number;
  now: () => number;
}

/** What a bearer token is worth. */
export type TokenState = 'valid' | 'expired' | 'unknown';

export interface IdentityService {
  /** `GET {IdentityServiceUrl}/.well-known/openid-configuration`. */
  openIdConfiguration(res: ServerResponse, origin: string): void;
  /** `POST {IdentityServiceUrl}/connect/token`. */
  handleTokenRequest(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void>;
  verify(token: string): TokenState;
  /** Server-side invalidation of every token issued so far. */
  revokeAll(): void;
}

/**
 * @example
 * const identity = createIdentityService({ basePath: IDENTITY_PATH, userName: 'u', password: 'p', lifetimeSeconds: 3600, now: Date.now });
 */
export function createIdentityService(options: IdentityOptions): IdentityService {
  const tokens = new Map<string, number>();
  return {
    openIdConfiguration(res, origin) {
      const issuer = `${origin}${options.basePath}`;
      replyJson(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/openid-configuration/jwks`,
        authorization_endpoint: `${issuer}/connect/authorize`,
        token_endpoint: `${issuer}/connect/token`,
        userinfo_endpoint: `${issuer}/connect/userinfo`,
        end_session_endpoint: `${issuer}/connect/endsession`,
        revocation_endpoint: `${issuer}/connect/revocation`,
        scopes_supported: [PLATFORM_SCOPE, ...OTHER_SCOPES],
        grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', 'password'],
        response_types_supported: ['code'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        code_challenge_methods_supported: ['plain', 'S256'],
      });
    },
    async handleTokenRequest(req, res, origin) {
      const body = await readRequestBody(req);
      if (body.type !== 'form' || body.mediaType !== 'application/x-www-form-urlencoded') {
        return oauthError(res, 'invalid_request', 'The token request must be application/x-www-form-urlencoded.');
      }
      const field = (name: string): string | undefined => {
        const value = body.fields.get(name);
        return typeof value === 'string' && value !== '' ? value : undefined;
      };
      if (field('client_id') !== PLATFORM_CLIENT_ID) return oauthError(res, 'invalid_client');
      const grantType = field('grant_type');
      if (grantType !== 'password') return oauthError(res, grantType === undefined ? 'invalid_request' : 'unsupported_grant_type');
      const scopes = field('scope')?.split(' ').filter(Boolean) ?? [PLATFORM_SCOPE];
      if (!scopes.every((s) => s === PLATFORM_SCOPE || OTHER_SCOPES.includes(s))) return oauthError(res, 'invalid_scope');
      // Windows-style user names: the name is case-insensitive, the password is not.
      if (field('username')?.toLowerCase() !== options.userName.toLowerCase() || field('password') !== options.password) {
        return oauthError(res, 'invalid_grant', 'invalid_username_or_password');
      }
      const issuedAt = Math.floor(options.now() / 1000);
      const expiresAt = issuedAt + options.lifetimeSeconds;
      const token = jwtLooking({
        iss: `${origin}${options.basePath}`,
        nbf: issuedAt,
        iat: issuedAt,
        exp: expiresAt,
        aud: PLATFORM_SCOPE,
        scope: scopes,
        client_id: PLATFORM_CLIENT_ID,
        sub: options.userName,
        auth_time: issuedAt,
        idp: 'local',
        jti: randomUUID(),
      });
      tokens.set(token, expiresAt * 1000);
      replyJson(
        res,
        200,
        { access_token: token, expires_in: options.lifetimeSeconds, token_type: 'Bearer', scope: scopes.join(' ') },
        { 'Cache-Control': 'no-store, no-cache, max-age=0', Pragma: 'no-cache' },
      );
    },
    verify(token) {
      const expiresAt = tokens.get(token);
      if (expiresAt === undefined) return 'unknown';
      return options.now() < expiresAt ? 'valid' : 'expired';
    },
    revokeAll() {
      tokens.clear();
    },
  };
}

function jwtLooking(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'sandbox', typ: 'at+jwt' })}.${part(claims)}.${randomBytes(256).toString('base64url')}`;
}

function oauthError(res: ServerResponse, error: string, description?: string): void {
  replyJson(res, 400, description === undefined ? { error } : { error, error_description: description }, {
    'Cache-Control': 'no-store, no-cache, max-age=0',
    Pragma: 'no-cache',
  });
}
