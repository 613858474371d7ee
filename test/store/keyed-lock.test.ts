import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../sdk/store/keyed-lock.js';
import { MemoryTokenStore } from '../../sdk/store/memory-token-store.js';

describe('KeyedLock', () => {
  it('runs 10 000 waiters on one key in order, then forgets the key', async () => {
    const lock = new KeyedLock();
    const order: number[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => lock.run('k', async () => void order.push(i))));
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(order).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(lock.size).toBe(0);
  });

  it('forgets a key after a failure and after a synchronous throw', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    await expect(
      lock.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(lock.size).toBe(0);
    await expect(lock.run('k', async () => 1)).resolves.toBe(1);
  });

  it('a waiter behind a failed holder still runs', async () => {
    const lock = new KeyedLock();
    const failing = lock.run('k', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('first');
    });
    const second = lock.run('k', async () => 'second');
    await expect(failing).rejects.toThrow('first');
    await expect(second).resolves.toBe('second');
  });
});

describe('MemoryTokenStore lock', () => {
  it('handles 10 000 waiters on one connection', async () => {
    const store = new MemoryTokenStore();
    let count = 0;
    await Promise.all(Array.from({ length: 10_000 }, () => store.withLock('c', async () => void count++)));
    expect(count).toBe(10_000);
  });
});
