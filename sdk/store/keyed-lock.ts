/**
 * In-process mutual exclusion per key, first come first served. Each holder leaves a promise
 * that the next one awaits, so a queue of any length costs one promise per waiter, and a key's
 * entry is removed as soon as nobody holds or waits for it.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#tails.set(key, done);
    try {
      // `previous` settles only once its own predecessor has, so this waits for the whole queue ahead.
      if (previous) await previous;
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === done) this.#tails.delete(key);
    }
  }

  /** Keys currently held or awaited (for leak checks). */
  get size(): number {
    return this.#tails.size;
  }
}
