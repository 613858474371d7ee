/**
 * JWT bearer grant (RFC 7523), service-account style: an RS256 assertion signed with the
 * private key from the credentials is exchanged for an access token. A fresh assertion (new
 * jti, iat back-dated for clock skew) is signed for every token request.
 */
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AuthJwtBearer } from '../manifest/types.gen.js';
import { CredentialsError } from '../errors.js';
import { compileOptionalTemplate, compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
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
  const keyId = compileOptionalTemplate(spec.key_id, `${pointer}/key_id`);
  const privateKey = compileTemplate(spec.private_key, `${pointer}/private_key`);
  const lifetime = spec.lifetime_seconds ?? 3600;
  const keys = new WeakMap<object, KeyObject>();

  const keyFor = (scope: TemplateScope): KeyObject => {
    const holder = scope.credentials ?? {};
    let key = keys.get(holder);
    if (!key) {
      key = parsePrivateKey(privateKey.render(scope));
      keys.set(holder, key);
    }
    return key;
  };

  const assertion = (scope: TemplateScope, nowMs: number): string => {
    const iat = Math.floor(nowMs / 1000) - SKEW_SECONDS;
    const iss = issuer.render(scope);
    const claims: Record<string, unknown> = {
      iss,
      sub: subject?.render(scope) || iss,
      aud: audience?.render(scope) || tokenUrl.render(scope),
      iat,
      exp: iat + lifetime,
      jti: randomUUID(),
    };
    const scopeValue = scopeClaim?.render(scope);
    if (scopeValue) claims.scope = scopeValue;
    const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
    const kid = keyId?.render(scope);
    if (kid) header.kid = kid;
    const signingInput = `${base64url(header)}.${base64url(claims)}`;
    const signature = sign('RSA-SHA256', Buffer.from(signingInput), keyFor(scope)).toString('base64url');
    return `${signingInput}.${signature}`;
  };

  return grantStrategy('jwt_bearer', spec, pointer, grant, {
    canAuthorizeUnattended: true,
    authorize: (ctx) => {
      const signed = assertion(ctx.scope, ctx.now());
      ctx.redactor.add(signed);
      return grant.request(ctx, { grant_type: JWT_BEARER_GRANT, assertion: signed });
    },
  });
}

/** Accepts PKCS#1 and PKCS#8 PEM, with real or literal `\n` line breaks (keys pasted from env files). */
function parsePrivateKey(pem: string): KeyObject {
  const text = pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    // OpenSSL 3 (Node 20) says "interrupted or cancelled", not "passphrase": look at the PEM itself.
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text) || /passphrase/i.test(String(error));
    const reason = encrypted ? 'it is encrypted (give an unencrypted key)' : 'it is not a PEM private key';
    throw new CredentialsError('private_key', `the JWT signing key cannot be used: ${reason}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CredentialsError('private_key', `the JWT signing key is ${key.asymmetricKeyType ?? 'not asymmetric'}; RS256 needs an RSA key`);
  }
  return key;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
