/**
 * RS256 JWS checks with node:crypto (jose is not a dependency of this project): RFC 7523
 * assertions against the jwt-bearer policy's public keys, and JWT access tokens against an
 * issuer's JWKS.
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JwtBearerPolicy } from './types.js';

interface Jws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: string;
}

/** A JWS compact serialization with JSON header and claims, or why it is not one. */
export function decodeJws(token: string): Jws | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the assertion is not a JWS compact serialization';
  const [encodedHeader = '', encodedClaims = '', signature = ''] = parts;
  try {
    const header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8')) as Record<string, unknown>;
    return { header, claims, signingInput: `${encodedHeader}.${encodedClaims}`, signature };
  } catch {
    return 'the assertion header or claims are not JSON';
  }
}

export function rs256Verifies(jws: Jws, key: KeyObject): boolean {
  return verify('RSA-SHA256', Buffer.from(jws.signingInput), key, Buffer.from(jws.signature, 'base64url'));
}

/** Verifies an RFC 7523 assertion; returns its claims, or why it was refused. */
export function checkAssertion(assertion: string, policy: JwtBearerPolicy, nowMs: number, seenJti: Set<string>): Record<string, unknown> | string {
  const jws = decodeJws(assertion);
  if (typeof jws === 'string') return jws;
  if (jws.header.alg !== 'RS256') return `alg ${String(jws.header.alg)} is not accepted`;
  const kids = Object.keys(policy.keys);
  const kid = typeof jws.header.kid === 'string' ? jws.header.kid : kids.length === 1 ? kids[0] : undefined;
  const key = kid === undefined ? undefined : policy.keys[kid];
  if (!key) return `unknown kid ${String(jws.header.kid)}`;
  if (!rs256Verifies(jws, key)) return 'the signature does not verify';
  const refused = claimsRefused(jws.claims, policy, Math.floor(nowMs / 1000));
  if (refused) return refused;
  const jti = jws.claims.jti;
  if (typeof jti !== 'string' || jti === '') return 'jti is missing';
  if (seenJti.has(jti)) return 'jti was used before (replay)';
  seenJti.add(jti);
  return jws.claims;
}

function claimsRefused(claims: Record<string, unknown>, policy: JwtBearerPolicy, now: number): string | undefined {
  const { iss, sub, aud, scope, iat, exp } = claims;
  if (iss !== policy.issuer) return 'iss is not the service account';
  if (sub !== policy.subject) return 'sub is not the expected subject';
  if (aud !== policy.audience) return 'aud is not this token endpoint';
  if (policy.scope !== undefined && scope !== policy.scope) return 'scope differs';
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'iat and exp must be numbers';
  if (iat > now + policy.skewSeconds) return 'iat is in the future';
  if (exp <= now) return 'the assertion has expired';
  if (exp - iat > policy.maxLifetimeSeconds) return `exp - iat exceeds ${policy.maxLifetimeSeconds} s`;
  return undefined;
}

/** An issuer's signing keys, fetched from its JWKS when a kid is not known yet. */
export class JwksKeys {
  #keys: Map<string, KeyObject> | undefined;
  constructor(
    private readonly jwksUrl: () => string,
    private readonly onFetch: () => void,
  ) {}

  async get(kid: string): Promise<KeyObject | undefined> {
    if (!this.#keys?.has(kid)) {
      this.onFetch();
      const answer = await fetch(this.jwksUrl());
      const { keys } = (await answer.json()) as { keys: (JsonWebKey & { kid: string })[] };
      this.#keys = new Map(keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
    }
    return this.#keys.get(kid);
  }
}

/** Verifies a JWT access token of `issuer`; returns its claims, or why it was refused. */
export async function checkAccessJwt(
  token: string | undefined,
  keys: JwksKeys,
  policy: { issuer: string; requiredScope?: string },
  nowMs: number,
): Promise<Record<string, unknown> | string> {
  if (!token) return 'no bearer token';
  const jws = decodeJws(token);
  if (typeof jws === 'string') return 'not a JWT';
  if (jws.header.alg !== 'RS256' || typeof jws.header.kid !== 'string') return 'unexpected JWT header';
  const key = await keys.get(jws.header.kid);
  if (!key) return 'unknown signing key';
  if (!rs256Verifies(jws, key)) return 'bad signature';
  const { iss, exp, scope } = jws.claims;
  if (iss !== policy.issuer) return 'wrong issuer';
  if (typeof exp !== 'number' || exp * 1000 <= nowMs) return 'expired';
  const scopes = typeof scope === 'string' ? scope.split(' ') : [];
  if (policy.requiredScope && !scopes.includes(policy.requiredScope)) return 'insufficient_scope';
  return jws.claims;
}
