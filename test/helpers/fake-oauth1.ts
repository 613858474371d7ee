/**
 * A loopback OAuth 1.0a provider for the three-legged flow (RFC 5849 §2): temporary
 * credentials, the user's authorization page (it plays the user consenting and redirects to the
 * callback), token credentials, and one protected API route. Every request's signature is
 * verified here with an implementation of §3.4 written for the tests — base string and HMAC-SHA1
 * computed from the request as received, never with the oauth-1.0a package the SDK signs with —
 * so a signing bug in the SDK cannot hide behind the same bug here. Every secret it hands out is
 * registered with the secret scan; `problems` lists whatever it received that a provider would refuse.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { registerSecret } from './secret-scan.js';

/** RFC 5849 §3.6: percent-encode all but the unreserved characters, hex in upper case. */
export const pct = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The oauth_* parameters of an `Authorization: OAuth …` header (§3.5.1), decoded; undefined without one. */
export function oauthHeader(header: string | undefined): Map<string, string> | undefined {
  if (!header?.startsWith('OAuth ')) return undefined;
  return new Map([...header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, name, value]) => [name as string, decodeURIComponent(value as string)] as const));
}

/** §3.4.1 and §3.4.2: the HMAC-SHA1 signature of a request as received, with the given secrets. */
export function expectedSignature(method: string, url: URL, params: Map<string, string>, consumerSecret: string, tokenSecret: string): string {
  const pairs: [string, string][] = [...params].filter(([name]) => name !== 'oauth_signature' && name !== 'realm');
  pairs.push(...url.searchParams);
  const normalized = pairs
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = [method.toUpperCase(), pct(`${url.protocol}//${url.host}${url.pathname}`), pct(normalized)].join('&');
  return createHmac('sha1', `${pct(consumerSecret)}&${pct(tokenSecret)}`).update(base).digest('base64');
}

export interface FakeOAuth1Options {
  consumerKey: string;
  consumerSecret: string;
  /** Paths of the three endpoints (the sample uses the provider's own); `api` is the prefix of the protected GET routes. */
  paths?: { requestToken: string; authorize: string; accessToken: string; api: string };
  /** The header naming the origin a request was meant for (the fixture dispatcher's): signatures cover that origin. */
  originHeader?: string;
  /** Extra parameters of the token answer (X's user_id, screen_name). */
  extras?: Record<string, string>;
  /** The connection's clock, which every oauth_timestamp must equal. */
  now: () => number;
  /** JSON answers of API paths (default: a member under `data`). */
  answers?: Record<string, unknown>;
  /** Seconds an oauth_timestamp may be off (default 0): another process (the CLI) signs with its own clock, as real providers allow. */
  toleranceSeconds?: number;
}

const DEFAULT_PATHS = { requestToken: '/oauth/request_token', authorize: '/oauth/authorize', accessToken: '/oauth/access_token', api: '/api/whoami' };

export class FakeOAuth1 {
  /** Requests per route (`POST /oauth/request_token`…). */
  readonly counts = new Map<string, number>();
  readonly problems: string[] = [];
  /** Test switches: leave out oauth_callback_confirmed; refuse the verifier (401 permission_denied). */
  omitConfirmation = false;
  refuseVerifier = false;
  readonly #options: FakeOAuth1Options;
  readonly #paths: typeof DEFAULT_PATHS;
  /** temporary token → its secret, callback and verifier (once authorized). */
  readonly #temporary = new Map<string, { secret: string; callback: string; verifier?: string }>();
  readonly #access = new Map<string, string>();
  readonly #nonces = new Set<string>();
  #serial = 0;
  #server!: Loopback;

  constructor(options: FakeOAuth1Options) {
    this.#options = options;
    this.#paths = options.paths ?? DEFAULT_PATHS;
  }

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res) => this.#handle(req, res));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  url(route: keyof typeof DEFAULT_PATHS): string {
    return `${this.origin}${this.#paths[route]}`;
  }

  count(route: string): number {
    return this.counts.get(route) ?? 0;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const meant = this.#options.originHeader === undefined ? undefined : req.headers[this.#options.originHeader];
    const url = new URL(req.url ?? '/', typeof meant === 'string' ? meant : this.origin);
    const route = `${req.method} ${url.pathname}`;
    this.counts.set(route, this.count(route) + 1);
    const paths = this.#paths;
    if (route === `POST ${paths.requestToken}`) return this.#requestToken(req, url, res);
    if (route === `GET ${paths.authorize}`) return this.#authorize(url, res);
    if (route === `POST ${paths.accessToken}`) return this.#accessToken(req, url, res);
    if (req.method === 'GET' && url.pathname.startsWith(paths.api)) return this.#api(req, url, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  /** The verdict on a request's signature: the parameters when valid, else undefined (and a problem noted). */
  #verify(req: IncomingMessage, url: URL, tokenSecret: (token: string | undefined) => string | undefined): Map<string, string> | undefined {
    const params = oauthHeader(req.headers.authorization);
    const problem = (text: string) => void this.problems.push(`${req.method} ${url.pathname}: ${text}`);
    if (!params) return problem('no OAuth Authorization header');
    if (params.get('oauth_consumer_key') !== this.#options.consumerKey) return problem('unknown consumer key');
    if (params.get('oauth_signature_method') !== 'HMAC-SHA1' || params.get('oauth_version') !== '1.0') return problem('wrong signature method or version');
    const skew = Math.abs(Number(params.get('oauth_timestamp')) - Math.floor(this.#options.now() / 1000));
    if (!(skew <= (this.#options.toleranceSeconds ?? 0))) return problem('timestamp is not the clock');
    const nonce = params.get('oauth_nonce') ?? '';
    if (nonce.length < 8 || this.#nonces.has(nonce)) return problem('nonce missing or reused');
    this.#nonces.add(nonce);
    const secret = tokenSecret(params.get('oauth_token'));
    if (secret === undefined) return problem('unknown oauth_token');
    if (params.get('oauth_signature') !== expectedSignature(req.method ?? 'GET', url, params, this.#options.consumerSecret, secret)) return problem('signature mismatch');
    return params;
  }

  #requestToken(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const params = this.#verify(req, url, (token) => (token === undefined ? '' : undefined));
    const callback = params?.get('oauth_callback');
    if (!params || !callback) return unauthorized(res, 'signature_invalid');
    const token = `temp-token-${++this.#serial}`;
    const secret = `temp-secret-canary-${this.#serial}-9d3f`;
    registerSecret(secret);
    this.#temporary.set(token, { secret, callback });
    const answer = new URLSearchParams({ oauth_token: token, oauth_token_secret: secret });
    if (!this.omitConfirmation) answer.set('oauth_callback_confirmed', 'true');
    sendForm(res, answer);
  }

  /** The user signs in and allows the application: redirect to the callback with the verifier. */
  #authorize(url: URL, res: ServerResponse): void {
    const token = url.searchParams.get('oauth_token') ?? '';
    const pending = this.#temporary.get(token);
    if (!pending) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown request token');
    pending.verifier = `verifier-canary-${this.#serial}-51ab`;
    registerSecret(pending.verifier);
    const back = new URL(pending.callback);
    back.searchParams.set('oauth_token', token);
    back.searchParams.set('oauth_verifier', pending.verifier);
    res.writeHead(302, { location: back.toString() }).end();
  }

  #accessToken(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const params = this.#verify(req, url, (token) => this.#temporary.get(token ?? '')?.secret);
    const pending = this.#temporary.get(params?.get('oauth_token') ?? '');
    if (!params || !pending) return unauthorized(res, 'token_rejected');
    if (this.refuseVerifier || params.get('oauth_verifier') !== pending.verifier) return unauthorized(res, 'permission_denied');
    // RFC 5849 §2.3: the temporary credentials are spent.
    this.#temporary.delete(params.get('oauth_token') ?? '');
    const token = `access-token-canary-${this.#serial}-77c2`;
    const secret = `access-secret-canary-${this.#serial}-0e4d`;
    registerSecret(token, secret);
    this.#access.set(token, secret);
    sendForm(res, new URLSearchParams({ oauth_token: token, oauth_token_secret: secret, ...this.#options.extras }));
  }

  #api(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const params = this.#verify(req, url, (token) => this.#access.get(token ?? ''));
    if (!params) return unauthorized(res, 'token_rejected');
    const body = this.#options.answers?.[url.pathname] ?? { data: { id: 'member-1', username: 'ada', token: '[ok]' } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

function sendForm(res: ServerResponse, params: URLSearchParams): void {
  res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(params.toString());
}

function unauthorized(res: ServerResponse, problem: string): void {
  res.writeHead(401, { 'content-type': 'application/x-www-form-urlencoded' }).end(`oauth_problem=${problem}`);
}
