/**
 * snov.io's token endpoint and the tokens it issues: client credentials in, an opaque Bearer
 * token with `expires_in` out, no refresh token. Error bodies follow league/oauth2-server (the PHP
 * OAuth server behind Laravel Passport), the most plausible engine for a PHP API; snov.io's own
 * answer to bad credentials is unconfirmed.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { replyJson } from '../reply.js';
import { text, type Params } from './params.js';

export interface TokenIssuerOptions {
  clientId: string;
  clientSecret: string;
  lifetimeSeconds: number;
  now: () => number;
}

/** Issues and checks access tokens. */
export interface TokenIssuer {
  /** Answers a token request (any encoding; GET with a query string too). */
  handleTokenRequest(res: ServerResponse, params: Params): void;
  /** The client a live token belongs to; undefined for an unknown or expired one. */
  verify(token: string): string | undefined;
  /** Invalidates every token issued so far. */
  expireAll(): void;
}

/**
 * @example
 * const issuer = createTokenIssuer({ clientId: 'id', clientSecret: 's', lifetimeSeconds: 3600, now: Date.now });
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  return {
    handleTokenRequest(res, params) {
      const grantType = text(params, 'grant_type');
      const clientId = text(params, 'client_id');
      const clientSecret = text(params, 'client_secret');
      if (grantType === undefined) {
        oauthError(res, 400, 'invalid_request', 'The request is missing a required parameter.', 'Check the `grant_type` parameter');
        return;
      }
      if (grantType !== 'client_credentials') {
        oauthError(res, 400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
        return;
      }
      if (clientId === undefined || clientSecret === undefined) {
        oauthError(res, 400, 'invalid_request', 'The request is missing a required parameter.', 'Check the `client_id` and `client_secret` parameters');
        return;
      }
      if (clientId !== options.clientId || clientSecret !== options.clientSecret) {
        oauthError(res, 401, 'invalid_client', 'Client authentication failed');
        return;
      }
      // Opaque 40 characters, like the token in snov.io's documentation.
      const token = randomBytes(20).toString('hex');
      tokens.set(token, { clientId, expiresAt: options.now() + options.lifetimeSeconds * 1000 });
      replyJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: options.lifetimeSeconds });
    },
    verify(token) {
      const entry = tokens.get(token);
      return entry && options.now() < entry.expiresAt ? entry.clientId : undefined;
    },
    expireAll() {
      tokens.clear();
    },
  };
}

function oauthError(res: ServerResponse, status: number, error: string, description: string, hint?: string): void {
  replyJson(res, status, { error, error_description: description, ...(hint ? { hint } : {}), message: description });
}
