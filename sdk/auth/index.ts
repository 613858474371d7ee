/** Builds the strategy of a manifest's auth block: one module per type, chosen exhaustively. */
import type { Authentication } from '../manifest/types.gen.js';
import { ConnectorError, ERROR_CODES } from '../errors.js';
import type { AuthStrategy } from './auth-strategy.js';
import { createApiKey } from './api-key.js';
import { createBasic } from './basic.js';
import { createBearer } from './bearer.js';
import { createRequestSignature } from './request-signature.js';
import { createAwsSigv4 } from './aws-sigv4.js';
import { createOAuth1 } from './oauth1.js';
import { createNone } from './none.js';
import { createRefreshableToken } from './refreshable-token.js';
import { createOAuth2Password } from './oauth2-password.js';
import { createOAuth2ClientCredentials } from './oauth2-client-credentials.js';
import { createOAuth2CustomToken } from './oauth2-custom-token.js';
import { createJwtBearer } from './jwt-bearer.js';
import { createJwt } from './jwt.js';
import { createOAuth2AuthorizationCode } from './oauth2-authorization-code.js';
import { createTokenChain } from './token-chain.js';

export function createAuthStrategy(spec: Authentication): AuthStrategy {
  switch (spec.type) {
    case 'none':
      return createNone();
    case 'api_key':
      return createApiKey(spec);
    case 'basic':
      return createBasic(spec);
    case 'bearer':
      return createBearer(spec);
    case 'request_signature':
      return createRequestSignature(spec);
    case 'aws_sigv4':
      return createAwsSigv4(spec);
    case 'oauth1':
      return createOAuth1(spec);
    case 'refreshable_token':
      return createRefreshableToken(spec);
    case 'oauth2_password':
      return createOAuth2Password(spec);
    case 'oauth2_client_credentials':
      return createOAuth2ClientCredentials(spec);
    case 'oauth2_custom_token':
      return createOAuth2CustomToken(spec);
    case 'jwt_bearer':
      return createJwtBearer(spec);
    case 'jwt':
      return createJwt(spec);
    case 'oauth2_authorization_code':
      return createOAuth2AuthorizationCode(spec);
    case 'token_chain':
      return createTokenChain(spec);
    default: {
      const unknown: never = spec;
      throw new ConnectorError(ERROR_CODES.manifest, `unknown auth type "${String((unknown as { type: unknown }).type)}"`);
    }
  }
}
