/**
 * backoffDelay (sdk/http/backoff.ts) alone: exponential from the base, "equal jitter" (half
 * fixed, half random), capped at MAX_BACKOFF_MS, in whole milliseconds. The random source is
 * injected, so every value is exact.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BACKOFF_MS, backoffDelay } from '../../sdk/http/backoff.js';

const zero = () => 0;
const one = () => 1;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('backoffDelay', () => {
  it('random 0: half the ceiling, which doubles with each retry', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, 100, zero))).toEqual([50, 100, 200, 400, 800]);
  });

  it('random 1: the whole ceiling', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, 100, one))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('random in between: the fixed half plus that share of the other half', () => {
    expect(backoffDelay(1, 1000, () => 0.5)).toBe(750);
    expect(backoffDelay(3, 1000, () => 0.25)).toBe(2500); // ceiling 4000 × 0.625
  });

  it('never waits longer than 30 s, however many retries', () => {
    expect(MAX_BACKOFF_MS).toBe(30_000);
    // 1000 × 2^5 = 32 000: capped.
    expect(backoffDelay(6, 1000, one)).toBe(30_000);
    expect(backoffDelay(6, 1000, zero)).toBe(15_000);
    // Just under the cap is not touched.
    expect(backoffDelay(5, 1000, one)).toBe(16_000);
    // A base above the cap, and an exponent whose power overflows to Infinity.
    expect(backoffDelay(1, 60_000, one)).toBe(30_000);
    expect(backoffDelay(1100, 1, one)).toBe(30_000);
    expect(backoffDelay(1100, 1, zero)).toBe(15_000);
  });

  it('rounds to whole milliseconds (half up)', () => {
    expect(backoffDelay(1, 3, zero)).toBe(2); // 1.5
    expect(backoffDelay(1, 1, zero)).toBe(1); // 0.5
    expect(backoffDelay(1, 3, () => 0.5)).toBe(2); // 2.25
    expect(backoffDelay(1, 5, () => 0.5)).toBe(4); // 3.75
    expect(backoffDelay(2, 7, () => 0.1)).toBe(8); // ceiling 14 × 0.55 = 7.7
    for (const random of [0, 0.123, 0.5, 0.777, 0.999, 1]) {
      for (let attempt = 1; attempt <= 12; attempt++) expect(Number.isInteger(backoffDelay(attempt, 37, () => random))).toBe(true);
    }
  });

  it('a base of 0 never waits', () => {
    expect([1, 2, 10].map((attempt) => backoffDelay(attempt, 0, one))).toEqual([0, 0, 0]);
  });

  it('draws one random number per delay, and uses Math.random when none is given', () => {
    let draws = 0;
    expect(
      backoffDelay(2, 100, () => {
        draws++;
        return 1;
      }),
    ).toBe(200);
    expect(draws).toBe(1);

    const spy = vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(backoffDelay(3, 100)).toBe(200);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
