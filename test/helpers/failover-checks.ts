/**
 * What a failover test of a store must see (Redis Cluster, Sentinel): every call that failed
 * during it a typed StoreError of the connection (never a client's TypeError as "unreachable"),
 * no refresh token presented twice, and the store holding the refresh token the last refresh issued.
 */
import { expect } from 'vitest';
import { StoreError, type TokenStore } from '../../sdk/index.js';
import type { FakeOAuth } from './fake-oauth/index.js';
import { record } from './secret-scan.js';
import { presentedRefreshTokens } from './store-workers.js';

export function expectTypedStoreErrors(errors: unknown[], connectionId: string): void {
  expect(errors.length).toBeGreaterThan(0); // the dead master was noticed
  for (const error of errors) {
    record(error);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('CONNECTOR_STORE_FAILED');
    expect((error as Error).message).toMatch(new RegExp(`connection "${connectionId}"( in Redis)?: `));
    expect((error as Error).message).not.toMatch(/TypeError|unreachable \((TypeError|Error)\)/);
  }
}

/** No rotation lost: the server would have revoked the family on a replayed token; the store has the newest. */
export async function expectNoLostRotation(server: FakeOAuth, store: TokenStore, connectionId: string): Promise<void> {
  const presented = presentedRefreshTokens(server);
  expect(new Set(presented).size).toBe(presented.length);
  const stored = await store.get(connectionId);
  expect(stored?.refreshToken).toBe(server.latestRefreshToken());
  expect(stored?.reauthorizationRequired).toBeUndefined();
}

/** The distinct reasons the failed calls gave, for the log. */
export function failureReasons(errors: unknown[]): string {
  return [...new Set(errors.map((error) => (error as Error).message.replace(/^.*?in Redis: /, '')))].join(' | ');
}
