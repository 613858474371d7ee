/**
 * How an OAuth client authenticates at the token and revocation endpoints (RFC 6749 §2.3.1,
 * RFC 7523 §2.2): HTTP Basic, body parameters, nothing (public clients), or a JWT assertion —
 * signed with the client's private key (private_key_jwt) or HS256 with its secret
 * (client_secret_jwt). An assertion is signed anew for every request (fresh jti, short exp), so
 * a captured one cannot be replayed for long.
 */
import { randomUUID } from 'node:crypto';
import type { ClientAssertion, ClientAuthentication } from '../manifest/types.gen.js';
import { ConfigurationError } from '../errors.js';
import { compileOptionalTemplate, type TemplateScope } from '../template/liquid.js';
import { compileJwtSigner, type JwtSigner } from './jwt-signer.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface ClientAuthenticationSpec {
  client_id?: string;
  client_secret?: string;
  client_auth?: ClientAuthentication;
  client_assertion?: ClientAssertion;
}

export interface ClientAuthenticator {
  /** Adds the client's authentication to a form bound for `endpoint`; returns the headers it needs. */
  authenticate(form: URLSearchParams, scope: TemplateScope, endpoint: string, nowMs: number): Promise<Record<string, string>>;
  derivedSecrets(scope: TemplateScope): string[];
}

/**
 * @example
 * const client = compileClientAuthentication({ client_id: '{{ credentials.client_id }}', client_auth: 'private_key_jwt',
 *   client_assertion: { algorithm: 'ES256', key: '{{ credentials.private_key }}' } }, '/auth');
 * const headers = await client.authenticate(form, scope, 'https://login.example.com/token', Date.now());
 */
export function compileClientAuthentication(spec: ClientAuthenticationSpec, pointer: string): ClientAuthenticator {
  const clientId = compileOptionalTemplate(spec.client_id, `${pointer}/client_id`);
  const clientSecret = compileOptionalTemplate(spec.client_secret, `${pointer}/client_secret`);
  const clientAuth = spec.client_auth ?? 'post';
  const basicHeader = (scope: TemplateScope): string | undefined => {
    if (clientAuth !== 'basic' || !clientId) return undefined;
    // RFC 6749 §2.3.1: form-encode id and secret before Base64.
    const pair = `${formEncode(clientId.render(scope))}:${formEncode(clientSecret?.render(scope) ?? '')}`;
    return Buffer.from(pair, 'utf8').toString('base64');
  };
  const assertion = clientAuth === 'private_key_jwt' || clientAuth === 'client_secret_jwt' ? compileAssertion(spec, clientAuth, pointer) : undefined;
  return {
    async authenticate(form, scope, endpoint, nowMs) {
      const id = clientId?.render(scope);
      if (id !== undefined && clientAuth !== 'basic') form.set('client_id', id);
      if (clientSecret && clientAuth === 'post') form.set('client_secret', clientSecret.render(scope));
      if (assertion) {
        form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
        form.set('client_assertion', await assertion(scope, id ?? '', endpoint, nowMs));
      }
      const basic = basicHeader(scope);
      return { accept: 'application/json', ...(basic ? { authorization: `Basic ${basic}` } : {}) };
    },
    derivedSecrets: (scope) => [basicHeader(scope)].filter((value): value is string => value !== undefined),
  };
}

type AssertionSigner = (scope: TemplateScope, clientId: string, endpoint: string, nowMs: number) => Promise<string>;

/** RFC 7523 §3: iss = sub = client_id, aud = the endpoint (or the declared audience), jti, iat, exp. */
function compileAssertion(spec: ClientAuthenticationSpec, mode: 'private_key_jwt' | 'client_secret_jwt', pointer: string): AssertionSigner {
  const options = spec.client_assertion ?? {};
  const key = mode === 'client_secret_jwt' ? spec.client_secret : options.key;
  if (key === undefined) {
    const field = mode === 'client_secret_jwt' ? `${pointer}/client_secret` : `${pointer}/client_assertion/key`;
    throw new ConfigurationError(field, `client_auth ${mode} needs ${field}: the key the client assertion is signed with`);
  }
  const algorithm = options.algorithm ?? (mode === 'client_secret_jwt' ? 'HS256' : 'RS256');
  const signer: JwtSigner = compileJwtSigner(
    {
      algorithm,
      key,
      key_format: mode === 'client_secret_jwt' ? 'text' : (options.key_format ?? 'pem'),
      header: options.key_id === undefined ? {} : { kid: options.key_id },
      lifetime_seconds: options.lifetime_seconds ?? 60,
    },
    `${pointer}/client_assertion`,
  );
  const audience = compileOptionalTemplate(options.audience, `${pointer}/client_assertion/audience`);
  return async (scope, clientId, endpoint, nowMs) => {
    const claims = { iss: clientId, sub: clientId, aud: audience?.render(scope) || endpoint, jti: randomUUID() };
    return (await signer.sign(scope, nowMs, claims)).jwt;
  };
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
