/**
 * A token store that remembers every token and cookie any record read from or written to it
 * held — not only the last one, since a run may renew a token mid-way — so each can be replaced
 * by its placeholder before a recording is saved, and masked in whatever the CLI prints. It
 * wraps the store that keeps the records (memory for `connector record`, the operator's for
 * `run`, `auth` and `login`) and forwards every call to it unchanged.
 */
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';

/** Where a secret goes with its placeholder: the fixture scrubber, or anything else that collects them. */
export interface SecretSink {
  add(value: unknown, placeholder: string): void;
}

export class RecordingTokenStore implements TokenStore {
  readonly #inner: TokenStore;
  readonly #onRecord: ((record: TokenRecord) => void) | undefined;
  readonly #accessTokens = new Set<string>();
  readonly #refreshTokens = new Set<string>();
  /** Cookie value → name. */
  readonly #cookies = new Map<string, string>();
  readonly #other = new Set<string>();

  /** `onRecord` sees every record as it is read or written, before the caller gets to use it. */
  constructor(inner: TokenStore = new MemoryTokenStore(), onRecord?: (record: TokenRecord) => void) {
    this.#inner = inner;
    this.#onRecord = onRecord;
  }

  /** The wrapped store's: a connection still warns about a store that keeps tokens unencrypted. */
  get atRest(): TokenStore['atRest'] {
    return this.#inner.atRest;
  }

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    const record = await this.#inner.get(connectionId);
    if (record) this.#remember(record);
    return record;
  }

  compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean> {
    this.#remember(record);
    return this.#inner.compareAndSet(connectionId, expectedVersion, record);
  }

  delete(connectionId: string): Promise<void> {
    return this.#inner.delete(connectionId);
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#inner.withLock(connectionId, fn);
  }

  /** Registers every token and cookie seen: tokens first, so a cookie that is the token gets {{access_token}}. */
  registerSecrets(sink: SecretSink): void {
    for (const token of this.#accessTokens) sink.add(token, '{{access_token}}');
    for (const token of this.#refreshTokens) sink.add(token, '{{refresh_token}}');
    for (const [value, name] of this.#cookies) sink.add(value, `{{cookie:${name}}}`);
    for (const value of this.#other) sink.add(value, '{{authorization}}');
  }

  #remember(record: TokenRecord): void {
    if (record.accessToken) this.#accessTokens.add(record.accessToken);
    if (record.refreshToken) this.#refreshTokens.add(record.refreshToken);
    for (const cookie of record.cookies) if (cookie.value) this.#cookies.set(cookie.value, cookie.name);
    if (record.pendingAuthorization) {
      this.#other.add(record.pendingAuthorization.state);
      if (record.pendingAuthorization.codeVerifier) this.#other.add(record.pendingAuthorization.codeVerifier);
    }
    this.#onRecord?.(record);
  }
}
