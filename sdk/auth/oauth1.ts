/**
 * OAuth 1.0a (RFC 5849) request signing on every hop, with a token the user already holds — a
 * NetSuite token-based-authentication token, a Trello or Twitter/X access token — or none (two-
 * legged, consumer only). The signature base string comes from the maintained `oauth-1.0a`
 * package: method, base URL, and the oauth_*, query and form-body parameters, sorted and
 * percent-encoded. HMAC-SHA1, HMAC-SHA256, RSA-SHA1 (the consumer's private key) and PLAINTEXT.
 * The timestamp is the connection's clock; every hop (retry, same-origin redirect) gets its own
 * nonce and signature.
 */
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { AuthOAuth1 } from '../manifest/types.gen.js';
import { ConfigurationError, CredentialsError } from '../errors.js';
import { compileOptionalTemplate, compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';
import type { RequestSigner, SignableRequest } from './request-signer.js';

type Method = NonNullable<AuthOAuth1['signature_method']>;

export function createOAuth1(spec: AuthOAuth1, pointer = '/auth'): AuthStrategy {
  const method: Method = spec.signature_method ?? 'HMAC-SHA1';
  const consumerKey = compileTemplate(spec.consumer_key, `${pointer}/consumer_key`);
  const consumerSecret = compileOptionalTemplate(spec.consumer_secret, `${pointer}/consumer_secret`);
  const token = compileOptionalTemplate(spec.token, `${pointer}/token`);
  const tokenSecret = compileOptionalTemplate(spec.token_secret, `${pointer}/token_secret`);
  const realm = compileOptionalTemplate(spec.realm, `${pointer}/realm`);
  const hash = compileHash(spec, method, pointer);
  const inQuery = spec.placement === 'query';
  const signer: RequestSigner = {
    sign(request, scope) {
      const oauth = new OAuth({
        consumer: { key: consumerKey.render(scope), secret: consumerSecret?.render(scope) ?? '' },
        signature_method: method,
        hash_function: (base, key) => hash(base, key, scope),
        ...(realm ? { realm: realm.render(scope) } : {}),
      });
      // The library reads the wall clock; the connection's clock decides.
      oauth.getTimeStamp = () => Math.floor(request.now / 1000);
      const key = token?.render(scope) || undefined;
      const data = oauth.authorize({ url: request.url.toString(), method: request.method, data: formParams(request) }, key === undefined ? undefined : { key, secret: tokenSecret?.render(scope) ?? '' });
      if (!inQuery) {
        request.headers.Authorization = oauth.toHeader(data).Authorization;
        return;
      }
      const url = new URL(request.url);
      const added = Object.entries(data).map(([name, value]) => `${oauth.percentEncode(name)}=${oauth.percentEncode(String(value))}`).join('&');
      url.search = url.search === '' ? added : `${url.search.slice(1)}&${added}`;
      request.url = url;
    },
  };
  return {
    type: 'oauth1',
    credentialHeaders: inQuery ? [] : ['authorization'],
    credentialQueryParams: inQuery ? ['oauth_signature', 'oauth_token'] : [],
    apply: () => undefined,
    derivedSecrets: () => [],
    signer,
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}

type Hash = (base: string, key: string, scope: TemplateScope) => string;

function compileHash(spec: AuthOAuth1, method: Method, pointer: string): Hash {
  switch (method) {
    case 'HMAC-SHA1':
      return (base, key) => createHmac('sha1', key).update(base).digest('base64');
    case 'HMAC-SHA256':
      return (base, key) => createHmac('sha256', key).update(base).digest('base64');
    case 'PLAINTEXT':
      return (_base, key) => key;
    case 'RSA-SHA1': {
      if (spec.private_key === undefined) throw new ConfigurationError(`${pointer}/private_key`, `RSA-SHA1 signs with the consumer's private key: set ${pointer}/private_key`);
      const privateKey = compileTemplate(spec.private_key, `${pointer}/private_key`);
      const keys = new WeakMap<object, KeyObject>();
      return (base, _key, scope) => {
        const holder = scope.credentials ?? scope;
        let found = keys.get(holder);
        if (!found) keys.set(holder, (found = rsaKey(privateKey.render(scope))));
        return sign('RSA-SHA1', Buffer.from(base), found).toString('base64');
      };
    }
    default:
      return method satisfies never;
  }
}

function rsaKey(pem: string): KeyObject {
  try {
    const key = createPrivateKey({ key: pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem, format: 'pem' });
    if (key.asymmetricKeyType === 'rsa') return key;
  } catch {
    // said below, without the key
  }
  throw new CredentialsError('private_key', 'the OAuth 1.0a private key cannot be used: RSA-SHA1 needs an unencrypted PEM RSA private key');
}

/** RFC 5849 §3.4.1.3.1: the parameters of a form body are signed too (a JSON body is not). */
function formParams(request: SignableRequest): Record<string, string | string[]> {
  const type = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (type.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return {};
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(Buffer.from(request.body).toString('utf8'))) {
    const held = out[name];
    out[name] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
  }
  return out;
}
