/**
 * The TokenStore contract every store must keep, as one describe block per store: versioned
 * compare-and-set, frozen copies, delete, and withLock's ordering and exclusion. Run by
 * test/store/token-store-contract.test.ts for the built-in stores, and by the test files of
 * stores that need their own server (test/postgres/).
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, ERROR_CODES } from '../../sdk/errors.js';
import type { TokenRecord, TokenStore } from '../../sdk/store/token-store.js';

function record(version: number, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return { version, accessToken: `at-${version}`, cookies: [], extras: {}, ...overrides };
}

/** Runs the contract against each store; `create` gives a fresh, empty store (or an empty namespace of a shared one). */
export function tokenStoreContract(stores: [string, () => TokenStore][]): void {
  describe.each(stores)('%s', (_name, create) => {
    it('starts empty and creates a record with expectedVersion 0', async () => {
      const store = create();
      expect(await store.get('c1')).toBeUndefined();
      expect(await store.compareAndSet('c1', 0, record(1))).toBe(true);
      expect(await store.get('c1')).toEqual(record(1));
    });

    it('refuses a write whose expected version is stale', async () => {
      const store = create();
      await store.compareAndSet('c1', 0, record(1));
      expect(await store.compareAndSet('c1', 0, record(1, { accessToken: 'late' }))).toBe(false);
      expect(await store.compareAndSet('c1', 1, record(2))).toBe(true);
      expect(await store.compareAndSet('c1', 1, record(2, { accessToken: 'late' }))).toBe(false);
      expect((await store.get('c1'))?.accessToken).toBe('at-2');
    });

    it('rejects a record whose version is not expectedVersion + 1', async () => {
      const store = create();
      const error = await store.compareAndSet('c1', 0, record(5)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ERROR_CODES.store });
      expect((error as Error).message).toContain('expectedVersion + 1');
      expect(await store.get('c1')).toBeUndefined();
    });

    it('keeps connections apart, including names like __proto__', async () => {
      const store = create();
      await store.compareAndSet('__proto__', 0, record(1, { accessToken: 'proto' }));
      await store.compareAndSet('constructor', 0, record(1, { accessToken: 'ctor' }));
      expect((await store.get('__proto__'))?.accessToken).toBe('proto');
      expect((await store.get('constructor'))?.accessToken).toBe('ctor');
      expect(await store.get('toString')).toBeUndefined();
      expect(({} as Record<string, unknown>).accessToken).toBeUndefined();
    });

    it('hands out deeply frozen copies: neither the writer nor a reader can change the store', async () => {
      const store = create();
      const mine = record(1, { extras: { nested: { n: 1 } }, cookies: [] });
      await store.compareAndSet('c1', 0, mine);
      (mine.extras.nested as { n: number }).n = 2;
      const read = (await store.get('c1'))!;
      expect(read.extras).toEqual({ nested: { n: 1 } });
      expect(() => {
        (read.extras.nested as { n: number }).n = 3;
      }).toThrow(TypeError);
      expect(() => read.cookies.push({} as never)).toThrow(TypeError);
    });

    it('deletes a record; the next write starts again at version 1', async () => {
      const store = create();
      await store.compareAndSet('c1', 0, record(1));
      await store.delete('c1');
      await store.delete('never-existed');
      expect(await store.get('c1')).toBeUndefined();
      expect(await store.compareAndSet('c1', 0, record(1))).toBe(true);
    });

    it('lets exactly one of 1 000 concurrent writers of the same version win', async () => {
      const store = create();
      const results = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) => store.compareAndSet('race', 0, record(1, { accessToken: `w${i}` }))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.get('race'))?.accessToken).toBe(`w${winner}`);
    });

    it('serializes withLock holders in arrival order (1 000 waiters), one at a time', async () => {
      const store = create();
      const order: number[] = [];
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        Array.from({ length: 1_000 }, (_, i) =>
          store.withLock('lock', async () => {
            inside++;
            maxInside = Math.max(maxInside, inside);
            if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
            order.push(i);
            inside--;
          }),
        ),
      );
      expect(maxInside).toBe(1);
      expect(order).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    });

    it('withLock: a failing fn releases the lock and its error propagates', async () => {
      const store = create();
      await expect(store.withLock('c1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(store.withLock('c1', async () => 'next')).resolves.toBe('next');
    });

    it('withLock on different connections runs in parallel', async () => {
      const store = create();
      let release!: () => void;
      let entered!: () => void;
      const holding = new Promise<void>((resolve) => (entered = resolve));
      const held = store.withLock(
        'a',
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
            entered();
          }),
      );
      // 'b' is tried only once 'a' is really held (a store may take 'a' after 'b' otherwise).
      await holding;
      await expect(store.withLock('b', async () => 'b ran')).resolves.toBe('b ran');
      release();
      await held;
    });

    it('withLock + compareAndSet: 200 concurrent increments lose nothing', async () => {
      const store = create();
      await Promise.all(
        Array.from({ length: 200 }, () =>
          store.withLock('n', async () => {
            const current = await store.get('n');
            const count = ((current?.extras.count as number | undefined) ?? 0) + 1;
            expect(await store.compareAndSet('n', current?.version ?? 0, record((current?.version ?? 0) + 1, { extras: { count } }))).toBe(true);
          }),
        ),
      );
      expect(await store.get('n')).toMatchObject({ version: 200, extras: { count: 200 } });
    });

    it('refuses records that are not plain data, naming the connection only', async () => {
      const store = create();
      const error = await store.compareAndSet('c1', 0, record(1, { extras: { fn: () => 'secret-fn' } })).catch((e: unknown) => e);
      expect(ConnectorError.isConnectorError(error) && error.code).toBe(ERROR_CODES.store);
      expect((error as Error).message).toContain('"c1"');
    });
  });
}
