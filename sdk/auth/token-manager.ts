/**
 * The token lifecycle of one connection: use the cached token while it is fresh; otherwise
 * renew it once for every concurrent caller (in-process single flight) under the store's lock
 * (across processes), re-reading the store inside the lock because another worker may have
 * renewed it already. Renewal tries the refresh request, then a full authorization with the
 * stored credentials, and only then gives up with ReauthorizationRequired.
 *
 * A refresh that was sent but whose answer was lost leaves a marker in the store and is never
 * sent again: with rotating refresh tokens a replay can revoke the whole grant, so the next
 * attempt authorizes afresh instead — unless the manifest says the provider does not rotate
 * them (refresh_token_rotation: false): then the refresh is sent again, once, under the lock.
 *
 * Beside it: the record in the store (stored-record.ts), the marker (refresh-marker.ts), the
 * user's part in the grant (authorization-session.ts), retries and cooldown
 * (token-request-retry.ts), failure classes (token-failure.ts).
 */
import { AuthError, ConnectorError, ERROR_CODES, ReauthorizationRequired } from '../errors.js';
import { mergeResponseCookies } from '../store/cookie-jar.js';
import { parseSetCookies } from '../extract/cookie.js';
import type { TokenRecord } from '../store/token-store.js';
import type { AuthContext } from './auth-context.js';
import type { TokenSource } from './auth-strategy.js';
import type { TokenHolder } from './authorization-session.js';
import { usableTokens, type RecordChange, type StoredRecord, type Written } from './stored-record.js';
import { clearRefreshMarker, markRefreshPending, mayResendLostRefresh } from './refresh-marker.js';
import { isRefusal, isRetryableRefreshFailure, isTransient, nothingConsumed } from './token-failure.js';
import { recordFrom, type Renewal } from './token-record.js';
import type { TokenResult } from './token-request.js';
import { DEFAULT_TOKEN_RETRY, RenewalCooldown, retryTokenRequest, type TokenRetryOptions } from './token-request-retry.js';

export interface TokenManagerOptions {
  stored: StoredRecord;
  source: TokenSource;
  ctx: AuthContext;
  retry?: TokenRetryOptions;
}

/** A renewal's write the store failed to take, to be tried again. */
type PendingWrite = { base: TokenRecord | undefined; change: RecordChange };

/** Where a refresh attempt leaves the renewal: done (a record to use), or on to a full authorization from `base`. */
type RefreshOutcome = { record: TokenRecord } | { base: TokenRecord; result?: TokenResult; failure?: ConnectorError };

export class TokenManager implements TokenHolder {
  readonly #stored: StoredRecord;
  readonly #source: TokenSource;
  readonly #ctx: AuthContext;
  readonly #retry: TokenRetryOptions;
  readonly #cooldown: RenewalCooldown;
  /** The last record this process saw: the hot path reads it without touching the store. */
  #record: TokenRecord | undefined;
  #inflight: Promise<TokenRecord> | undefined;
  /**
   * Tokens the server issued that the store failed to take: they are the only valid ones, so
   * they are written again before anything else is renewed.
   */
  #unsaved: PendingWrite | undefined;

  constructor(options: TokenManagerOptions) {
    this.#stored = options.stored;
    this.#source = options.source;
    this.#ctx = options.ctx;
    this.#retry = options.retry ?? DEFAULT_TOKEN_RETRY;
    this.#cooldown = new RenewalCooldown(() => this.#ctx.now());
  }

  /** The cached record when it is fresh: the hot path's answer without a promise. */
  fresh(): TokenRecord | undefined {
    const record = this.#record;
    return record !== undefined && this.#unsaved === undefined && this.#isFresh(record) ? record : undefined;
  }

  /** The record to send with: the cached one while fresh, else a renewed one (one renewal for all callers). */
  current(): Promise<TokenRecord> {
    const record = this.fresh();
    return record ? Promise.resolve(record) : this.#renew(this.#record?.accessToken, false);
  }

  /** A response said `rejected` has expired: renew it, unless another caller already has. */
  renewAfterRejection(rejected: TokenRecord): Promise<TokenRecord> {
    return this.#renew(rejected.accessToken, true);
  }

  /** Keeps cookies an action response set (best effort: a concurrent renewal wins). */
  async rememberCookies(record: TokenRecord, setCookies: string[], url: URL): Promise<void> {
    const cookies = mergeResponseCookies(record.cookies, parseSetCookies(setCookies), url, this.#ctx.now());
    if (cookies === undefined) return;
    for (const cookie of cookies) this.#ctx.redactor.add(cookie.value);
    // Without the lock: whoever wrote since `record` was read (a renewal) wins, these cookies are dropped.
    const next = await this.#stored.writeIfUnchanged(record, () => ({ ...record, cookies }));
    if (next && this.#record === record) this.#record = next;
  }

  /** TokenHolder: the authorization session stored `record` (undefined: it deleted the tokens). */
  hold(record: TokenRecord | undefined): void {
    this.#record = record;
    this.#unsaved = undefined;
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
    const run = this.#stored
      .locked(() => this.#renewLocked(staleToken, forced))
      .finally(() => {
        this.#inflight = undefined;
      });
    this.#inflight = run;
    return run;
  }

  async #renewLocked(staleToken: string | undefined, forced: boolean): Promise<TokenRecord> {
    if (this.#unsaved) await this.#saveUnsaved(this.#unsaved);
    const stored = await this.#stored.read();
    if (stored?.reauthorizationRequired) {
      this.#record = stored;
      throw new ReauthorizationRequired(
        `connection "${this.#stored.connectionId}" needs to be authorized again: its credentials were refused earlier`,
      );
    }
    if (stored?.accessToken !== undefined) {
      const renewedElsewhere = stored.accessToken !== staleToken;
      if (this.#isFresh(stored) && (!forced || renewedElsewhere)) {
        this.#record = stored;
        return stored;
      }
    }
    return this.#cooldown.run(() => this.#obtain(stored));
  }

  /** Writes tokens the store failed to take earlier, unless another worker has stored newer ones since. */
  async #saveUnsaved(unsaved: PendingWrite): Promise<void> {
    const written = await this.#stored.write(unsaved.base, unsaved.change);
    this.#unsaved = undefined;
    // What another worker stored that nobody can use (flagged, mid-refresh) is left to the renewal that follows.
    if (written.kept || usableTokens(written.record)) this.#record = this.#stored.settle(written);
  }

  async #obtain(stored: TokenRecord | undefined): Promise<TokenRecord> {
    let base = stored;
    let result: TokenResult | undefined;
    let refreshFailure: ConnectorError | undefined;
    // A lost answer of a provider that keeps refresh tokens valid falls through to a new refresh (marked afresh).
    if (stored?.pendingRefresh && !mayResendLostRefresh(stored, this.#source.refreshTokenRotation)) {
      refreshFailure = new AuthError('an earlier refresh was sent but its answer was lost; the refresh token may be spent');
      this.#emitRefreshFailed(refreshFailure);
    } else if (stored?.refreshToken !== undefined && this.#source.refresh) {
      const refreshed = await this.#tryRefresh(stored);
      if ('record' in refreshed) return refreshed.record;
      ({ base, result, failure: refreshFailure } = refreshed);
    }
    const renewal: Renewal = result ? 'refresh' : 'authorization';
    const answer = result ?? (await this.#authorize(base, refreshFailure));
    const change: RecordChange = (current) => recordFrom(current, answer, renewal, this.#ctx.now());
    let written: Written;
    try {
      written = await this.#stored.write(base, change);
    } catch (error) {
      this.#unsaved = { base, change };
      throw error;
    }
    const record = this.#adopt(written);
    if (written.kept) this.#emitRenewed(renewal, record, answer, stored, refreshFailure !== undefined);
    return record;
  }

  /**
   * The refresh request, behind its write-ahead marker: its result, the record another worker
   * renewed meanwhile, or the failure that sends us on to a full authorization.
   */
  async #tryRefresh(stored: TokenRecord): Promise<RefreshOutcome> {
    const marked = await markRefreshPending(this.#stored, stored, this.#ctx.now());
    // Another worker renewed first: nothing is sent (a refresh token it may have presented is never presented again).
    if (!marked.kept) return { record: this.#adopt(marked) };
    const base = marked.record;
    try {
      return { base, result: await retryTokenRequest(() => this.#refresh(stored), isRetryableRefreshFailure, this.#retry, this.#ctx) };
    } catch (error) {
      if (!ConnectorError.isConnectorError(error)) throw error;
      if (nothingConsumed(error)) {
        const unmarked = await clearRefreshMarker(this.#stored, base);
        if (!unmarked.kept) return { record: this.#adopt(unmarked) };
        if (isTransient(error)) throw error;
        this.#emitRefreshFailed(error);
        return { base: unmarked.record, failure: error };
      }
      if (!isTransient(error)) {
        // Refused because another worker (whose lease outlived ours) rotated it meanwhile: use theirs.
        const newer = this.#renewedElsewhere(await this.#stored.read(), stored.refreshToken);
        if (newer) return { record: newer };
      }
      this.#emitRefreshFailed(error);
      return { base, failure: error };
    }
  }

  /**
   * A full authorization with the stored credentials. Only a refusal of the credentials (or a
   * grant that needs the user) flags the connection for re-authorization; configuration errors,
   * transient failures and unusable answers are thrown as they are, and nothing is flagged.
   */
  async #authorize(base: TokenRecord | undefined, refreshFailure: ConnectorError | undefined): Promise<TokenResult> {
    if (!this.#source.canAuthorizeUnattended) {
      // Only the user can help after a refusal, a lost refresh answer (AuthError) or with no token at all.
      if (refreshFailure && !isRefusal(refreshFailure) && refreshFailure.code !== ERROR_CODES.auth) throw refreshFailure;
      throw await this.#giveUp(base, refreshFailure ?? new AuthError('it has no token yet: send the user to connection.authorizationUrl() first'));
    }
    try {
      return await retryTokenRequest(() => this.#source.authorize(this.#ctx, base), isTransient, this.#retry, this.#ctx);
    } catch (error) {
      if (isRefusal(error)) throw await this.#giveUp(base, error);
      throw error;
    }
  }

  #refresh(stored: TokenRecord): Promise<TokenResult> {
    const refresh = this.#source.refresh;
    if (!refresh) throw new TypeError('no refresh request configured');
    return refresh(this.#ctx, stored);
  }

  /** The record a write leaves this connection with (ours, or another worker's): it becomes the cached one. */
  #adopt(written: Written): TokenRecord {
    this.#record = this.#stored.settle(written);
    return this.#record;
  }

  /** `current` if it holds tokens another worker obtained after `spentRefreshToken` (it becomes ours), else undefined. */
  #renewedElsewhere(current: TokenRecord | undefined, spentRefreshToken: string | undefined): TokenRecord | undefined {
    if (!usableTokens(current) || current.refreshToken === spentRefreshToken) return undefined;
    this.#record = current;
    return current;
  }

  async #giveUp(base: TokenRecord | undefined, cause: ConnectorError): Promise<ReauthorizationRequired> {
    const flagged: Omit<TokenRecord, 'version'> = { cookies: [], extras: {}, reauthorizationRequired: true };
    // Best effort: this process knows the connection is flagged even when the store did not take it.
    const written = await this.#stored.write(base, () => flagged).catch(() => undefined);
    this.#record = written?.kept ? written.record : { ...flagged, version: (base?.version ?? 0) + 1 };
    const reason = this.#ctx.redactor.redact(cause.message);
    this.#ctx.emit({ type: 'auth.reauthorization_required', reason, code: cause.code });
    const status = cause instanceof AuthError ? cause.status : undefined;
    const oauthError = cause instanceof AuthError ? cause.oauthError : undefined;
    return new ReauthorizationRequired(
      `connection "${this.#stored.connectionId}" needs to be authorized again: ${reason}`,
      { status, oauthError, cause },
    );
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

  #emitRefreshFailed(error: ConnectorError): void {
    this.#ctx.emit({
      type: 'token.refresh_failed',
      reason: this.#ctx.redactor.redact(error.message),
      code: error.code,
      willReauthorize: this.#source.canAuthorizeUnattended,
    });
  }
}
