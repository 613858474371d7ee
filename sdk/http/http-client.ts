/**
 * The SDK's HTTP transport and the only door to undici. One keep-alive Agent per client (so a
 * client certificate never shares a socket with another client), `dispatcher.dispatch` with a
 * buffering handler on the hot path (`dispatcher.request` for downloads), and the SSRF guard on
 * every hop. Its own stages — a download's bounded stream, then the redirect policy — sit above
 * `dispatch`, which sends one hop; a connection puts its stages (auth, retry, rate budget,
 * events) above those (runtime/request-pipeline.ts).
 */
import { lookup } from 'node:dns/promises';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { RequestRefusedError } from '../errors.js';

/** The undici dispatcher type a host may hand in (proxies, tests), for modules outside this door. */
export type { Dispatcher };
import { createGuardedLookup, ipLiteralOf, isPrivateAddress, refusalOf } from './address-policy.js';
import { boundDownloadBody, bufferedHop, hopResponse } from './body-reader.js';
import { Exchange } from './exchange.js';
import { followRedirects } from './follow-redirects.js';
import { encodeFormData } from './form-data-body.js';
import { compose, type Send, type Stage } from './pipeline.js';
import { traceHops } from './tracing.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Uint8Array | FormData | NodeJS.ReadableStream;
  /** Follow up to N redirects (0 = never: token, login and refresh requests). */
  maxRedirects: number;
  /** Header names (lower-case) to drop when a redirect leaves the origin, besides authorization, cookie, proxy-authorization. */
  credentialHeaders?: string[];
  /**
   * Also dropped on a cross-origin redirect: any header this says is secret by its value (a
   * header built from a secret credential). Consulted only when a redirect leaves the origin.
   */
  isSecretHeader?: (name: string, value: string) => boolean;
  /**
   * Whether the body (UTF-8 text) holds a secret. Consulted only when a redirect would re-send
   * the body to another origin, which is refused if it does; without it, any body counts as secret.
   */
  isSecretBody?: (text: string) => boolean;
  /** Query parameter names whose values are masked in error messages. */
  credentialQueryParams?: string[];
  responseType: 'buffer' | 'stream';
  /** Defaults 10 000 / 30 000 / 30 000; bodyMs is a total deadline for the body, not idle time. */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Default 10 MiB; applies to buffered bodies. */
  maxResponseBytes?: number;
  /** Aborting rejects with the standard AbortError (its cause: the signal's reason), wherever the request waits. */
  signal?: AbortSignal;
  /** Which try this is (set by the retry stage from the second on). */
  attempt?: number;
  /** The manifest's template of the URL (an action's path), for the span of each hop: never the URL itself. */
  urlTemplate?: string;
  /** Put the W3C traceparent of the hop's span on it (ConnectOptions.propagateTraceContext). */
  propagateTrace?: boolean;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | Readable;
  /** The final URL, after redirects. */
  url: URL;
  /** Set-Cookie lines of the final response. */
  setCookies: string[];
  /** The URL of each response that redirected, in order. */
  redirects: URL[];
  /** Set-Cookie lines of each redirecting response: `redirectSetCookies[i]` came from `redirects[i]`. */
  redirectSetCookies: string[][];
  /** The request that got this answer: after redirects, the last hop. */
  request: HttpRequest;
}

export interface HttpClientOptions {
  /** Mutual TLS: `ca` (when given) replaces the default trust store for this client. */
  tls?: { cert: string; key: string; ca?: string; passphrase?: string };
  /**
   * Off by default: every address but public unicast is refused (loopback, link-local, private,
   * reserved, multicast, and IPv6 forms embedding them; address-policy.ts has the table), as are
   * host names resolving to one.
   */
  allowPrivateNetwork?: boolean;
  /** Applied to every error message the client builds. */
  redact?: (text: string) => string;
  /**
   * Replaces the client's own agents (tests, proxies): its connect timeout and TLS settings apply.
   * Unless allowPrivateNetwork, host names are resolved and checked before each dispatch. Cannot
   * be combined with `tls`: the dispatcher opens the connections, so it would drop the certificate.
   */
  dispatcher?: Dispatcher;
}

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #lookup: ReturnType<typeof createGuardedLookup> | undefined;
  /** By connect timeout: undici fixes it per agent, while requests may each name their own. */
  readonly #agents = new Map<number, Agent>();
  readonly #send: Send;
  #closed = false;

  /** Throws RequestRefusedError for `tls` with a `dispatcher` (the certificate would be dropped silently). */
  constructor(options: HttpClientOptions = {}) {
    if (options.tls && options.dispatcher) {
      throw new RequestRefusedError(
        'a client certificate (client_certificate) cannot be combined with a host-supplied dispatcher (ConnectOptions.dispatcher): ' +
          'the dispatcher opens the connections, so the certificate would never be presented; connect without a dispatcher, ' +
          "and the SDK's own agent presents it",
      );
    }
    this.#options = { ...options };
    this.#lookup = options.allowPrivateNetwork ? undefined : createGuardedLookup(options.redact ?? ((text) => text));
    this.dispatch = this.dispatch.bind(this);
    this.#send = compose(this.stages(), this.dispatch);
  }

  /** Sends a request through the transport stages (token, login and refresh requests use it as is). */
  send(request: HttpRequest): Promise<HttpResponse> {
    return this.#send(request);
  }

  /** The transport's stages above `dispatch`, outermost first: a download's bounded stream, the redirect policy, a span per hop. */
  stages<R extends HttpRequest>(): (Stage<R> | undefined)[] {
    const redact = this.#options.redact;
    return [boundDownloadBody<R>(redact), followRedirects<R>(redact), traceHops<R>()];
  }

  /**
   * Sends one hop: checks the scheme and the SSRF guard, encodes a FormData body, and answers
   * with the body read whole within its limits (body-reader.ts bufferedHop), or unread for a
   * download (the body stage bounds its stream). undici's own agents refuse a header that could
   * split the request before sending anything (Exchange.failure says which); a host's dispatcher
   * gets the check here.
   */
  dispatch(request: HttpRequest): Promise<HttpResponse> {
    const exchange = new Exchange(request, this.#options.redact);
    // Continuations, not an async function: one promise less per request on the hot path.
    try {
      const checked = this.#check(exchange);
      return checked === undefined ? this.#hop(exchange) : checked.then(() => this.#hop(exchange));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Throws when the hop is refused; a promise when a host's dispatcher needs the name resolved and checked first. */
  #check(exchange: Exchange): Promise<void> | undefined {
    if (this.#closed) throw exchange.refused('the HTTP client is closed');
    if (this.#options.dispatcher) exchange.checkHeaders();
    const { url } = exchange.request;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw exchange.refused(`only http and https URLs can be requested`);
    if (this.#options.allowPrivateNetwork) return undefined;
    // undici skips the lookup for IP literals, so the guarded lookup never sees them.
    const ip = ipLiteralOf(url);
    if (ip !== undefined && isPrivateAddress(ip)) throw exchange.refused(`${ip} is a private address (allowPrivateNetwork is off)`);
    return ip === undefined && this.#options.dispatcher ? checkHostName(exchange, url.hostname) : undefined;
  }

  /** The hop through undici; its failures (undici hands even argument errors to the callback) become the SDK's. */
  #hop(exchange: Exchange): Promise<HttpResponse> {
    const { request } = exchange;
    const { url } = request;
    let { headers, body } = request;
    if (body instanceof FormData) ({ headers, body } = encodeFormData(body, headers));
    const options: Dispatcher.RequestOptions = {
      origin: url.origin,
      path: url.pathname + url.search,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: body as Dispatcher.DispatchOptions['body'],
      headersTimeout: exchange.headersMs,
      bodyTimeout: exchange.bodyMs,
      signal: request.signal,
    };
    const dispatcher = this.#dispatcherFor(exchange.connectMs);
    if (request.responseType !== 'stream') return bufferedHop(dispatcher, options, exchange);
    // undici's callback form, not its promise: the promise form wraps this same callback in a
    // promise of its own, and a `.then` on that made a second promise per request.
    return new Promise((resolve, reject) => {
      try {
        dispatcher.request(options, (error, answer) => {
          if (error) reject(exchange.failure(error, false));
          else resolve(hopResponse(answer.statusCode, answer.headers, answer.body, request));
        });
      } catch (error) {
        // A host's dispatcher that throws instead of calling back fails the hop the same way.
        reject(exchange.failure(error, false));
      }
    });
  }

  /** Closes the client's own agents (a host-supplied dispatcher stays the host's to close). */
  async close(): Promise<void> {
    this.#closed = true;
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }

  #dispatcherFor(connectMs: number): Dispatcher {
    if (this.#options.dispatcher) return this.#options.dispatcher;
    let agent = this.#agents.get(connectMs);
    if (agent === undefined) {
      const tls = this.#options.tls;
      agent = new Agent({
        connect: {
          timeout: connectMs,
          ...(this.#lookup && { lookup: this.#lookup }),
          ...(tls && { cert: tls.cert, key: tls.key, ca: tls.ca, passphrase: tls.passphrase }),
        },
      });
      this.#agents.set(connectMs, agent);
    }
    return agent;
  }
}

/**
 * The SSRF guard for a host's dispatcher, which connects with its own lookup: the name is
 * resolved here on every hop, never cached, and every address checked. The dispatcher (or its
 * proxy) resolves the name again and may get another answer; pinning the address against DNS
 * rebinding is the host's to do in that dispatcher's connect options.
 */
async function checkHostName(exchange: Exchange, hostname: string): Promise<void> {
  let addresses;
  try {
    addresses = await lookup(hostname, { all: true });
  } catch (error) {
    throw exchange.failure(error, false);
  }
  const refusal = refusalOf(hostname, addresses);
  if (refusal !== undefined) throw exchange.refused(refusal);
}
