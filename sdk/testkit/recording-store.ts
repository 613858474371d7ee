/**
 * The token store of `connector record`: a memory store that also remembers every token and
 * cookie any record written to it held — not only the last one, since a recording may renew a
 * token mid-way — so each can be replaced by its placeholder before anything is saved.
 */
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';
import type { SecretScrubber } from './scrub.js';

export class RecordingTokenStore implements TokenStore {
  readonly #inner = new MemoryTokenStore();
  readonly #accessTokens = new Set<string>();
  readonly #refreshTokens = new Set<string>();
  /** Cookie value → name. */
  readonly #cookies = new Map<string, string>();
  readonly #other = new Set<string>();

  get(connectionId: string): Promise<TokenRecord | undefined> {
    return this.#inner.get(connectionId);
  }

  async compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean> {
    if (record.accessToken) this.#accessTokens.add(record.accessToken);
    if (record.refreshToken) this.#refreshTokens.add(record.refreshToken);
    for (const cookie of record.cookies) if (cookie.value) this.#cookies.set(cookie.value, cookie.name);
    if (record.pendingAuthorization) {
      this.#other.add(record.pendingAuthorization.state);
      if (record.pendingAuthorization.codeVerifier) this.#other.add(record.pendingAuthorization.codeVerifier);
    }
    return this.#inner.compareAndSet(connectionId, expectedVersion, record);
  }

  delete(connectionId: string): Promise<void> {
    return this.#inner.delete(connectionId);
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#inner.withLock(connectionId, fn);
  }

  /** Registers every token and cookie seen with the scrubber: tokens first, so a cookie that is the token gets {{access_token}}. */
  registerSecrets(scrubber: SecretScrubber): void {
    for (const token of this.#accessTokens) scrubber.add(token, '{{access_token}}');
    for (const token of this.#refreshTokens) scrubber.add(token, '{{refresh_token}}');
    for (const [value, name] of this.#cookies) scrubber.add(value, `{{cookie:${name}}}`);
    for (const value of this.#other) scrubber.add(value, '{{authorization}}');
  }
}
