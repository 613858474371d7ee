/**
 * JWT bearer grant (RFC 7523), service-account style: an assertion signed with the private key
 * from the credentials (jwt-signer.ts; RS256 unless the manifest says otherwise) is exchanged for
 * an access token. A fresh assertion (new jti, iat back-dated for clock skew) is signed for every
 * token request.
 */
import { randomUUID } from 'node:crypto';
import type { AuthJwtBearer } from '../manifest/types.gen.js';
import { compileOptionalTemplate, compileTemplate } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileJwtSigner } from './jwt-signer.js';
import { compileOAuthGrant, grantStrategy } from './oauth2-grant.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SKEW_SECONDS = 30;

export function createJwtBearer(spec: AuthJwtBearer, pointer = '/auth'): AuthStrategy {
  const grant = compileOAuthGrant({ ...spec, client_auth: 'none' }, pointer);
  const tokenUrl = compileTemplate(spec.token_url, `${pointer}/token_url`);
  const issuer = compileTemplate(spec.issuer, `${pointer}/issuer`);
  const subject = compileOptionalTemplate(spec.subject, `${pointer}/subject`);
  const audience = compileOptionalTemplate(spec.audience, `${pointer}/audience`);
  const scopeClaim = compileOptionalTemplate(spec.scope, `${pointer}/scope`);
  const signer = compileJwtSigner(
    {
      algorithm: spec.algorithm ?? 'RS256',
      key: spec.private_key,
      key_format: 'pem',
      ...(spec.key_id === undefined ? {} : { header: { kid: spec.key_id } }),
      lifetime_seconds: spec.lifetime_seconds ?? 3600,
    },
    pointer,
  );

  return grantStrategy('jwt_bearer', spec, pointer, grant, {
    canAuthorizeUnattended: true,
    async authorize(ctx) {
      const scope = ctx.scope;
      const iss = issuer.render(scope);
      const claims: Record<string, unknown> = { iss, sub: subject?.render(scope) || iss, aud: audience?.render(scope) || tokenUrl.render(scope), jti: randomUUID() };
      const scopeValue = scopeClaim?.render(scope);
      if (scopeValue) claims.scope = scopeValue;
      const { jwt } = await signer.sign(scope, ctx.now() - SKEW_SECONDS * 1000, claims);
      ctx.redactor.add(jwt);
      return grant.request(ctx, { grant_type: JWT_BEARER_GRANT, assertion: jwt });
    },
  });
}
