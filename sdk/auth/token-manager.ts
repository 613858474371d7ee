/**
 * The token lifecycle of one connection: use the cached token while it is fresh; otherwise
 * renew it once for every concurrent caller (in-process single flight) under the store's lock
 * (across processes), re-reading the store inside the lock because another worker may have
 * renewed it already. Renewal tries the refresh request, then a full authorization with the
 * stored credentials, and only then gives up with ReauthorizationRequired.
 *
 * A refresh that was sent but whose answer was lost leaves a marker in the store and is never
 * sent again: with rotating refresh tokens a replay can revoke the whole grant, so the next
 * attempt authorizes afresh instead.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AuthError,
  ConfigurationError,
  ConnectorError,
  CredentialsError,
  CredentialsRefusedError,
  ERROR_CODES,
  HttpError,
  NetworkError,
  ReauthorizationRequired,
  RequestRefusedError,
  ResponseError,
  StoreError,
  TimeoutError,
} from '../errors.js';
import { registerRecordSecrets } from './record-secrets.js';
import { backoffDelay } from '../http/backoff.js';
import { storeCookies, type StoredCookie } from '../store/cookie-jar.js';
import { parseSetCookies } from '../extract/cookie.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';
import type { AuthContext } from './auth-context.js';
import type { TokenSource } from './auth-strategy.js';
import type { TokenResult } from './token-request.js';

export interface TokenManagerOptions {
  connectionId: string;
  store: TokenStore;
  source: TokenSource;
  ctx: AuthContext;
  /** Attempts for a token request that failed transiently (5xx, 429, reset, timeout). Default 3. */
  attempts?: number;
  /** First backoff delay in ms, doubled each attempt, with jitter. Default 200. */
  baseDelayMs?: number;
}

type Renewal = 'authorization' | 'refresh';

export class TokenManager {
  readonly #id: string;
  readonly #store: TokenStore;
  readonly #source: TokenSource;
  readonly #ctx: AuthContext;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  /** The last record this process saw: the hot path reads it without touching the store. */
  #record: TokenRecord | undefined;
  #inflight: Promise<TokenRecord> | undefined;
  /**
   * Tokens the server issued that the store refused to take (it failed): they are the only valid
   * ones, so they are used from here and written again before anything else is renewed.
   */
  #unsaved: TokenRecord | undefined;
  /** The last renewal that failed transiently, and when: renewals wait out the cooldown. */
  #failure: { error: unknown; at: number } | undefined;

  constructor(options: TokenManagerOptions) {
    this.#id = options.connectionId;
    this.#store = options.store;
    this.#source = options.source;
    this.#ctx = options.ctx;
    this.#attempts = options.attempts ?? 3;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
  }

  /** The cached record when it is fresh: the hot path's answer without a promise. */
  fresh(): TokenRecord | undefined {
    const record = this.#record;
    return record !== undefined && this.#unsaved === undefined && this.#isFresh(record) ? record : undefined;
  }

  /** The record to send with: the cached one while fresh, else a renewed one (one renewal for all callers). */
  current(): Promise<TokenRecord> {
    const record = this.#record;
    if (record !== undefined && this.#unsaved === undefined && this.#isFresh(record)) return Promise.resolve(record);
    return this.#renew(record?.accessToken, false);
  }

  /** A response said `rejected` has expired: renew it, unless another caller already has. */
  renewAfterRejection(rejected: TokenRecord): Promise<TokenRecord> {
    return this.#renew(rejected.accessToken, true);
  }

  /** Keeps cookies an action response set (best effort: a concurrent renewal wins). */
  async rememberCookies(record: TokenRecord, setCookies: string[], url: URL): Promise<void> {
    const cookies = storeCookies(record.cookies, parseSetCookies(setCookies), url, this.#ctx.now());
    // Servers that set the same cookie on every answer (load balancers) must not cost a store write per call.
    if (sameJar(record.cookies, cookies)) return;
    for (const cookie of cookies) this.#ctx.redactor.add(cookie.value);
    const next: TokenRecord = { ...record, cookies, version: record.version + 1 };
    if (await this.#store.compareAndSet(this.#id, record.version, next)) {
      if (this.#record === record) this.#record = next;
    }
  }

  /** Keeps the state (and PKCE verifier) of an authorization the user is about to grant, for completeAuthorization. */
  async beginAuthorization(pending: { state: string; codeVerifier?: string }): Promise<void> {
    await this.#store.withLock(this.#id, async () => {
      const stored = await this.#read();
      const version = stored?.version ?? 0;
      const base: TokenRecord = stored ?? { version, cookies: [], extras: {} };
      await this.#write(version, { ...base, version: version + 1, pendingAuthorization: { ...pending, createdAt: this.#ctx.now() } });
    });
  }

  /**
   * Checks the callback's state against the pending authorization (once: a state is never
   * accepted twice) and stores the token the exchange returns.
   */
  async completeAuthorization(state: string, exchange: (codeVerifier: string | undefined) => Promise<TokenResult>): Promise<TokenRecord> {
    return this.#store.withLock(this.#id, async () => {
      const stored = await this.#read();
      const pending = stored?.pendingAuthorization;
      if (!stored || !pending || !sameSecret(pending.state, state)) {
        throw new AuthError('the authorization callback does not belong to an authorization this connection started (state mismatch): start again with authorizationUrl()');
      }
      const { pendingAuthorization: _used, ...rest } = stored;
      const version = stored.version + 1;
      await this.#write(stored.version, { ...rest, version });
      if (this.#ctx.now() - pending.createdAt > PENDING_AUTHORIZATION_MS) {
        throw new AuthError('the authorization took longer than 10 minutes: start again with authorizationUrl()');
      }
      const result = await exchange(pending.codeVerifier);
      const record = this.#recordFrom(undefined, result, 'authorization', version);
      await this.#write(version, record);
      this.#record = record;
      this.#ctx.emit({ type: 'token.acquired', expiresAt: record.expiresAt, source: 'authorization' });
      return record;
    });
  }

  /**
   * Revokes the connection's grant at the provider (RFC 7009) and forgets its tokens. A 503 keeps
   * them (they are still valid) for a later try.
   */
  async revoke(): Promise<'revoked' | 'retry_later'> {
    const revoke = this.#source.revoke;
    if (!revoke) throw new AuthError('this auth type has no revocation endpoint (revocation_url in the manifest)');
    return this.#store.withLock(this.#id, async () => {
      const stored = await this.#read();
      const outcome = stored === undefined ? 'revoked' : await revoke(this.#ctx, stored);
      if (outcome === 'revoked') {
        await this.#store.delete(this.#id);
        this.#record = undefined;
        this.#unsaved = undefined;
      }
      this.#ctx.emit({ type: 'token.revoked', outcome });
      return outcome;
    });
  }

  /** Forgets the connection's tokens (after the host fixed the credentials, say). */
  async reset(): Promise<void> {
    await this.#store.withLock(this.#id, () => this.#store.delete(this.#id));
    this.#record = undefined;
  }

  #isFresh(record: TokenRecord): boolean {
    return (
      record.accessToken !== undefined &&
      record.reauthorizationRequired !== true &&
      !this.#source.expiry.needsRefresh(record, this.#ctx.now())
    );
  }

  #renew(staleToken: string | undefined, forced: boolean): Promise<TokenRecord> {
    const inflight = this.#inflight;
    if (inflight) {
      // Join the renewal under way; a forced caller whose token it did not replace goes again.
      return inflight.then((record) =>
        forced && record.accessToken === staleToken ? this.#renew(staleToken, forced) : record,
      );
    }
    const run = this.#store
      .withLock(this.#id, () => this.#renewLocked(staleToken, forced))
      .finally(() => {
        this.#inflight = undefined;
      });
    this.#inflight = run;
    return run;
  }

  async #renewLocked(staleToken: string | undefined, forced: boolean): Promise<TokenRecord> {
    if (this.#unsaved) await this.#saveUnsaved(this.#unsaved);
    const stored = await this.#read();
    if (stored?.reauthorizationRequired) {
      this.#record = stored;
      throw new ReauthorizationRequired(
        `connection "${this.#id}" needs to be authorized again: its credentials were refused earlier`,
      );
    }
    if (stored?.accessToken !== undefined) {
      const renewedElsewhere = stored.accessToken !== staleToken;
      if (this.#isFresh(stored) && (!forced || renewedElsewhere)) {
        this.#record = stored;
        return stored;
      }
    }
    const failure = this.#failure;
    if (failure && this.#ctx.now() - failure.at < RENEWAL_COOLDOWN_MS) throw failure.error;
    try {
      const record = await this.#obtain(stored);
      this.#failure = undefined;
      return record;
    } catch (error) {
      // A token endpoint that is down or answers garbage is not asked again for every call: once per cooldown.
      if (isTransient(error) || isInvalidAnswer(error)) this.#failure = { error, at: this.#ctx.now() };
      throw error;
    }
  }

  /** Writes tokens the store refused earlier, unless another worker has stored newer ones since. */
  async #saveUnsaved(unsaved: TokenRecord): Promise<void> {
    const stored = await this.#read();
    const base = unsaved.version - 1;
    if ((stored?.version ?? 0) === base) await this.#write(base, unsaved);
    else if (stored?.accessToken !== undefined) this.#record = stored;
    this.#unsaved = undefined;
  }

  async #obtain(stored: TokenRecord | undefined): Promise<TokenRecord> {
    let version = stored?.version ?? 0;
    let result: TokenResult | undefined;
    let refreshFailure: ConnectorError | undefined;
    if (stored?.pendingRefresh) {
      refreshFailure = new AuthError('an earlier refresh was sent but its answer was lost; the refresh token may be spent');
      this.#emitRefreshFailed(refreshFailure);
    } else if (stored?.refreshToken !== undefined && this.#source.refresh) {
      const refreshed = await this.#tryRefresh(stored);
      if ('record' in refreshed) return refreshed.record;
      version = refreshed.version;
      result = refreshed.result;
      refreshFailure = refreshed.failure;
    }
    const renewal: Renewal = result ? 'refresh' : 'authorization';
    result ??= await this.#authorize(version, refreshFailure);
    const record = this.#recordFrom(stored, result, renewal, version);
    this.#record = record;
    try {
      await this.#write(version, record);
    } catch (error) {
      this.#unsaved = record;
      throw error;
    }
    this.#emitRenewed(renewal, record, result, stored, refreshFailure !== undefined);
    return record;
  }

  /**
   * The refresh request, behind its write-ahead marker: its result, the record another worker
   * renewed meanwhile, or the failure that sends us on to a full authorization.
   */
  async #tryRefresh(
    stored: TokenRecord,
  ): Promise<{ record: TokenRecord } | { version: number; result?: TokenResult; failure?: ConnectorError }> {
    const marked = await this.#markRefreshPending(stored);
    if (typeof marked !== 'number') return { record: marked };
    try {
      return { version: marked, result: await this.#retrying(() => this.#refresh(stored), isRetryableRefreshFailure) };
    } catch (error) {
      if (!ConnectorError.isConnectorError(error)) throw error;
      if (nothingConsumed(error)) {
        // The server did not act on it: the refresh token is still good, the marker goes.
        await this.#write(marked, { ...stored, version: marked + 1 });
        if (isTransient(error)) throw error;
        this.#emitRefreshFailed(error);
        return { version: marked + 1, failure: error };
      }
      if (!isTransient(error)) {
        // Refused because another worker (whose lease outlived ours) rotated it meanwhile: use theirs.
        const newer = this.#renewedElsewhere(await this.#read(), stored.refreshToken);
        if (newer) return { record: newer };
      }
      this.#emitRefreshFailed(error);
      return { version: marked, failure: error };
    }
  }

  /**
   * A full authorization with the stored credentials. Only a refusal of the credentials (or a
   * grant that needs the user) flags the connection for re-authorization; configuration errors,
   * transient failures and unusable answers are thrown as they are, and nothing is flagged.
   */
  async #authorize(version: number, refreshFailure: ConnectorError | undefined): Promise<TokenResult> {
    if (!this.#source.canAuthorizeUnattended) {
      // Only the user can help after a refusal, a lost refresh answer (AuthError) or with no token at all.
      if (refreshFailure && !isRefusal(refreshFailure) && refreshFailure.code !== ERROR_CODES.auth) throw refreshFailure;
      throw await this.#giveUp(version, refreshFailure ?? new AuthError('it has no token yet: send the user to connection.authorizationUrl() first'));
    }
    try {
      return await this.#retrying(() => this.#source.authorize(this.#ctx), isTransient);
    } catch (error) {
      if (isRefusal(error)) throw await this.#giveUp(version, error);
      throw error;
    }
  }

  #emitRenewed(renewal: Renewal, record: TokenRecord, result: TokenResult, stored: TokenRecord | undefined, afterFailure: boolean): void {
    if (renewal === 'refresh') {
      this.#ctx.emit({
        type: 'token.refreshed',
        expiresAt: record.expiresAt,
        refreshTokenRotated: result.refreshToken !== undefined && result.refreshToken !== stored?.refreshToken,
      });
      return;
    }
    this.#ctx.emit({ type: 'token.acquired', expiresAt: record.expiresAt, source: 'authorization' });
    if (afterFailure) this.#ctx.emit({ type: 'auth.reauthorized' });
  }

  /** Reads the connection's record; everything secret in it is registered with the redactor first. */
  async #read(): Promise<TokenRecord | undefined> {
    const record = await this.#store.get(this.#id);
    if (record) registerRecordSecrets(this.#ctx.redactor, record);
    return record;
  }

  #refresh(stored: TokenRecord): Promise<TokenResult> {
    const refresh = this.#source.refresh;
    if (!refresh) throw new TypeError('no refresh request configured');
    return refresh(this.#ctx, stored);
  }

  /**
   * Write-ahead: if the answer is lost, the next renewal knows the refresh token may be spent.
   * Returns the marked version, or the record another worker renewed meanwhile (then nothing is
   * sent: a refresh token another worker may have presented is never presented again).
   */
  async #markRefreshPending(stored: TokenRecord): Promise<number | TokenRecord> {
    let base = stored;
    for (let attempt = 1; ; attempt++) {
      const marked: TokenRecord = {
        ...base,
        version: base.version + 1,
        pendingRefresh: { startedAt: this.#ctx.now(), refreshTokenFingerprint: fingerprint(stored.refreshToken ?? '') },
      };
      if (await this.#store.compareAndSet(this.#id, base.version, marked)) return marked.version;
      const current = await this.#read();
      const untouched =
        current !== undefined &&
        current.refreshToken === stored.refreshToken &&
        current.pendingRefresh === undefined &&
        current.reauthorizationRequired !== true;
      if (!untouched || attempt >= 3) {
        const newer = this.#renewedElsewhere(current, stored.refreshToken);
        if (newer) return newer;
        throw new StoreError(`connection "${this.#id}" is being renewed by another worker (this one's lock ran out): try again`);
      }
      // Only something beside the tokens changed (cookies an action response set): mark that.
      base = current;
    }
  }

  /** `current` if it holds tokens another worker obtained after `spentRefreshToken` (it becomes ours), else undefined. */
  #renewedElsewhere(current: TokenRecord | undefined, spentRefreshToken: string | undefined): TokenRecord | undefined {
    if (
      current === undefined ||
      current.accessToken === undefined ||
      current.reauthorizationRequired === true ||
      current.pendingRefresh !== undefined ||
      current.refreshToken === spentRefreshToken
    ) {
      return undefined;
    }
    this.#record = current;
    return current;
  }

  #recordFrom(stored: TokenRecord | undefined, result: TokenResult, renewal: Renewal, version: number): TokenRecord {
    const refreshed = renewal === 'refresh';
    return {
      version: version + 1,
      accessToken: result.accessToken,
      // RFC 6749 §6: a new refresh token replaces the old one; none means keep the old one.
      refreshToken: result.refreshToken ?? (refreshed ? stored?.refreshToken : undefined),
      tokenType: result.tokenType,
      expiresAt: result.expiresAt,
      obtainedAt: result.obtainedAt,
      // A new login starts a new session: old session cookies would only confuse the server.
      cookies: storeCookies(refreshed ? (stored?.cookies ?? []) : [], result.cookies, result.url, this.#ctx.now()),
      extras: refreshed ? { ...stored?.extras, ...result.extras } : result.extras,
    };
  }

  async #giveUp(version: number, cause: ConnectorError): Promise<ReauthorizationRequired> {
    const flagged: TokenRecord = {
      version: version + 1,
      cookies: [],
      extras: {},
      reauthorizationRequired: true,
    };
    await this.#write(version, flagged).catch(() => undefined);
    this.#record = flagged;
    const reason = this.#ctx.redactor.redact(cause.message);
    this.#ctx.emit({ type: 'auth.reauthorization_required', reason, code: cause.code });
    const status = cause instanceof AuthError ? cause.status : undefined;
    const oauthError = cause instanceof AuthError ? cause.oauthError : undefined;
    return new ReauthorizationRequired(
      `connection "${this.#id}" needs to be authorized again: ${reason}`,
      { status, oauthError, cause },
    );
  }

  /** Compare-and-set under our lock; a mismatch means the lock was lost, so we say so loudly. */
  async #write(expected: number, record: TokenRecord): Promise<void> {
    if (await this.#store.compareAndSet(this.#id, expected, record)) return;
    const current = await this.#read();
    // Our answer is the newest the server gave; keep it rather than lose a rotated refresh token.
    const retried = { ...record, version: (current?.version ?? 0) + 1 };
    if (await this.#store.compareAndSet(this.#id, current?.version ?? 0, retried)) {
      record.version = retried.version;
      return;
    }
    throw new StoreError(`the token store changed connection "${this.#id}" while its lock was held`);
  }

  async #retrying<T>(operation: () => Promise<T>, retryable: (error: unknown) => boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (attempt >= this.#attempts || !retryable(error)) throw error;
        const delayMs = backoffDelay(attempt, this.#baseDelayMs);
        const reason = ConnectorError.isConnectorError(error) ? error.code : 'error';
        this.#ctx.emit({ type: 'token.request_retry', attempt, delayMs, reason });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  #emitRefreshFailed(error: ConnectorError): void {
    this.#ctx.emit({
      type: 'token.refresh_failed',
      reason: this.#ctx.redactor.redact(error.message),
      code: error.code,
      willReauthorize: this.#source.canAuthorizeUnattended,
    });
  }
}

/** 5xx, 429, network failures and timeouts may pass; a refused grant will not. */
function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return error.retryable;
  if (error instanceof TimeoutError) return true;
  return error instanceof HttpError && (error.status >= 500 || error.status === 429);
}

/** The provider refused the credentials or the grant: the one failure that asks the user to act. */
function isRefusal(error: unknown): error is CredentialsRefusedError {
  return error instanceof CredentialsRefusedError;
}

/** The endpoint answered, but with something that is no token answer (HTML, [], too large, no token at the path). */
function isInvalidAnswer(error: unknown): boolean {
  return error instanceof ResponseError || (ConnectorError.isConnectorError(error) && error.code === 'CONNECTOR_TOKEN_RESPONSE_INVALID');
}

/** The refresh cannot have spent the refresh token: never sent, or answered that it was not acted on. */
function nothingConsumed(error: unknown): boolean {
  if (error instanceof RequestRefusedError || error instanceof ConfigurationError || error instanceof CredentialsError) return true;
  return isTransient(error) && !outcomeUnknown(error);
}

/** The request may have reached the server and its answer was lost. */
function outcomeUnknown(error: unknown): boolean {
  return (error instanceof NetworkError && error.sent) || (error instanceof TimeoutError && error.phase !== 'connect');
}

/** A refresh may be repeated only when the server cannot have acted on it or said it did not. */
function isRetryableRefreshFailure(error: unknown): boolean {
  return isTransient(error) && !outcomeUnknown(error);
}

const PENDING_AUTHORIZATION_MS = 10 * 60 * 1000;
/** After a renewal failed transiently (retries spent), the next attempt waits this long. */
const RENEWAL_COOLDOWN_MS = 30_000;

function sameJar(before: readonly StoredCookie[], after: readonly StoredCookie[]): boolean {
  return (
    before.length === after.length &&
    after.every((cookie, i) => {
      const old = before[i];
      return (
        old !== undefined &&
        old.name === cookie.name &&
        old.value === cookie.value &&
        old.domain === cookie.domain &&
        old.path === cookie.path &&
        old.expiresAt === cookie.expiresAt &&
        old.secure === cookie.secure &&
        old.httpOnly === cookie.httpOnly
      );
    })
  );
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}
