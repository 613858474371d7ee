/**
 * `connector test` plays a rate limit on the virtual clock (test/manifest/valid/rate-limit.json):
 * a scenario with more calls than the budget completes without real waiting, and the report's
 * virtual time is exactly the windows waited (one after the other, each request's virtual send
 * time too); a scenario whose clock already passed the window waits for nothing.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { budgetWindowMs, runManifestTests } from '../../sdk/index.js';
import { TEST_EPOCH_MS } from '../../sdk/testkit/scenario-runner.js';

const MANIFEST = fileURLToPath(new URL('../manifest/valid/rate-limit.json', import.meta.url));

describe('connector test with a rate limit', () => {
  it('5 concurrent calls at 2 per 10 s: passes, 5 requests, 2 windows of virtual time, no real waiting', async () => {
    const real = performance.now();
    const report = await runManifestTests(MANIFEST, { scenario: 'five calls at 2 per 10 s: the budget waits on the virtual clock' });
    const [scenario] = report.scenarios;
    expect(scenario?.failures).toEqual([]);
    expect(scenario?.passed).toBe(true);
    expect(scenario?.requests).toHaveLength(5);
    expect(scenario?.virtualMs).toBe(2 * budgetWindowMs(10));
    expect(performance.now() - real).toBeLessThan(10_000);
  });

  it('5 calls one after the other: sent at 0, 0, one window, one window, two windows of virtual time', async () => {
    const report = await runManifestTests(MANIFEST, { scenario: 'five calls one after the other: each over the budget waits for its window' });
    const [scenario] = report.scenarios;
    expect(scenario?.passed).toBe(true);
    const w = budgetWindowMs(10);
    expect(scenario!.requests.map((request) => request.at - TEST_EPOCH_MS)).toEqual([0, 0, w, w, 2 * w]);
    expect(scenario?.virtualMs).toBe(2 * w);
  });

  it('calls after an advance past the window wait for nothing: the virtual time is the advance alone', async () => {
    const report = await runManifestTests(MANIFEST, { scenario: 'after a window has passed, the next calls go at once' });
    const [scenario] = report.scenarios;
    expect(scenario?.passed).toBe(true);
    expect(scenario?.virtualMs).toBe(11_000);
    expect(scenario!.requests.map((request) => request.at - TEST_EPOCH_MS)).toEqual([0, 0, 11_000, 11_000]);
  });
});
