/**
 * OAuth 1.0a (RFC 5849): request signing on every hop, with a token the user already holds — a
 * NetSuite token-based-authentication token — or none (two-legged, consumer only), or with the
 * token the three-legged flow (§2, the manifest's `authorization`) obtained and stored: the
 * temporary-credentials request, the user's authorization, the token request. One module because
 * the flow's requests are signed exactly like the API's (and the `oauth-1.0a` door is here).
 * The signature base string comes from the maintained `oauth-1.0a` package: method, base URL, and
 * the oauth_*, query and form-body parameters, sorted and percent-encoded. HMAC-SHA1,
 * HMAC-SHA256, RSA-SHA1 (the consumer's private key) and PLAINTEXT. The timestamp is the
 * connection's clock; every hop (retry, same-origin redirect) gets its own nonce and signature.
 */
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { AuthOAuth1 } from '../manifest/types.gen.js';
import { AuthError, ConfigurationError, CredentialsError, CredentialsRefusedError, RequestRefusedError, TokenResponseError, type ConnectorError } from '../errors.js';
import { compileOptionalTemplate, compileTemplate, type CompiledTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap } from '../template/template-map.js';
import type { AuthContext } from './auth-context.js';
import type { AuthorizationCodeFlow, AuthStrategy, TokenSource } from './auth-strategy.js';
import type { AuthView } from './auth-view.js';
import { compileExpiredSignal } from './expired-signal.js';
import { compileExpiryPolicy } from './expiry.js';
import type { RequestSigner, SignableRequest } from './request-signer.js';
import { failureOf, sendTokenRequest, type TokenRequestSpec, type TokenResult } from './token-request.js';

type Method = NonNullable<AuthOAuth1['signature_method']>;
type Authorization = NonNullable<AuthOAuth1['authorization']>;
type Token = { key: string; secret: string };

/** What is signed: the request, the token (if any) and the protocol parameters of the flow (oauth_callback, oauth_verifier). */
interface Signing {
  method: string;
  url: string;
  form: Record<string, string | string[]>;
  token: Token | undefined;
  protocol?: Record<string, string>;
  now: number;
}

/** The oauth_* parameters of one signed request, oauth_signature included, and how to write them as a header. */
type Sign = (signing: Signing, scope: TemplateScope) => { params: Record<string, string>; header: () => string; encode: (value: string) => string };

/** Where the stored record keeps the access token's secret (auth.extras.oauth_token_secret). */
export const TOKEN_SECRET_EXTRA = 'oauth_token_secret';

export function createOAuth1(spec: AuthOAuth1, pointer = '/auth'): AuthStrategy {
  const signOf = compileSign(spec, pointer);
  const inQuery = spec.placement === 'query';
  const tokenOf = compileTokenOf(spec, pointer);
  const signer: RequestSigner = {
    sign(request, scope) {
      const signed = signOf({ method: request.method, url: request.url.toString(), form: formParams(request), token: tokenOf(scope), now: request.now }, scope);
      if (!inQuery) {
        request.headers.Authorization = signed.header();
        return;
      }
      const url = new URL(request.url);
      const added = Object.entries(signed.params).map(([name, value]) => `${signed.encode(name)}=${signed.encode(value)}`).join('&');
      url.search = url.search === '' ? added : `${url.search.slice(1)}&${added}`;
      request.url = url;
    },
  };
  const base = {
    type: 'oauth1' as const,
    credentialHeaders: inQuery ? [] : ['authorization'],
    credentialQueryParams: inQuery ? ['oauth_signature', 'oauth_token'] : [],
    apply: () => undefined,
    derivedSecrets: () => [],
    signer,
  };
  if (spec.authorization === undefined) return { ...base, isExpired: compileExpiredSignal({ statuses: [] }) };
  // A stored token the provider refuses (401) was revoked: only the user can authorize again.
  return { ...base, isExpired: compileExpiredSignal(undefined), tokens: userTokens(), authorizationCode: compileFlow(spec.authorization, `${pointer}/authorization`, signOf) };
}

/** The token to sign with: the credentials' (token, token_secret), or the stored record's when the flow obtains it. */
function compileTokenOf(spec: AuthOAuth1, pointer: string): (scope: TemplateScope) => Token | undefined {
  if (spec.authorization !== undefined) {
    return (scope) => {
      const auth = scope.auth as AuthView | undefined;
      const key = auth?.access_token;
      const secret = auth?.extras[TOKEN_SECRET_EXTRA];
      return key ? { key, secret: typeof secret === 'string' ? secret : '' } : undefined;
    };
  }
  const token = compileOptionalTemplate(spec.token, `${pointer}/token`);
  const tokenSecret = compileOptionalTemplate(spec.token_secret, `${pointer}/token_secret`);
  return (scope) => {
    const key = token?.render(scope) || undefined;
    return key === undefined ? undefined : { key, secret: tokenSecret?.render(scope) ?? '' };
  };
}

function compileSign(spec: AuthOAuth1, pointer: string): Sign {
  const method: Method = spec.signature_method ?? 'HMAC-SHA1';
  const consumerKey = compileTemplate(spec.consumer_key, `${pointer}/consumer_key`);
  const consumerSecret = compileOptionalTemplate(spec.consumer_secret, `${pointer}/consumer_secret`);
  const realm = compileOptionalTemplate(spec.realm, `${pointer}/realm`);
  const hash = compileHash(spec, method, pointer);
  return (signing, scope) => {
    const oauth = new OAuth({
      consumer: { key: consumerKey.render(scope), secret: consumerSecret?.render(scope) ?? '' },
      signature_method: method,
      hash_function: (baseString, key) => hash(baseString, key, scope),
      ...(realm ? { realm: realm.render(scope) } : {}),
    });
    // The library reads the wall clock; the connection's clock decides.
    oauth.getTimeStamp = () => Math.floor(signing.now / 1000);
    const protocol = signing.protocol ?? {};
    // Protocol parameters are signed (as request data) and sent in the header beside the library's own.
    const data = oauth.authorize({ url: signing.url, method: signing.method, data: { ...signing.form, ...protocol } }, signing.token);
    const params: Record<string, string> = { ...protocol };
    for (const [name, value] of Object.entries(data)) params[name] = String(value);
    return { params, header: () => oauth.toHeader(params as unknown as OAuth.Authorization).Authorization, encode: (value) => oauth.percentEncode(value) };
  };
}

/** The three-legged flow's token source: no unattended authorization, no refresh (OAuth 1.0a has none). */
function userTokens(): TokenSource {
  return {
    canAuthorizeUnattended: false,
    authorize: () => Promise.reject(new AuthError('this connection has no OAuth 1.0a token yet: send the user to connection.authorizationUrl() first')),
    expiry: compileExpiryPolicy(undefined),
  };
}

/** RFC 5849 §2: temporary credentials → the user's authorization → token credentials. */
function compileFlow(spec: Authorization, pointer: string, signOf: Sign): AuthorizationCodeFlow {
  const requestTokenUrl = compileTemplate(spec.request_token_url, `${pointer}/request_token_url`);
  const authorizeUrl = compileTemplate(spec.authorize_url, `${pointer}/authorize_url`);
  const accessTokenUrl = compileTemplate(spec.access_token_url, `${pointer}/access_token_url`);
  const callbackUrl = compileTemplate(spec.callback_url, `${pointer}/callback_url`);
  const authorizeParams = compileTemplateMap(spec.authorize_params, `${pointer}/authorize_params`);
  const kept = spec.extras ?? [];
  return {
    callbackUrl: (scope) => callbackUrl.render(scope),
    callbackRules: () => ({ pointer, issRequired: false, values: () => ({}), protocol: 'oauth1' }),
    async start(scope, ctx) {
      const answer = await credentialsRequest(ctx, signOf, { url: requestTokenUrl, pointer: `${pointer}/request_token_url` }, undefined, { oauth_callback: callbackUrl.render(scope) });
      // RFC 5849 §2.1: without the confirmation the server may be an OAuth 1.0 one, open to session fixation.
      if (answer.params.get('oauth_callback_confirmed') !== 'true') {
        throw new TokenResponseError(`the temporary credentials answer (${pointer}/request_token_url) lacks oauth_callback_confirmed=true (RFC 5849 §2.1): refused`, { status: answer.status });
      }
      const url = new URL(authorizeUrl.render(scope));
      url.searchParams.set('oauth_token', answer.token.key);
      for (const [name, template] of authorizeParams) url.searchParams.set(name, template.render(scope));
      return { url: url.toString(), state: answer.token.key, codeVerifier: answer.token.secret };
    },
    async exchange(ctx, verifier, temporarySecret, _values, temporaryToken) {
      ctx.redactor.add(verifier);
      const temporary = { key: temporaryToken, secret: temporarySecret ?? '' };
      const answer = await credentialsRequest(ctx, signOf, { url: accessTokenUrl, pointer: `${pointer}/access_token_url` }, temporary, { oauth_verifier: verifier });
      ctx.redactor.add(answer.token.key);
      const extras: Record<string, unknown> = { [TOKEN_SECRET_EXTRA]: answer.token.secret };
      for (const name of kept) {
        const value = answer.params.get(name);
        if (value !== null) extras[name] = value;
      }
      return { accessToken: answer.token.key, obtainedAt: answer.sentAt, extras, cookies: [], url: answer.url } satisfies TokenResult;
    },
  };
}

/** A form-encoded credentials answer (RFC 5849 §2.1, §2.3). */
interface CredentialsAnswer {
  token: Token;
  params: URLSearchParams;
  status: number;
  sentAt: number;
  url: URL;
}

/**
 * POSTs one signed credentials request (temporary or token credentials), judged like every token
 * request (failureOf: 401 a refusal, 404 a wrong URL, 5xx transient), and reads its answer.
 */
async function credentialsRequest(
  ctx: AuthContext,
  signOf: Sign,
  endpoint: { url: CompiledTemplate; pointer: string },
  token: Token | undefined,
  protocol: Record<string, string>,
): Promise<CredentialsAnswer> {
  const url = endpoint.url.render(ctx.scope);
  requireTls(ctx, url, endpoint.pointer);
  const signed = signOf({ method: 'POST', url, form: {}, token, protocol, now: ctx.now() }, ctx.scope);
  // PLAINTEXT's signature is the secrets themselves.
  ctx.redactor.add(signed.params.oauth_signature);
  const request: TokenRequestSpec = { method: 'POST', url: endpoint.url, headers: [], pointer: endpoint.pointer };
  const { answer, sentAt } = await sendTokenRequest(ctx, request, ctx.scope, { headers: { Authorization: signed.header() } });
  const params = new URLSearchParams(Buffer.isBuffer(answer.body) ? answer.body.toString('utf8') : '');
  const failure = failureOf(ctx, request, { accessToken: { from: 'header', name: 'authorization' } }, answer, undefined, false);
  if (failure) throw withProblem(failure, params.get('oauth_problem'));
  const key = params.get('oauth_token');
  const secret = params.get('oauth_token_secret');
  ctx.redactor.add(secret ?? undefined);
  if (!key || secret === null) {
    throw new TokenResponseError(`the answer of ${endpoint.pointer} holds no oauth_token and oauth_token_secret (a form-encoded body, RFC 5849 §2.1)`, { status: answer.status });
  }
  return { token: { key, secret }, params, status: answer.status, sentAt, url: answer.url };
}

/** The OAuth Problem Reporting extension's oauth_problem (token_rejected, permission_denied…) named in a refusal. */
function withProblem(failure: ConnectorError, problem: string | null): ConnectorError {
  if (!(failure instanceof CredentialsRefusedError) || problem === null || !/^[a-z_]{1,40}$/.test(problem)) return failure;
  return new CredentialsRefusedError(`${failure.message.replace(/\.\s.*$/, '')}: oauth_problem=${problem}. Start again with authorizationUrl().`, { status: failure.status, oauthError: problem });
}

/** Consumer secrets and token secrets travel only over https, unless the host allowed plain http (a local test server). */
function requireTls(ctx: AuthContext, url: string, pointer: string): void {
  if (ctx.allowInsecureHttp || !url.startsWith('http:')) return;
  throw new RequestRefusedError(
    `${pointer} is a plain http URL: OAuth 1.0a credentials requests carry token secrets, so only https is used. For a local test server only, pass allowInsecureHttp: true to connect() (connector CLI: --allow-insecure-http).`,
  );
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
