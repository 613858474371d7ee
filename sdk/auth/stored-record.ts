/**
 * One connection's token record in the shared store, as the token manager and the authorization
 * session both reach it: every read registers the secrets in it with the redactor, and every
 * write is a compare-and-set on the version of the record it changes, with one rule for a write
 * that lost its race (see `write`). Callers hold the connection's lock (`locked`) around a read
 * and the writes that follow it.
 */
import { ERROR_CODES, StoreError } from '../errors.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';
import type { AuthContext } from './auth-context.js';
import { registerRecordSecrets } from './record-secrets.js';

export interface StoredRecordOptions {
  connectionId: string;
  store: TokenStore;
  ctx: Pick<AuthContext, 'redactor' | 'emit'>;
}

/** What a write makes of the record it is applied to (`write` sets the version). */
export type RecordChange = (base: TokenRecord | undefined) => Omit<TokenRecord, 'version'>;

/** What a write left in the store: our record, or (nothing written) what another worker stored instead. */
export type Written = { kept: true; record: TokenRecord } | { kept: false; record: TokenRecord | undefined };

/** A write re-applied on top of records that keep changing under it (cookies) gives up after this many tries. */
const MAX_WRITE_ATTEMPTS = 3;

export class StoredRecord {
  readonly connectionId: string;
  readonly #store: TokenStore;
  readonly #ctx: StoredRecordOptions['ctx'];

  constructor(options: StoredRecordOptions) {
    this.connectionId = options.connectionId;
    this.#store = options.store;
    this.#ctx = options.ctx;
  }

  /** Runs fn holding the connection's lock, across every process sharing the store. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.#store.withLock(this.connectionId, fn);
  }

  /** The stored record; everything secret in it is registered with the redactor first. */
  async read(): Promise<TokenRecord | undefined> {
    const record = await this.#store.get(this.connectionId);
    if (record) registerRecordSecrets(this.#ctx.redactor, record);
    return record;
  }

  delete(): Promise<void> {
    return this.#store.delete(this.connectionId);
  }

  /** One compare-and-set of `change(base)`: the record written, or undefined when the store no longer holds `base`. */
  async writeIfUnchanged(base: TokenRecord | undefined, change: RecordChange): Promise<TokenRecord | undefined> {
    const expected = base?.version ?? 0;
    const record: TokenRecord = { ...change(base), version: expected + 1 };
    return (await this.#store.compareAndSet(this.connectionId, expected, record)) ? record : undefined;
  }

  /**
   * Writes `change(base)` where the store still holds `base` (the record the change started from),
   * under the connection's lock.
   *
   * There a compare-and-set fails only when someone wrote since `base` was read: an
   * action response's cookies (kept without the lock), or another worker that took the lock once
   * our lease ran out. Then the record is read again, and:
   * - if its token fields (access and refresh token, refresh marker, re-authorization flag) are
   *   still those of `base`, or `change` leaves them alone, `change` is applied to the newer record
   *   and written on top of it: our token fields win, and everything else is the newer record's as
   *   far as `change` keeps it (a refresh keeps its cookies; a new login starts without any);
   * - if another worker changed the token fields, nothing is written: ours on top could put back a
   *   refresh token it has rotated since. What it stored is returned (`kept: false`) for `settle`.
   */
  async write(base: TokenRecord | undefined, change: RecordChange): Promise<Written> {
    let current = base;
    for (let attempt = 1; ; attempt++) {
      const record = await this.writeIfUnchanged(current, change);
      if (record) return { kept: true, record };
      const stored = await this.read();
      if (!sameTokens(base, stored) && !sameTokens(base, change(base))) return { kept: false, record: stored };
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new StoreError(`the token store changed connection "${this.connectionId}" while its lock was held`);
      }
      current = stored;
    }
  }

  /**
   * The record to go on with after `written`: ours, or the tokens another worker stored instead of
   * it (they become this connection's, and a `token.refresh_failed` event with the store's code
   * says ours were dropped). StoreError when what it stored cannot be used.
   */
  settle(written: Written): TokenRecord {
    if (written.kept) return written.record;
    const stored = written.record;
    if (!usableTokens(stored)) {
      throw new StoreError(`connection "${this.connectionId}" is being renewed by another worker (this one's lock ran out): try again`);
    }
    this.#ctx.emit({
      type: 'token.refresh_failed',
      reason: "another worker stored newer tokens while this worker's lock had run out: those are used, and this worker's are dropped",
      code: ERROR_CODES.store,
      willReauthorize: false,
    });
    return stored;
  }
}

type TokenFields = Pick<TokenRecord, 'accessToken' | 'refreshToken' | 'pendingRefresh' | 'reauthorizationRequired'>;

/** Whether two records hold the same tokens: access and refresh token, refresh marker and re-authorization flag. */
export function sameTokens(a: TokenFields | undefined, b: TokenFields | undefined): boolean {
  const markerA = a?.pendingRefresh;
  const markerB = b?.pendingRefresh;
  return (
    a?.accessToken === b?.accessToken &&
    a?.refreshToken === b?.refreshToken &&
    (a?.reauthorizationRequired === true) === (b?.reauthorizationRequired === true) &&
    markerA?.startedAt === markerB?.startedAt &&
    markerA?.refreshTokenFingerprint === markerB?.refreshTokenFingerprint
  );
}

/** A record whose access token can be used: not flagged for re-authorization, no refresh of it under way. */
export function usableTokens(record: TokenRecord | undefined): record is TokenRecord {
  return record !== undefined && record.accessToken !== undefined && record.reauthorizationRequired !== true && record.pendingRefresh === undefined;
}
