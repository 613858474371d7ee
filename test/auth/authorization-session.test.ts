/**
 * AuthorizationSession on a memory store: the pending authorization it keeps (state, PKCE
 * verifier, 10 minutes), a state accepted once, revocation and forgetting, and what it tells the
 * token manager. The code exchange and the revocation request are the grant's (tested against
 * real servers in oauth2-authorization-code and revocation tests); here they are plain functions.
 */
import { describe, expect, it } from 'vitest';
import { AuthError, MemoryTokenStore, type TokenRecord } from '../../sdk/index.js';
import { Redactor } from '../../sdk/redact.js';
import type { AuthContext } from '../../sdk/auth/auth-context.js';
import type { TokenSource } from '../../sdk/auth/auth-strategy.js';
import { AuthorizationSession, PENDING_AUTHORIZATION_MS } from '../../sdk/auth/authorization-session.js';
import { StoredRecord } from '../../sdk/auth/stored-record.js';
import type { TokenResult } from '../../sdk/auth/token-request.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const ID = 'tenant-session';
const T0 = Date.UTC(2030, 0, 1);
const STATE = 'state-canary-4f1d2c3b5a697887';
const VERIFIER = 'verifier-canary-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
registerSecret(STATE, VERIFIER);

function setup(revoke?: TokenSource['revoke']) {
  const store = new MemoryTokenStore();
  const clock = { ms: T0 };
  const events: { type: string; [key: string]: unknown }[] = [];
  // The session passes the context on to the grant's functions; it reads only these itself.
  const ctx = { redactor: new Redactor(), now: () => clock.ms, emit: (event: { type: string }) => events.push(event) } as unknown as AuthContext;
  const held: (TokenRecord | undefined)[] = [];
  const source = { revoke } as TokenSource;
  const session = new AuthorizationSession({ stored: new StoredRecord({ connectionId: ID, store, ctx }), source, ctx, holder: { hold: (record) => held.push(record) } });
  return { store, clock, events, held, session };
}

/** The grant's code exchange, answering tokens number `n`; it records the verifiers it was given. */
function exchanged(n: number) {
  const verifiers: (string | undefined)[] = [];
  const exchange = async (verifier: string | undefined): Promise<TokenResult> => {
    verifiers.push(verifier);
    registerSecret(`access-canary-${n}-token`, `refresh-canary-${n}-token`);
    return { accessToken: `access-canary-${n}-token`, refreshToken: `refresh-canary-${n}-token`, obtainedAt: T0, expiresAt: T0 + 3_600_000, extras: {}, cookies: [], url: new URL('https://auth.vendor.com/token') };
  };
  return Object.assign(exchange, { verifiers });
}

describe('AuthorizationSession', () => {
  it('keeps the pending authorization in the store; its callback stores the tokens and tells the token manager', async () => {
    const { store, events, held, session } = setup();
    await session.begin({ state: STATE, codeVerifier: VERIFIER });
    expect((await store.get(ID))?.pendingAuthorization).toEqual({ state: STATE, codeVerifier: VERIFIER, createdAt: T0 });

    const exchange = exchanged(1);
    const record = await session.complete(STATE, exchange);
    expect(exchange.verifiers).toEqual([VERIFIER]);
    expect(record).toMatchObject({ accessToken: 'access-canary-1-token', refreshToken: 'refresh-canary-1-token' });
    const stored = await store.get(ID);
    expect(stored).toMatchObject({ accessToken: 'access-canary-1-token', version: 3 });
    expect(stored?.pendingAuthorization).toBeUndefined();
    expect(held).toEqual([record]);
    expect(events).toEqual([{ type: 'token.acquired', expiresAt: T0 + 3_600_000, source: 'authorization' }]);
  });

  it('a state it did not start is refused before anything is exchanged, and the pending one stays', async () => {
    const { store, session } = setup();
    await session.begin({ state: STATE, codeVerifier: VERIFIER });
    const exchange = exchanged(1);
    const error = await rejection(session.complete('state-of-someone-else', exchange));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('state mismatch');
    expect(exchange.verifiers).toEqual([]);
    expect((await store.get(ID))?.pendingAuthorization?.state).toBe(STATE);
  });

  it('a state is accepted once', async () => {
    const { session } = setup();
    await session.begin({ state: STATE });
    await session.complete(STATE, exchanged(1));
    const again = exchanged(2);
    expect((await rejection(session.complete(STATE, again))).message).toContain('state mismatch');
    expect(again.verifiers).toEqual([]);
  });

  it('a state another process spent between the read and the write is refused (its lock had run out)', async () => {
    const { store, session } = setup();
    await session.begin({ state: STATE, codeVerifier: VERIFIER });
    const write = store.compareAndSet.bind(store);
    store.compareAndSet = async (id, expected, record) => {
      store.compareAndSet = write;
      const current = (await store.get(id))!;
      const { pendingAuthorization: _spent, ...rest } = current;
      await write(id, current.version, { ...rest, version: current.version + 1 });
      return write(id, expected, record);
    };
    const exchange = exchanged(1);
    expect((await rejection(session.complete(STATE, exchange))).message).toContain('state mismatch');
    expect(exchange.verifiers).toEqual([]);
  });

  it('after 10 minutes the state is spent and refused, and nothing is exchanged', async () => {
    const { store, clock, session } = setup();
    await session.begin({ state: STATE, codeVerifier: VERIFIER });
    clock.ms += PENDING_AUTHORIZATION_MS + 1;
    const exchange = exchanged(1);
    expect((await rejection(session.complete(STATE, exchange))).message).toContain('longer than 10 minutes');
    expect(exchange.verifiers).toEqual([]);
    expect((await store.get(ID))?.pendingAuthorization).toBeUndefined();
  });

  it('beginning keeps the tokens and cookies already stored', async () => {
    const { store, session } = setup();
    await store.compareAndSet(ID, 0, { version: 1, accessToken: 'access-canary-0-token', cookies: [], extras: { tenant: 'a' } });
    registerSecret('access-canary-0-token');
    await session.begin({ state: STATE });
    expect(await store.get(ID)).toMatchObject({ version: 2, accessToken: 'access-canary-0-token', extras: { tenant: 'a' }, pendingAuthorization: { state: STATE } });
  });

  it('revoke: revoked at the provider, then deleted and forgotten; a 503 keeps the tokens', async () => {
    const outcomes: ('revoked' | 'retry_later')[] = ['retry_later', 'revoked'];
    const revoked: TokenRecord[] = [];
    const { store, events, held, session } = setup(async (_ctx, record) => {
      revoked.push(record);
      return outcomes.shift()!;
    });
    await session.begin({ state: STATE });
    await session.complete(STATE, exchanged(1));
    held.length = 0;

    expect(await session.revoke()).toBe('retry_later');
    expect((await store.get(ID))?.accessToken).toBe('access-canary-1-token');
    expect(held).toEqual([]);
    expect(await session.revoke()).toBe('revoked');
    expect(await store.get(ID)).toBeUndefined();
    expect(held).toEqual([undefined]);
    expect(revoked.map((record) => record.refreshToken)).toEqual(['refresh-canary-1-token', 'refresh-canary-1-token']);
    expect(events.filter((event) => event.type === 'token.revoked')).toEqual([
      { type: 'token.revoked', outcome: 'retry_later' },
      { type: 'token.revoked', outcome: 'revoked' },
    ]);
    // Nothing stored: nothing to send, revoked all the same.
    expect(await session.revoke()).toBe('revoked');
    expect(revoked).toHaveLength(2);
  });

  it('revoke without a revocation endpoint is an AuthError naming the manifest field', async () => {
    const { session } = setup();
    expect((await rejection(session.revoke())).message).toContain('revocation_url');
  });

  it('forget deletes the record and tells the token manager', async () => {
    const { store, held, session } = setup();
    await session.begin({ state: STATE });
    await session.forget();
    expect(await store.get(ID)).toBeUndefined();
    expect(held).toEqual([undefined]);
  });
});
