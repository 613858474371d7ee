/**
 * A connector bound to one end user's credentials: executes actions, with the token lifecycle
 * (cache, single-flight renewal, one refresh and one replay when a response says the token
 * expired) and the connection's cookie jar. `execute` is the hot path: everything that depends
 * only on the credentials was rendered at connect time.
 */
import type { Readable } from 'node:stream';
import { AuthError, ConnectorError, ERROR_CODES, HttpError, ResponseError, UnknownActionError } from '../errors.js';
import type { ConnectorEvent, EventListener } from '../events.js';
import type { Redactor } from '../redact.js';
import type { HttpClient, HttpResponse } from '../http/http-client.js';
import type { TokenRecord } from '../store/token-store.js';
import { cookieHeaderFor } from '../store/cookie-jar.js';
import { parseJsonSafely } from '../extract/json-body.js';
import type { TemplateScope } from '../template/liquid.js';
import type { AuthStrategy, ApplyTarget } from '../auth/auth-strategy.js';
import type { AuthContext } from '../auth/auth-context.js';
import { authView } from '../auth/auth-view.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { BuiltRequest, CompiledAction } from './action.js';

export interface ActionResult<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (selected by the action's output path), text, or a stream for binary responses. */
  data: T;
}

/** What a connection may say about its token: never the token itself. */
export interface TokenInfo {
  /** Whether the auth type obtains tokens at all (false for none, api_key, basic, bearer). */
  managed: boolean;
  tokenType?: string;
  /** Epoch ms, when known. */
  expiresAt?: number;
  hasRefreshToken: boolean;
  cookieNames: string[];
}

export interface ConnectionParts {
  connectionId: string;
  actions: ReadonlyMap<string, CompiledAction>;
  strategy: AuthStrategy;
  tokens?: TokenManager;
  http: HttpClient;
  ctx: AuthContext;
  baseUrl: URL;
  allowedHosts: ReadonlySet<string>;
  redactor: Redactor;
  onEvent?: EventListener;
}

export class Connection {
  readonly connectionId: string;
  readonly #parts: ConnectionParts;
  readonly #credentialHeaders: string[];

  constructor(parts: ConnectionParts) {
    this.connectionId = parts.connectionId;
    this.#parts = parts;
    this.#credentialHeaders = [...parts.strategy.credentialHeaders];
  }

  /** Runs an action: validates the input, sends the request with the connection's auth, returns its result. */
  async execute<T = unknown>(actionId: string, input?: Record<string, unknown>): Promise<ActionResult<T>> {
    const parts = this.#parts;
    const action = parts.actions.get(actionId);
    if (!action) throw new UnknownActionError(actionId, [...parts.actions.keys()]);
    try {
      const prepared = action.prepareInput(input);
      let record = parts.tokens ? await parts.tokens.current() : undefined;
      let response = await this.#send(action, prepared, record);
      if (record && parts.tokens && this.#saysExpired(response)) {
        const stale = record;
        await discard(response);
        this.#emit({ type: 'auth.token_rejected', action: action.id, status: response.status });
        record = await parts.tokens.renewAfterRejection(stale);
        response = await this.#send(action, prepared, record);
        if (this.#saysExpired(response)) {
          await discard(response);
          throw new AuthError(
            `action "${action.id}" was refused (${response.status}) again right after the token was renewed: the credentials lack access, or the API rejects this token type`,
            { status: response.status },
          );
        }
      }
      return (await this.#result(action, response)) as ActionResult<T>;
    } catch (error) {
      throw this.#scrub(error);
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
   * The URL to send the user to (authorization code grant). Its state and PKCE verifier are
   * kept in the token store, so the callback may be completed by another process.
   */
  async authorizationUrl(): Promise<string> {
    const { flow, tokens } = this.#authorizationCode();
    const request = flow.start(this.#parts.ctx.scope);
    await tokens.beginAuthorization({ state: request.state, codeVerifier: request.codeVerifier });
    return request.url;
  }

  /** Completes the authorization code grant from the callback URL (or its query parameters). */
  async completeAuthorization(callback: string | URL | URLSearchParams | Record<string, string>): Promise<void> {
    const { flow, tokens } = this.#authorizationCode();
    const params = callbackParams(callback);
    try {
      const error = params.get('error');
      if (error) {
        const description = params.get('error_description');
        throw new AuthError(`the user's authorization ended with "${error}"${description ? `: ${description}` : ''}`, { oauthError: error });
      }
      const code = params.get('code');
      const state = params.get('state');
      if (!code || !state) throw new AuthError('the authorization callback carries no code or no state');
      this.#parts.redactor.add(code);
      await tokens.completeAuthorization(state, (verifier) => flow.exchange(this.#parts.ctx, code, verifier));
    } catch (error) {
      throw this.#scrub(error);
    }
  }

  #authorizationCode() {
    const flow = this.#parts.strategy.authorizationCode;
    const tokens = this.#parts.tokens;
    if (!flow || !tokens) {
      throw new AuthError(`auth type "${this.#parts.strategy.type}" has no user authorization step`);
    }
    return { flow, tokens };
  }

  /** Forgets this connection's tokens and cookies in the store; the next execute authorizes afresh. */
  async reset(): Promise<void> {
    await this.#parts.tokens?.reset();
  }

  async #send(action: CompiledAction, input: Record<string, unknown>, record: TokenRecord | undefined): Promise<HttpResponse> {
    const parts = this.#parts;
    const scope: TemplateScope = { ...parts.ctx.scope, input, auth: authView(record), now: Math.floor(parts.ctx.now() / 1000) };
    const built: BuiltRequest = action.build(scope, parts.baseUrl, parts.allowedHosts);
    const target: ApplyTarget = { headers: { ...parts.ctx.sharedHeaders, ...built.headers }, query: built.query, cookies: [] };
    if (action.applyAuth) parts.strategy.apply(target, scope);
    for (const [name, value] of target.query) built.url.searchParams.append(name, value);
    const jar = record?.cookies.length ? cookieHeaderFor(record.cookies, built.url, parts.ctx.now()) : undefined;
    const cookie = [jar, ...target.cookies].filter(Boolean).join('; ');
    if (cookie) target.headers.cookie = cookie;
    const started = parts.onEvent ? parts.ctx.now() : 0;
    if (parts.onEvent) this.#emit({ type: 'request', action: action.id, method: action.method, url: this.#printable(built.url), attempt: 1 });
    const response = await parts.http.send({
      method: action.method,
      url: built.url,
      headers: target.headers,
      body: built.body,
      maxRedirects: 3,
      credentialHeaders: this.#credentialHeaders,
      credentialQueryParams: [...parts.strategy.credentialQueryParams],
      responseType: action.spec.response_format === 'binary' ? 'stream' : 'buffer',
      timeouts: parts.ctx.timeouts,
      maxResponseBytes: parts.ctx.maxResponseBytes,
    });
    if (parts.onEvent) {
      this.#emit({
        type: 'response',
        action: action.id,
        method: action.method,
        url: this.#printable(built.url),
        status: response.status,
        durationMs: parts.ctx.now() - started,
      });
    }
    if (record && parts.tokens && response.setCookies.length > 0) {
      await parts.tokens.rememberCookies(record, response.setCookies, response.url);
    }
    return response;
  }

  #saysExpired(response: HttpResponse): boolean {
    return this.#parts.strategy.isExpired({ status: response.status, headers: response.headers, json: jsonOf(response) });
  }

  async #result(action: CompiledAction, response: HttpResponse): Promise<ActionResult> {
    const { status, headers } = response;
    const ok = action.expected ? action.expected.has(status) : status >= 200 && status < 300;
    if (!ok) {
      const body = await bodyExcerpt(response);
      throw new HttpError(status, action.method, this.#printable(response.url), this.#parts.redactor.redactValue(body));
    }
    if (!Buffer.isBuffer(response.body)) return { status, headers, data: response.body };
    const format = action.spec.response_format ?? formatOf(headers['content-type']);
    if (format === 'text') return { status, headers, data: response.body.toString('utf8') };
    if (response.body.length === 0 && !action.output) return { status, headers, data: null };
    const json = jsonOf(response);
    if (json === undefined) {
      throw new ResponseError(
        `action "${action.id}": ${action.method} ${this.#printable(response.url)} answered ${status} with a body that is not JSON (${String(headers['content-type'] ?? 'no content type')})`,
      );
    }
    if (!action.output) return { status, headers, data: json };
    const data = action.output.first(json);
    if (data === undefined) {
      throw new ResponseError(`action "${action.id}": the response has nothing at ${action.output.normalized}`);
    }
    return { status, headers, data };
  }

  #printable(url: URL): string {
    const params = this.#parts.strategy.credentialQueryParams;
    let text = `${url.origin}${url.pathname}`;
    if (url.search) {
      const masked = new URLSearchParams();
      for (const [name, value] of url.searchParams) masked.append(name, params.includes(name) ? '***' : value);
      text += `?${masked.toString()}`;
    }
    return this.#parts.redactor.redact(text);
  }

  #emit(event: DistributiveOmit<ConnectorEvent, 'connectionId' | 'at'>): void {
    const listener = this.#parts.onEvent;
    if (!listener) return;
    const full = { ...event, connectionId: this.connectionId, at: this.#parts.ctx.now() } as ConnectorEvent;
    listener(this.#parts.redactor.redactValue(full) as ConnectorEvent);
  }

  /** Last line of defence: no message leaves with a secret, whatever produced it. */
  #scrub(error: unknown): unknown {
    if (ConnectorError.isConnectorError(error)) {
      const clean = this.#parts.redactor.redact(error.message);
      if (clean !== error.message) error.message = clean;
      if (error.stack) error.stack = this.#parts.redactor.redact(error.stack);
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ConnectorError(ERROR_CODES.internal, this.#parts.redactor.redact(message));
  }
}

function callbackParams(callback: string | URL | URLSearchParams | Record<string, string>): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  if (callback instanceof URL) return callback.searchParams;
  if (typeof callback === 'string') {
    return /^[a-z][a-z0-9+.-]*:/i.test(callback) ? new URL(callback).searchParams : new URLSearchParams(callback);
  }
  return new URLSearchParams(callback);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const jsonCache = new WeakMap<HttpResponse, unknown>();

function jsonOf(response: HttpResponse): unknown {
  if (!Buffer.isBuffer(response.body) || response.body.length === 0) return undefined;
  if (jsonCache.has(response)) return jsonCache.get(response);
  const json = parseJsonSafely(response.body.toString('utf8'));
  jsonCache.set(response, json);
  return json;
}

function formatOf(contentType: string | string[] | undefined): 'json' | 'text' {
  const type = (Array.isArray(contentType) ? contentType[0] : contentType) ?? '';
  return /json/i.test(type) || type === '' ? 'json' : 'text';
}

async function bodyExcerpt(response: HttpResponse): Promise<unknown> {
  if (!Buffer.isBuffer(response.body)) {
    await discard(response);
    return undefined;
  }
  return jsonOf(response) ?? response.body.subarray(0, 2048).toString('utf8');
}

async function discard(response: HttpResponse): Promise<void> {
  if (Buffer.isBuffer(response.body)) return;
  (response.body as Readable).destroy();
}
