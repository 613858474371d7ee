/**
 * The default store: records in a Map, locks in-process. Right for one process; use the file
 * store to survive restarts, a shared store for many workers.
 */
import { KeyedLock } from './keyed-lock.js';
import { assertNextVersion, frozenCopy, type TokenRecord, type TokenStore } from './token-store.js';

/**
 * The store connect() uses when given none: records in memory, for one process. Share one
 * instance between connections to share their tokens; everything is lost at exit.
 *
 * @example
 * const store = new MemoryTokenStore();
 * const a = connector.connect({ connectionId: 'tenant-42', credentials, store });
 * const b = connector.connect({ connectionId: 'tenant-42', credentials, store }); // reuses a's token
 */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, TokenRecord>();
  readonly #locks = new KeyedLock();

  async get(connectionId: string): Promise<TokenRecord | undefined> {
    return this.#records.get(connectionId);
  }

  async compareAndSet(connectionId: string, expectedVersion: number, record: TokenRecord): Promise<boolean> {
    assertNextVersion(connectionId, expectedVersion, record);
    const copy = frozenCopy(connectionId, record);
    if ((this.#records.get(connectionId)?.version ?? 0) !== expectedVersion) return false;
    this.#records.set(connectionId, copy);
    return true;
  }

  async delete(connectionId: string): Promise<void> {
    this.#records.delete(connectionId);
  }

  withLock<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(connectionId, fn);
  }
}
