/**
 * Signs JWTs locally with jose, for every auth type that needs one: the `jwt` type (the JWT is
 * the API credential: App Store Connect, Ghost Admin), client assertions of the OAuth grants
 * (private_key_jwt, client_secret_jwt: RFC 7523 §2.2) and the jwt_bearer grant's assertion. The
 * manifest gives the algorithm, the key (PEM, JWK, or a secret as text, hex or base64 — often a
 * template over a credential, like the part of Ghost's `id:secret` after the colon), the header
 * and the claims as templates. Keys are parsed once per credentials object; what a key fails
 * for is said without quoting it.
 */
import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { JwtSigning } from '../manifest/types.gen.js';
import { CredentialsError } from '../errors.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap } from '../template/template-map.js';
import { compileJsonTemplate } from '../template/json-template.js';

type Algorithm = JwtSigning['algorithm'];
type KeyFormat = NonNullable<JwtSigning['key_format']>;

export interface SignedJwt {
  readonly jwt: string;
  /** Epoch milliseconds of its `exp`. */
  readonly expiresAt: number;
}

export interface JwtSigner {
  /** Signs a JWT at `nowMs`; `claims` are added to (and override) the manifest's. */
  sign(scope: TemplateScope, nowMs: number, claims?: Record<string, unknown>): Promise<SignedJwt>;
  /** The key as the manifest renders it, to redact. */
  derivedSecrets(scope: TemplateScope): string[];
}

const DEFAULT_LIFETIME_SECONDS = 300;

/**
 * @example
 * const signer = compileJwtSigner({ algorithm: 'ES256', key: '{{ credentials.private_key }}', header: { kid: '{{ credentials.key_id }}' },
 *   claims: { iss: '{{ credentials.issuer_id }}', aud: 'appstoreconnect-v1' }, lifetime_seconds: 1200 }, '/auth/signing');
 * const { jwt, expiresAt } = await signer.sign(scope, Date.now());
 */
export function compileJwtSigner(spec: JwtSigning, pointer: string): JwtSigner {
  const key = compileTemplate(spec.key, `${pointer}/key`);
  const header = compileTemplateMap(spec.header, `${pointer}/header`);
  const claims = compileJsonTemplate(spec.claims ?? {}, `${pointer}/claims`);
  const format: KeyFormat = spec.key_format ?? (spec.algorithm.startsWith('HS') ? 'text' : 'pem');
  const lifetime = spec.lifetime_seconds ?? DEFAULT_LIFETIME_SECONDS;
  const field = credentialNamed(spec.key) ?? `${pointer}/key`;
  const keys = new WeakMap<object, Promise<KeyObject | CryptoKey>>();
  const keyFor = (scope: TemplateScope): Promise<KeyObject | CryptoKey> => {
    const holder = scope.credentials ?? scope;
    let found = keys.get(holder);
    if (!found) {
      found = importKey(key.render(scope), format, spec.algorithm, field);
      keys.set(holder, found);
    }
    return found;
  };
  return {
    async sign(scope, nowMs, extra = {}) {
      const iat = Math.floor(nowMs / 1000);
      const rendered = claims(scope);
      const payload = { iat, exp: iat + lifetime, ...(isObject(rendered) ? rendered : {}), ...extra };
      const protectedHeader = { typ: 'JWT', ...Object.fromEntries(header.map(([name, template]) => [name, template.render(scope)]).filter(([, value]) => value !== '')), alg: spec.algorithm };
      const jwt = await new SignJWT(payload).setProtectedHeader(protectedHeader).sign(await keyFor(scope)).catch((error: unknown) => {
        throw new CredentialsError(field, `the JWT signing key (${field}) cannot sign ${spec.algorithm}: ${error instanceof Error ? error.name : 'failed'}`);
      });
      const exp = typeof payload.exp === 'number' ? payload.exp : iat + lifetime;
      return { jwt, expiresAt: exp * 1000 };
    },
    // The key as rendered may be a part of a credential (Ghost's secret after the colon): mask it as itself too.
    derivedSecrets: (scope) => [key.render(scope)].filter((text) => text !== ''),
  };
}

async function importKey(text: string, format: KeyFormat, algorithm: Algorithm, field: string): Promise<KeyObject | CryptoKey> {
  if (format === 'jwk') {
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
    } catch {
      throw new CredentialsError(field, `the JWT signing key (${field}) is not the JSON text of a JWK`);
    }
    return importJWK(jwk, algorithm).then(
      (imported) => imported as CryptoKey,
      () => Promise.reject(new CredentialsError(field, `the JWK (${field}) is not a private key for ${algorithm}`)),
    );
  }
  if (format !== 'pem') return createSecretKey(secretBytes(text, format, field));
  const pem = text.includes('\\n') ? text.replace(/\\n/g, '\n') : text;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem);
    throw new CredentialsError(field, `the JWT signing key (${field}) cannot be used: ${encrypted ? 'it is encrypted (give an unencrypted key)' : 'it is not a PEM private key'}`);
  }
  const needed = KEY_KINDS[algorithm];
  const kind = key.asymmetricKeyType === 'ec' ? `ec ${key.asymmetricKeyDetails?.namedCurve ?? ''}` : (key.asymmetricKeyType ?? '');
  if (needed && !needed.kinds.includes(kind)) throw new CredentialsError(field, `the JWT signing key (${field}) is ${kind || 'not asymmetric'}; ${algorithm} needs ${needed.name}`);
  return key;
}

/** Which private keys each asymmetric algorithm signs with (node's key type, and the curve of EC keys). */
const KEY_KINDS: Partial<Record<Algorithm, { kinds: readonly string[]; name: string }>> = {
  RS256: { kinds: ['rsa'], name: 'an RSA key' },
  RS384: { kinds: ['rsa'], name: 'an RSA key' },
  RS512: { kinds: ['rsa'], name: 'an RSA key' },
  PS256: { kinds: ['rsa', 'rsa-pss'], name: 'an RSA key' },
  PS384: { kinds: ['rsa', 'rsa-pss'], name: 'an RSA key' },
  PS512: { kinds: ['rsa', 'rsa-pss'], name: 'an RSA key' },
  ES256: { kinds: ['ec prime256v1'], name: 'an EC P-256 key' },
  ES384: { kinds: ['ec secp384r1'], name: 'an EC P-384 key' },
  ES512: { kinds: ['ec secp521r1'], name: 'an EC P-521 key' },
  EdDSA: { kinds: ['ed25519', 'ed448'], name: 'an Ed25519 or Ed448 key' },
};

/** An HMAC secret given as text, hex or base64(url). */
function secretBytes(text: string, format: Exclude<KeyFormat, 'pem' | 'jwk'>, field: string): Uint8Array {
  if (format === 'text') return Buffer.from(text, 'utf8');
  const valid = format === 'hex' ? /^(?:[0-9a-fA-F]{2})+$/ : format === 'base64' ? /^[A-Za-z0-9+/]+={0,2}$/ : /^[A-Za-z0-9_-]+$/;
  if (!valid.test(text)) throw new CredentialsError(field, `the JWT signing secret (${field}) is not ${format}`);
  return Buffer.from(text, format === 'hex' ? 'hex' : format === 'base64' ? 'base64' : 'base64url');
}

/** `{{ credentials.x }}` (alone) names credential x, for errors; anything else names the manifest field. */
function credentialNamed(source: string): string | undefined {
  return /^\{\{-?\s*credentials\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}$/.exec(source)?.[1];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
