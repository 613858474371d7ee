/**
 * A connector bound to one end user's credentials: executes actions, with the token lifecycle
 * (cache, single-flight renewal, one refresh and one replay when a response says the token
 * expired) and the connection's cookie jar. `execute` is the hot path: everything that depends
 * only on the credentials was rendered at connect time.
 */
import { AuthError, ConnectorError, ERROR_CODES, ResponseError, UnknownActionError } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { HttpClient, HttpResponse } from '../http/http-client.js';
import { printableUrl } from '../http/exchange.js';
import { isAbortError, throwIfAborted, untilAborted } from '../abort.js';
import { inSpan } from '../http/tracing.js';
import type { Send } from '../http/pipeline.js';
import type { TokenRecord } from '../store/token-store.js';
import { REQUEST_VALUES, RequestValues, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy } from '../auth/auth-strategy.js';
import type { AuthContext } from '../auth/auth-context.js';
import { authView } from '../auth/auth-view.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { AuthorizationSession } from '../auth/authorization-session.js';
import { readAuthorizationCallback, type AuthorizationCallback } from '../auth/authorization-callback.js';
import { checkTarget, type CompiledAction, type TargetBase } from './action.js';
import type { ActionRequest } from './action-request.js';
import { actionPipeline } from './request-pipeline.js';
import { discard, jsonBody, readActionResult, type ActionResult, type ReadResult } from './action-response.js';
import type { PageRequest } from './pagination.js';
import type { RateLimiter } from './rate-limiter.js';
import type { EventSink } from './event-sink.js';
import type { AuthEvent } from '../auth/auth-context.js';

export type { ActionResult } from './action-response.js';

/**
 * What a connection may say about its token: never the token itself. `ensureToken()` returns it.
 *
 * @example
 * const info: TokenInfo = await connection.ensureToken();
 * // { managed: true, tokenType: 'Bearer', expiresAt: 1767229200000, hasRefreshToken: false, cookieNames: [] }
 * if (info.expiresAt !== undefined && info.expiresAt < Date.now() + 60_000) logger.info('the token is about to be renewed');
 */
export interface TokenInfo {
  /** Whether the auth type obtains tokens at all (false for none, api_key, basic, bearer). */
  managed: boolean;
  tokenType?: string;
  /** Epoch ms, when known. */
  expiresAt?: number;
  hasRefreshToken: boolean;
  cookieNames: string[];
}

export interface BaseTarget extends TargetBase {
  readonly url: URL;
  /** The base URL without a trailing slash: relative action paths are appended to it. */
  readonly href: string;
}

export interface ConnectionParts {
  connectionId: string;
  actions: ReadonlyMap<string, CompiledAction>;
  strategy: AuthStrategy;
  tokens?: TokenManager;
  /** The user's part in the grant (authorize, revoke, forget): present wherever `tokens` is. */
  session?: AuthorizationSession;
  http: HttpClient;
  ctx: AuthContext;
  /** The base URL, or (built from the token record) how to get it for the record a request is sent with. */
  base: BaseTarget | ((record: TokenRecord | undefined) => BaseTarget);
  allowedHosts: ReadonlySet<string>;
  redactor: Redactor;
  events: EventSink;
  rateLimiter?: RateLimiter;
  /** Closes what this connection owns alone (the agent of its client certificate). */
  close?: () => Promise<void>;
  retry: { maxAttempts: number; maxElapsedMs: number; baseDelayMs: number };
}

/**
 * Per-call options of execute().
 *
 * @example
 * const options: CallOptions = { signal: request.signal, timeoutMs: 10_000, headers: { 'X-Request-Id': requestId } };
 * const { data } = await connection.execute('get-user-lists', {}, options);
 */
export interface CallOptions {
  /**
   * Aborts the call wherever it waits — queued behind the rate limit, in a retry's backoff,
   * for a token renewal, sending, or reading the body — with the standard AbortError (`name`
   * "AbortError", `cause` the signal's reason). A renewal other callers wait for goes on.
   */
  signal?: AbortSignal;
  /** Aborts the call after this many milliseconds, as `signal` does. */
  timeoutMs?: number;
  /** Headers added to this request (after the action's; the credentials are placed after them). */
  headers?: Record<string, string>;
}

/**
 * Options of paginate() and items(): the call options of every page, and the page limit.
 *
 * @example
 * const options: PageOptions = { maxPages: 5, timeoutMs: 30_000 };
 * for await (const email of connection.items('domain-emails-with-info', { domain: 'snov.io' }, options)) console.log(email);
 */
export interface PageOptions extends Pick<CallOptions, 'signal' | 'timeoutMs'> {
  maxPages?: number;
}

interface Call {
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
}

const NO_OPTIONS: CallOptions = Object.freeze({});

/** The result of a page read (a shared function: execute's continuation allocates nothing for it). */
const resultOf = (read: ReadResult): ActionResult => read.result;

/** The call of an execute without signal, timeout or headers (most of them): nothing to make per call. */
const PLAIN_CALL: Call = Object.freeze({});

function callOf(options: CallOptions): Call {
  if (options.signal === undefined && options.timeoutMs === undefined && options.headers === undefined) return PLAIN_CALL;
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((signal): signal is AbortSignal => signal !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  return { ...(signal ? { signal } : {}), ...(options.headers ? { headers: options.headers } : {}) };
}

/**
 * A connector bound to one user's credentials (what `connector.connect()` returns): runs actions
 * with the connection's auth, renewing its token as needed, and keeps its tokens and cookies in
 * the store under `connectionId`.
 *
 * @example
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials: { client_id, client_secret } });
 * const { data } = await connection.execute('get-balance');
 * for await (const email of connection.items('domain-emails-with-info', { domain: 'snov.io' })) console.log(email);
 * await connection.close();
 */
export class Connection {
  readonly connectionId: string;
  readonly #parts: ConnectionParts;
  readonly #credentialHeaders: string[];
  readonly #credentialQueryParams: string[];
  /** Each action's composed request pipeline, built on its first call. */
  readonly #pipelines = new Map<string, Send<ActionRequest>>();
  /** A header whose value holds a known secret (a shared header built from a credential, say). */
  readonly #isSecretHeader: (name: string, value: string) => boolean;
  /** A body holding a known secret: a redirect never re-sends it to another origin. */
  readonly #isSecretBody: (text: string) => boolean;

  constructor(parts: ConnectionParts) {
    this.connectionId = parts.connectionId;
    this.#parts = parts;
    // Shared headers built from a secret credential are credentials too: they never cross origins.
    const secretShared = Object.entries(parts.ctx.sharedHeaders)
      .filter(([, value]) => parts.redactor.redact(value) !== value)
      .map(([name]) => name.toLowerCase());
    this.#credentialHeaders = [...new Set([...parts.strategy.credentialHeaders, ...secretShared])];
    this.#credentialQueryParams = [...parts.strategy.credentialQueryParams];
    this.#isSecretHeader = (_name, value) => parts.redactor.redact(value) !== value;
    this.#isSecretBody = (text) => parts.redactor.redact(text) !== text;
  }

  /**
   * Runs an action: validates the input, sends the request with the connection's auth, returns
   * its result (one page). `options.signal` / `timeoutMs` abort the call wherever it waits (see
   * CallOptions); `options.headers` are added to this request.
   *
   * @example
   * const { data } = await connection.execute('get-balance', {}, { signal: AbortSignal.timeout(5000) });
   */
  execute<T = unknown>(actionId: string, input?: Record<string, unknown>, options: CallOptions = NO_OPTIONS): Promise<ActionResult<T>> {
    // Continuations, not an async function: one promise less per call on the hot path. Every
    // failure, a synchronous one too, is a rejection with the error scrubbed.
    try {
      const action = this.#action(actionId);
      const call = callOf(options);
      throwIfAborted(call.signal);
      const prepared = action.prepareInput(input);
      const page = action.pager?.first();
      const read = prepared instanceof Promise ? prepared.then((value) => this.#run(action, value, page, call)) : this.#run(action, prepared, page, call);
      return read.then(resultOf, this.#rethrowScrubbed) as Promise<ActionResult<T>>;
    } catch (error) {
      return Promise.reject(this.#scrub(error));
    }
  }

  /**
   * Runs a paginated action page by page (the manifest's cursor, offset, page or Link
   * strategy), up to `maxPages` (default: the manifest's max_pages, else 100), yielding each
   * whole page. Several walks may run at once, on one action too: each keeps its own place.
   *
   * @example
   * for await (const page of connection.paginate('domain-emails-with-info', { domain: 'snov.io' })) console.log(page.data);
   */
  async *paginate<T = unknown>(actionId: string, input?: Record<string, unknown>, options: PageOptions = {}): AsyncGenerator<ActionResult<T>> {
    for await (const read of this.#pages(actionId, input, options)) yield read.result as ActionResult<T>;
  }

  /**
   * The items of every page of a paginated action, one by one: the array at the pagination's
   * `results_path` of each page's body, or the action's output when it is an array.
   *
   * @example
   * for await (const email of connection.items('domain-emails-with-info', { domain: 'snov.io' })) console.log(email);
   */
  async *items<T = unknown>(actionId: string, input?: Record<string, unknown>, options: PageOptions = {}): AsyncGenerator<T> {
    const action = this.#action(actionId);
    for await (const read of this.#pages(actionId, input, options)) {
      const found = action.pager?.results ? action.pager.results.first(read.json) : read.result.data;
      if (!Array.isArray(found)) {
        const where = action.pager?.results ? `at ${action.pager.results.normalized}` : 'in its output';
        throw this.#scrub(new ResponseError(`action "${action.id}": the page has no array of items ${where}; use paginate() for whole pages`));
      }
      for (const item of found) yield item as T;
    }
  }

  async *#pages(actionId: string, input: Record<string, unknown> | undefined, options: PageOptions): AsyncGenerator<ReadResult> {
    const action = this.#action(actionId);
    const call = callOf(options);
    let prepared: Record<string, unknown>;
    try {
      throwIfAborted(call.signal);
      prepared = await action.prepareInput(input);
    } catch (error) {
      throw this.#scrub(error);
    }
    const pager = action.pager;
    const maxPages = options.maxPages ?? pager?.maxPages ?? 1;
    let page = pager?.first();
    for (let count = 0; count < maxPages; count++) {
      let read: ReadResult;
      try {
        read = await this.#run(action, prepared, page, call);
      } catch (error) {
        throw this.#scrub(error);
      }
      yield read;
      page = page && pager?.next({ json: read.json, headers: read.result.headers, url: read.url }, page);
      if (!page) return;
    }
  }

  /** Obtains a token now if the connection has none (or it is expiring) and describes it. */
  async ensureToken(): Promise<TokenInfo> {
    const tokens = this.#parts.tokens;
    if (!tokens) return { managed: false, hasRefreshToken: false, cookieNames: [] };
    try {
      const record = await tokens.current();
      return {
        managed: true,
        tokenType: record.tokenType,
        expiresAt: record.expiresAt,
        hasRefreshToken: record.refreshToken !== undefined,
        cookieNames: record.cookies.map((cookie) => cookie.name),
      };
    } catch (error) {
      throw this.#scrub(error);
    }
  }

  /**
   * The URL to send the user to (authorization code grant; OAuth 1.0a's three-legged flow, which
   * first obtains the temporary credentials). Its state and PKCE verifier (OAuth 1.0a: the
   * temporary token and its secret) are kept in the token store, so the callback may be completed
   * by another process.
   *
   * @example
   * const url = await connection.authorizationUrl(); // send the user there; then completeAuthorization(callbackUrl)
   */
  async authorizationUrl(): Promise<string> {
    const { flow, session } = this.#authorizationCode();
    try {
      const request = await flow.start(this.#parts.ctx.scope, this.#parts.ctx);
      await session.begin({ state: request.state, codeVerifier: request.codeVerifier });
      return request.url;
    } catch (error) {
      throw this.#scrub(error);
    }
  }

  /**
   * Where the provider sends the user back after authorizationUrl() when the URL itself does not
   * say it: OAuth 1.0a's callback_url, rendered with the connection's credentials. undefined for
   * OAuth 2, whose authorization URL carries its redirect_uri.
   *
   * @example
   * const callback = connection.callbackUrl() ?? new URL(url).searchParams.get('redirect_uri');
   */
  callbackUrl(): string | undefined {
    const { flow } = this.#authorizationCode();
    return flow.callbackUrl?.(this.#parts.ctx.scope);
  }

  /**
   * Completes the authorization code grant from the callback URL (or its query parameters). The
   * callback is checked whole (repeated parameters, RFC 9207 iss, error) before its state is
   * spent, so a bad one leaves the pending authorization for the genuine callback.
   */
  async completeAuthorization(callback: AuthorizationCallback): Promise<void> {
    const { flow, session } = this.#authorizationCode();
    try {
      const { code, state, values } = readAuthorizationCallback(callback, flow.callbackRules(this.#parts.ctx.scope));
      this.#parts.redactor.add(code);
      await session.complete(state, (verifier) => flow.exchange(this.#parts.ctx, code, verifier, values, state));
    } catch (error) {
      throw this.#scrub(error);
    }
  }

  #action(actionId: string): CompiledAction {
    const action = this.#parts.actions.get(actionId);
    if (!action) throw new UnknownActionError(actionId, [...this.#parts.actions.keys()]);
    return action;
  }

  /** One page of an action: send, renew the token once if the answer says it expired, replay once, read. */
  #run(action: CompiledAction, input: Record<string, unknown>, page: PageRequest | undefined, call: Call): Promise<ReadResult> {
    // One span per page: its token requests and hops (retries, redirects, a replay) are its children.
    return inSpan('connector.execute', 'internal', action.spanAttributes, () => this.#runPage(action, input, page, call));
  }

  #runPage(action: CompiledAction, input: Record<string, unknown>, page: PageRequest | undefined, call: Call): Promise<ReadResult> {
    // Continuations, not an async function: a call with a fresh token whose answer does not
    // refuse it (nearly every call) pays no async frame. A failure is a rejection, never a throw.
    try {
      const tokens = this.#parts.tokens;
      const record = tokens?.fresh();
      if (tokens && record === undefined) {
        // A caller that gives up stops waiting for the token; the renewal goes on for the others.
        return untilAborted(tokens.current(), call.signal).then((current) => this.#sendPage(action, input, current, page, call));
      }
      return this.#sendPage(action, input, record, page, call);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #sendPage(action: CompiledAction, input: Record<string, unknown>, record: TokenRecord | undefined, page: PageRequest | undefined, call: Call): Promise<ReadResult> {
    return this.#send(action, input, record, page, call).then((response) => {
      const json = jsonBody(action, response);
      return record !== undefined && this.#saysExpired(response, json) ? this.#replay(action, input, record, page, call, response) : this.#read(action, response, json);
    });
  }

  /** The answer says the token expired: renew it once and send again; refused again, the credentials lack access. */
  async #replay(action: CompiledAction, input: Record<string, unknown>, record: TokenRecord, page: PageRequest | undefined, call: Call, refused: HttpResponse): Promise<ReadResult> {
    const tokens = this.#parts.tokens as TokenManager;
    discard(refused);
    this.#emit({ type: 'auth.token_rejected', action: action.id, status: refused.status });
    const renewed = await untilAborted(tokens.renewAfterRejection(record), call.signal);
    const response = await this.#send(action, input, renewed, page, call);
    const json = jsonBody(action, response);
    if (this.#saysExpired(response, json)) {
      discard(response);
      throw new AuthError(
        `action "${action.id}" was refused (${response.status}) again right after the token was renewed: the credentials lack access, or the API rejects this token type`,
        { status: response.status },
      );
    }
    return this.#read(action, response, json);
  }

  #read(action: CompiledAction, response: HttpResponse, json: unknown): ReadResult {
    const url = response.url;
    return readActionResult(action, response, json, () => this.#printable(url), this.#parts.redactor);
  }

  #authorizationCode() {
    const flow = this.#parts.strategy.authorizationCode;
    const session = this.#parts.session;
    if (!flow || !session) {
      throw new AuthError(`auth type "${this.#parts.strategy.type}" has no user authorization step`);
    }
    return { flow, session };
  }

  /**
   * Revokes the grant at the provider (RFC 7009, the manifest's revocation_url) and forgets the
   * tokens: 'revoked', or 'retry_later' when the provider answered 503 (the tokens are kept).
   */
  async revoke(): Promise<'revoked' | 'retry_later'> {
    const session = this.#parts.session;
    if (!session) throw new AuthError(`auth type "${this.#parts.strategy.type}" has no tokens to revoke`);
    try {
      return await session.revoke();
    } catch (error) {
      throw this.#scrub(error);
    }
  }

  /**
   * Releases what this connection holds alone (the sockets of its client certificate); shared
   * agents stay open until `connector.close()`. The tokens stay in the store.
   */
  async close(): Promise<void> {
    await this.#parts.close?.();
  }

  /** Forgets this connection's tokens and cookies in the store; the next execute authorizes afresh. */
  async reset(): Promise<void> {
    await this.#parts.session?.forget();
  }

  /** Builds one request of an action from its templates (with the record's auth view) and sends it through the pipeline. */
  #send(action: CompiledAction, input: Record<string, unknown>, record: TokenRecord | undefined, page: PageRequest | undefined, call: Call): Promise<HttpResponse> {
    const parts = this.#parts;
    const base = parts.ctx.scope;
    // One request scope per request built: its nonces and uuids are shared by every field of this request alone.
    // Built with its request values in place: a copy through requestScope() would cost a spread per request.
    const scope: TemplateScope = { credentials: base.credentials, env: base.env, input, auth: authView(record), now: Math.floor(parts.ctx.now() / 1000), [REQUEST_VALUES]: new RequestValues() };
    // Object.assign, not a spread: on Node 20 an object spread and then given a new key gets a hidden class of its own each time (docs/architecture.md, "Hot-path rules").
    const headers: Record<string, string> = Object.assign({}, parts.ctx.sharedHeaders);
    const target = typeof parts.base === 'function' ? parts.base(record) : parts.base;
    const built = action.build(scope, target.href, headers, page);
    if (call.headers) Object.assign(headers, call.headers);
    const url = new URL(built.href);
    checkTarget(url, target, parts.allowedHosts, built.relative, action.id);
    return this.#pipeline(action)({
      call: { action, scope, record, origin: url.origin },
      method: action.method,
      url,
      headers,
      body: built.body,
      maxRedirects: 3,
      credentialHeaders: this.#credentialHeaders,
      isSecretHeader: this.#isSecretHeader,
      isSecretBody: this.#isSecretBody,
      credentialQueryParams: this.#credentialQueryParams,
      responseType: action.spec.response_format === 'binary' ? 'stream' : 'buffer',
      timeouts: parts.ctx.timeouts,
      maxResponseBytes: parts.ctx.maxResponseBytes,
      urlTemplate: action.spec.path,
      propagateTrace: parts.ctx.propagateTraceContext,
      // Always present (undefined without one): a spread here would cost a copy per request.
      signal: call.signal,
    });
  }

  #pipeline(action: CompiledAction): Send<ActionRequest> {
    let send = this.#pipelines.get(action.id);
    if (!send) {
      const parts = this.#parts;
      send = actionPipeline({ ...parts, print: (url) => this.#printable(url), now: () => parts.ctx.now() }, action);
      this.#pipelines.set(action.id, send);
    }
    return send;
  }

  #saysExpired(response: HttpResponse, json: unknown): boolean {
    return this.#parts.strategy.isExpired({ status: response.status, headers: response.headers, json });
  }

  #printable(url: URL): string {
    return this.#parts.redactor.redact(printableUrl(url, this.#credentialQueryParams));
  }

  #emit(event: AuthEvent): void {
    this.#parts.events.emit(event);
  }

  /**
   * Last line of defence: no error leaves with a secret in any field, cause or stack, whatever
   * produced it; a foreign error becomes CONNECTOR_INTERNAL with its message redacted.
   */
  /** A rejection handler made once per connection, not per call. */
  readonly #rethrowScrubbed = (error: unknown): never => {
    throw this.#scrub(error);
  };

  #scrub(error: unknown): unknown {
    const redactor = this.#parts.redactor;
    if (ConnectorError.isConnectorError(error)) return redactor.redactError(error);
    // The host's own cancellation, as the host made it (its cause is the host's reason).
    if (isAbortError(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ConnectorError(ERROR_CODES.internal, redactor.redact(message));
  }
}


