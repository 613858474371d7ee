/**
 * A JWT signed locally is the credential (auth type `jwt`): App Store Connect's ES256 token,
 * Ghost's HS256 Admin token. It is the connection's "token": the token manager signs it when
 * first needed, keeps it in the record until shortly before its exp, and signs again — once for
 * every concurrent caller, across processes sharing a store — as it renews any token. No request
 * is sent to obtain it.
 */
import type { AuthJwt } from '../manifest/types.gen.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiryPolicy } from './expiry.js';
import { compileJwtSigner } from './jwt-signer.js';
import { tokenStrategy } from './token-strategy.js';

/** Where a locally signed token "comes from", for the record (it set no cookies). */
const LOCAL = new URL('urn:connector-sdk:local-jwt');

export function createJwt(spec: AuthJwt, pointer = '/auth'): AuthStrategy {
  const signer = compileJwtSigner(spec.signing, `${pointer}/signing`);
  return tokenStrategy({
    type: 'jwt',
    spec,
    pointer,
    derivedSecrets: signer.derivedSecrets,
    tokens: {
      canAuthorizeUnattended: true,
      expiry: compileExpiryPolicy({ refresh_margin_seconds: spec.expiry?.refresh_margin_seconds }),
      async authorize(ctx) {
        const obtainedAt = ctx.now();
        const { jwt, expiresAt } = await signer.sign(ctx.scope, obtainedAt);
        ctx.redactor.add(jwt);
        return { accessToken: jwt, expiresAt, obtainedAt, extras: {}, cookies: [], url: LOCAL };
      },
    },
  });
}
