/**
 * The user's part in a connection's grant: the authorization code grant's pending state and PKCE
 * verifier (kept in the token store, so another process may complete it, for 10 minutes at most),
 * its completion, and revoking or forgetting the grant. It writes the same store record as the
 * token manager, through the same StoredRecord and under the same lock, and tells the manager
 * (its TokenHolder) what the record has become.
 */
import { timingSafeEqual } from 'node:crypto';
import { AuthError } from '../errors.js';
import type { TokenRecord } from '../store/token-store.js';
import type { AuthContext } from './auth-context.js';
import type { TokenSource } from './auth-strategy.js';
import type { StoredRecord } from './stored-record.js';
import { recordFrom } from './token-record.js';
import type { TokenResult } from './token-request.js';

/** Whoever caches the connection's record (the token manager). */
export interface TokenHolder {
  /** The record to use from now on; undefined: the tokens are gone. */
  hold(record: TokenRecord | undefined): void;
}

export interface AuthorizationSessionOptions {
  stored: StoredRecord;
  source: TokenSource;
  ctx: AuthContext;
  holder: TokenHolder;
}

/** A callback is accepted for this long after authorizationUrl() started its authorization. */
export const PENDING_AUTHORIZATION_MS = 10 * 60 * 1000;

type PendingAuthorization = NonNullable<TokenRecord['pendingAuthorization']>;

export class AuthorizationSession {
  readonly #stored: StoredRecord;
  readonly #source: TokenSource;
  readonly #ctx: AuthContext;
  readonly #holder: TokenHolder;

  constructor(options: AuthorizationSessionOptions) {
    this.#stored = options.stored;
    this.#source = options.source;
    this.#ctx = options.ctx;
    this.#holder = options.holder;
  }

  /** Keeps the state (and PKCE verifier) of an authorization the user is about to grant, for `complete`. */
  async begin(pending: { state: string; codeVerifier?: string }): Promise<void> {
    const pendingAuthorization: PendingAuthorization = { ...pending, createdAt: this.#ctx.now() };
    await this.#stored.locked(async () => {
      const stored = await this.#stored.read();
      await this.#stored.write(stored, (base) => ({ ...(base ?? { cookies: [], extras: {} }), pendingAuthorization }));
    });
  }

  /**
   * Checks the callback's state against the pending authorization (once: a state is never
   * accepted twice) and stores the token the exchange returns.
   */
  async complete(state: string, exchange: (codeVerifier: string | undefined) => Promise<TokenResult>): Promise<TokenRecord> {
    return this.#stored.locked(async () => {
      const { pending, spent } = await this.#spend(state);
      if (this.#ctx.now() - pending.createdAt > PENDING_AUTHORIZATION_MS) {
        throw new AuthError('the authorization took longer than 10 minutes: start again with authorizationUrl()');
      }
      const result = await exchange(pending.codeVerifier);
      const written = await this.#stored.write(spent, () => recordFrom(undefined, result, 'authorization', this.#ctx.now()));
      const record = this.#stored.settle(written);
      this.#holder.hold(record);
      if (written.kept) this.#ctx.emit({ type: 'token.acquired', expiresAt: record.expiresAt, source: 'authorization' });
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
    return this.#stored.locked(async () => {
      const stored = await this.#stored.read();
      const outcome = stored === undefined ? 'revoked' : await revoke(this.#ctx, stored);
      if (outcome === 'revoked') {
        await this.#stored.delete();
        this.#holder.hold(undefined);
      }
      this.#ctx.emit({ type: 'token.revoked', outcome });
      return outcome;
    });
  }

  /** Forgets the connection's tokens (after the host fixed the credentials, say). */
  async forget(): Promise<void> {
    await this.#stored.locked(() => this.#stored.delete());
    this.#holder.hold(undefined);
  }

  /** Takes the pending authorization `state` belongs to out of the store, before anything is sent. */
  async #spend(state: string): Promise<{ pending: PendingAuthorization; spent: TokenRecord }> {
    const stored = pendingFor(await this.#stored.read(), state);
    const written = await this.#stored.write(stored, (base) => {
      // Checked again on a newer record written over: another process may have spent the state meanwhile.
      const { pendingAuthorization: _spent, ...rest } = pendingFor(base, state);
      return rest;
    });
    return { pending: stored.pendingAuthorization, spent: this.#stored.settle(written) };
  }
}

/** The record, if `state` is the state of its pending authorization; else the callback is not ours. */
function pendingFor(record: TokenRecord | undefined, state: string): TokenRecord & { pendingAuthorization: PendingAuthorization } {
  const pending = record?.pendingAuthorization;
  if (record === undefined || pending === undefined || !sameSecret(pending.state, state)) throw stateMismatch();
  return { ...record, pendingAuthorization: pending };
}

function stateMismatch(): AuthError {
  return new AuthError(
    'the authorization callback does not belong to an authorization this connection started (state mismatch): start again with authorizationUrl()',
  );
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
