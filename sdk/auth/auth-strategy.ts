/**
 * The shape every auth type implements (one module per type, built by `createAuthStrategy`).
 * Static types only place credentials on requests; token types also obtain and renew tokens,
 * which the token manager schedules.
 */
import type { Authentication } from '../manifest/types.gen.js';
import type { TemplateScope } from '../template/liquid.js';
import type { TokenRecord } from '../store/token-store.js';
import type { AuthContext } from './auth-context.js';
import type { ExpiredSignal } from './expired-signal.js';
import type { TokenResult } from './token-request.js';
import type { ExpiryPolicy } from './expiry.js';
import type { RequestSigner } from './request-signer.js';

/** The parts of an action request an auth type may add to. */
export interface ApplyTarget {
  headers: Record<string, string>;
  query: [string, string][];
  /** `name=value` pairs for the Cookie header. */
  cookies: string[];
  /** Fields merged into the action's body (runtime/apply-auth.ts); usually none, and then the body is left alone. */
  bodyFields: BodyField[];
}

export interface BodyField {
  name: string;
  value: string;
  /** The manifest field that puts it in the body, named when the action's body cannot take it. */
  field: string;
}

export interface TokenSource {
  /**
   * Full authorization with the stored credentials (login, client credentials, assertion…).
   * `previous` is the record it replaces, if any: a token chain reuses the discovery values it
   * keeps there instead of asking again.
   */
  authorize(ctx: AuthContext, previous?: TokenRecord): Promise<TokenResult>;
  /** Present when the manifest configures a refresh request; it gets the record holding the refresh token. */
  refresh?(ctx: AuthContext, record: TokenRecord): Promise<TokenResult>;
  /**
   * RFC 7009 revocation of the record's refresh token (or access token), when configured:
   * 'revoked' (200, also for a token the server no longer knows) or 'retry_later' (503).
   */
  revoke?(ctx: AuthContext, record: TokenRecord): Promise<'revoked' | 'retry_later'>;
  /** False when authorizing needs the user (authorization code): then a failed refresh ends in ReauthorizationRequired. */
  readonly canAuthorizeUnattended: boolean;
  /**
   * The manifest's `refresh_token_rotation`: false (the provider keeps refresh tokens valid) lets a refresh whose answer
   * was lost be sent again with the same refresh token; true or undefined (unknown) never presents that token again.
   */
  readonly refreshTokenRotation?: boolean;
  readonly expiry: ExpiryPolicy;
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier?: string;
}

/** What the manifest says the authorization callback must carry (RFC 9207). */
export interface CallbackRules {
  /** The auth block's pointer, for messages. */
  pointer: string;
  /** The rendered issuer identifier; undefined when the manifest declares none. */
  issuer?: string;
  /** authorization_response_iss_parameter_supported: a callback without `iss` is refused. */
  issRequired: boolean;
  /** The declared callback values (callback_values) of the callback's parameters; throws when one is unacceptable. */
  values(params: URLSearchParams): Record<string, string>;
  /** 'oauth1': the callback carries oauth_token and oauth_verifier (RFC 5849 §2.2), not code and state. */
  protocol?: 'oauth1';
}

/** The user-facing half of the authorization code grant (and of OAuth 1.0a's three-legged flow). */
export interface AuthorizationCodeFlow {
  /**
   * A fresh state (and PKCE verifier) and the URL to send the user to. OAuth 1.0a asks the
   * provider first (temporary credentials): its state is the temporary token, its verifier the token's secret.
   */
  start(scope: TemplateScope, ctx: AuthContext): AuthorizationRequest | Promise<AuthorizationRequest>;
  /**
   * `values`: the callback values, available to token_url as auth.extras and kept in the record;
   * `state`: the pending authorization's state (OAuth 1.0a's temporary token).
   */
  exchange(ctx: AuthContext, code: string, codeVerifier: string | undefined, values: Record<string, string>, state: string): Promise<TokenResult>;
  /** Where the provider sends the user back, when the authorization URL does not say it (OAuth 1.0a's oauth_callback). */
  callbackUrl?(scope: TemplateScope): string;
  /** What the callback must carry besides code and state. */
  callbackRules(scope: TemplateScope): CallbackRules;
}

export interface AuthStrategy {
  readonly type: Authentication['type'];
  /** Header names (lower-case) that carry credentials: never sent across origins, never printed. */
  readonly credentialHeaders: readonly string[];
  /** Query parameters that carry credentials: masked in every URL we print. */
  readonly credentialQueryParams: readonly string[];
  /** Places the credentials on an action request; `scope.auth` is the token view for token types. */
  apply(target: ApplyTarget, scope: TemplateScope): void;
  /** The secret values this auth type derives from the credentials (e.g. a Basic header), to redact. */
  derivedSecrets(scope: TemplateScope): string[];
  readonly isExpired: ExpiredSignal;
  readonly tokens?: TokenSource;
  /** Present for the authorization code grant. */
  readonly authorizationCode?: AuthorizationCodeFlow;
  /** Present when the credential is computed over each outgoing hop (request-signer.ts). */
  readonly signer?: RequestSigner;
}
