/**
 * StoredRecord: the one compare-and-set write of a connection's token record, and what it does
 * when the compare-and-set fails under the lock. Someone wrote since the base was read: a
 * change beside the tokens (cookies) is written over, ours winning for the token fields; a
 * change of the tokens themselves (another worker renewed while our lease ran out) is never
 * overwritten, it is adopted. The store is the subject here, with a wrapper that lets "another
 * worker" write just before our compare-and-set; the renewal tests at the end send their token
 * requests to a real loopback token server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConnector, MemoryTokenStore, StoreError, type Connector, type TokenRecord, type TokenStore } from '../../sdk/index.js';
import { Redactor } from '../../sdk/redact.js';
import { sameTokens, StoredRecord, type RecordChange } from '../../sdk/auth/stored-record.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const ID = 'tenant-cas';

/** A store where "another worker" writes right before our next compare-and-set reaches it. */
class Interleaved implements TokenStore {
  readonly inner = new MemoryTokenStore();
  compareAndSets = 0;
  /** Runs before the next compareAndSet (once, unless `every` is set). */
  before?: () => Promise<void>;
  every = false;
  get(id: string) {
    return this.inner.get(id);
  }
  async compareAndSet(id: string, expected: number, record: TokenRecord) {
    this.compareAndSets++;
    const hook = this.before;
    if (!this.every) this.before = undefined;
    await hook?.();
    return this.inner.compareAndSet(id, expected, record);
  }
  delete(id: string) {
    return this.inner.delete(id);
  }
  withLock<T>(id: string, fn: () => Promise<T>) {
    return this.inner.withLock(id, fn);
  }
  /** Another worker's write on top of whatever is stored. */
  async otherWrites(change: (current: TokenRecord) => Omit<TokenRecord, 'version'>): Promise<void> {
    const current = (await this.inner.get(ID))!;
    expect(await this.inner.compareAndSet(ID, current.version, { ...change(current), version: current.version + 1 })).toBe(true);
  }
}

function setup() {
  const store = new Interleaved();
  const events: { type: string; [key: string]: unknown }[] = [];
  const redactor = new Redactor();
  const stored = new StoredRecord({ connectionId: ID, store, ctx: { redactor, emit: (event) => events.push(event) } });
  return { store, stored, events, redactor };
}

const tokens = (n: number) => {
  registerSecret(`access-token-${n}-canary`, `refresh-token-${n}-canary`);
  return { accessToken: `access-token-${n}-canary`, refreshToken: `refresh-token-${n}-canary` };
};
const cookie = (name: string, value: string) => ({ name, value, domain: 'api.vendor.com', hostOnly: true, path: '/', secure: true, httpOnly: false, createdAt: 1 });

/** Our renewal: new tokens, the cookies and extras of the record it is applied to (as a refresh). */
const renewal = (n: number): RecordChange => (current) => ({ ...current!, ...tokens(n), pendingRefresh: undefined });

async function seeded(stored: StoredRecord): Promise<TokenRecord> {
  const written = await stored.write(undefined, () => ({ ...tokens(1), cookies: [], extras: {} }));
  expect(written.kept).toBe(true);
  return written.record!;
}

describe('StoredRecord.write', () => {
  it('writes where the store still holds the base, one version up', async () => {
    const { store, stored } = setup();
    const base = await seeded(stored);
    const written = await stored.write(base, renewal(2));
    expect(written).toMatchObject({ kept: true, record: { version: 2, ...tokens(2) } });
    expect(await store.get(ID)).toMatchObject({ version: 2, ...tokens(2) });
  });

  it('over a cookie written meanwhile: applied again on top of it, our token fields win, the cookie stays', async () => {
    const { store, stored } = setup();
    const base = await seeded(stored);
    store.before = () => store.otherWrites((current) => ({ ...current, cookies: [cookie('lb', 'node-7')] }));
    const written = await stored.write(base, renewal(2));
    expect(written.kept).toBe(true);
    expect(await store.get(ID)).toMatchObject({ version: 3, ...tokens(2), cookies: [{ name: 'lb', value: 'node-7' }] });
  });

  it('over new tokens another worker stored meanwhile: nothing is written, its record is returned', async () => {
    const { store, stored } = setup();
    const base = await seeded(stored);
    store.before = () => store.otherWrites((current) => ({ ...current, ...tokens(3) }));
    const written = await stored.write(base, renewal(2));
    expect(written).toMatchObject({ kept: false, record: { version: 2, ...tokens(3) } });
    expect(await store.get(ID)).toMatchObject({ version: 2, ...tokens(3) });
    expect(store.compareAndSets).toBe(2); // the seed and ours: no second try over the other worker's tokens
  });

  it.each([
    ['a refresh marker', (current: TokenRecord) => ({ ...current, pendingRefresh: { startedAt: 5, refreshTokenFingerprint: 'other' } })],
    ['a re-authorization flag', () => ({ cookies: [], extras: {}, reauthorizationRequired: true })],
    ['a refresh token alone', (current: TokenRecord) => ({ ...current, refreshToken: tokens(4).refreshToken })],
  ])('%s another worker stored is a change of the tokens too', async (_name, change) => {
    const { store, stored } = setup();
    const base = await seeded(stored);
    store.before = () => store.otherWrites(change);
    expect((await stored.write(base, renewal(2))).kept).toBe(false);
  });

  it('a change that leaves the tokens alone goes on top of anything, the newer tokens kept', async () => {
    const { store, stored } = setup();
    const base = await seeded(stored);
    store.before = () => store.otherWrites((current) => ({ ...current, ...tokens(3) }));
    const pendingAuthorization = { state: 'state-canary-0123456789', createdAt: 1 };
    registerSecret(pendingAuthorization.state);
    const written = await stored.write(base, (current) => ({ ...current!, pendingAuthorization }));
    expect(written.kept).toBe(true);
    expect(await store.get(ID)).toMatchObject({ version: 3, ...tokens(3), pendingAuthorization });
  });

  it('gives up with StoreError when the record changes under every try', async () => {
    const { store, stored } = setup();
    const base = await seeded(stored);
    let n = 0;
    store.every = true;
    store.before = () => store.otherWrites((current) => ({ ...current, cookies: [cookie('lb', `node-${++n}`)] }));
    const error = await rejection(stored.write(base, renewal(2)));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('while its lock was held');
    expect(store.compareAndSets).toBe(1 + 3);
    expect((await store.get(ID))?.accessToken).toBe(tokens(1).accessToken);
  });

  it('registers the secrets of every record it reads', async () => {
    const { store, stored, redactor } = setup();
    await store.inner.compareAndSet(ID, 0, { version: 1, ...tokens(5), cookies: [cookie('sid', 'cookie-value-canary')], extras: {} });
    registerSecret('cookie-value-canary');
    await stored.read();
    expect(redactor.redact(`${tokens(5).refreshToken} cookie-value-canary`)).not.toContain('canary');
  });
});

describe('StoredRecord.settle', () => {
  it('adopts the usable tokens another worker stored and says so, without a secret', async () => {
    const { store, stored, events } = setup();
    const base = await seeded(stored);
    store.before = () => store.otherWrites((current) => ({ ...current, ...tokens(3) }));
    const record = stored.settle(await stored.write(base, renewal(2)));
    expect(record).toMatchObject(tokens(3));
    expect(events).toEqual([
      { type: 'token.refresh_failed', reason: expect.stringContaining('another worker stored newer tokens'), code: 'CONNECTOR_STORE_FAILED', willReauthorize: false },
    ]);
  });

  it.each([
    ['flagged for re-authorization', () => ({ cookies: [], extras: {}, reauthorizationRequired: true })],
    ['mid-refresh', (current: TokenRecord) => ({ ...current, ...tokens(3), pendingRefresh: { startedAt: 5, refreshTokenFingerprint: 'other' } })],
    ['without a token', () => ({ cookies: [], extras: {} })],
  ])('what another worker stored %s cannot be used: StoreError', async (_name, change) => {
    const { store, stored, events } = setup();
    const base = await seeded(stored);
    store.before = () => store.otherWrites(change);
    const written = await stored.write(base, renewal(2));
    const error = await rejection((async () => stored.settle(written))());
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('being renewed by another worker');
    expect(events).toEqual([]);
  });
});

describe('sameTokens', () => {
  const record: TokenRecord = { version: 1, ...tokens(1), cookies: [], extras: {}, pendingRefresh: { startedAt: 5, refreshTokenFingerprint: 'f' } };
  it.each<[string, boolean, Partial<TokenRecord>]>([
    ['other cookies, extras, expiry and version', true, { version: 9, cookies: [cookie('a', 'b')], extras: { x: 1 }, expiresAt: 3 }],
    ['the same marker, copied', true, { pendingRefresh: { startedAt: 5, refreshTokenFingerprint: 'f' } }],
    ['reauthorizationRequired: false', true, { reauthorizationRequired: false }],
    ['another access token', false, { accessToken: 'other' }],
    ['no refresh token', false, { refreshToken: undefined }],
    ['another marker', false, { pendingRefresh: { startedAt: 6, refreshTokenFingerprint: 'f' } }],
    ['no marker', false, { pendingRefresh: undefined }],
    ['the re-authorization flag', false, { reauthorizationRequired: true }],
  ])('%s: same tokens %s', (_name, same, change) => {
    expect(sameTokens(record, { ...record, ...change })).toBe(same);
  });

  it('no record holds the same tokens as a record without any', () => {
    const empty: TokenRecord = { version: 1, cookies: [], extras: {} };
    expect(sameTokens(undefined, empty)).toBe(true);
    expect(sameTokens(undefined, record)).toBe(false);
  });
});

describe('a renewal whose compare-and-set fails (real loopback token server)', () => {
  let server: FakeOAuth;
  let connector: Connector | undefined;
  let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  const clock = { now: () => clockMs };
  afterEach(async () => {
    clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
    await connector?.close();
    connector = undefined;
    await server?.close();
  });

  const refreshEndpoint = (url: string): Partial<AuthRefreshableToken> => ({
    response_refresh_token_path: 'refresh_token',
    refresh_request_url: `${url}/refresh`,
    refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
    refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });

  async function expiredConnection() {
    server = await startFakeOAuth({ now: clock.now, login: { refreshTokens: true }, expiresIn: 600 });
    connector = await loadConnector(refreshableManifest(server.url, refreshEndpoint(server.url)));
    const store = new Interleaved();
    const log = eventLog();
    const connection = connector.connect({ connectionId: ID, credentials, store, clock, onEvent: log.listener, allowPrivateNetwork: true });
    expect((await connection.execute('get-items')).status).toBe(200);
    clockMs += 600_000;
    return { connection, store, log };
  }

  /** Runs `write` right before the write of the refresh's answer (the refresh request is sent after its marker). */
  function beforeStoringTheRefresh(store: Interleaved, write: () => Promise<void>): void {
    server.onTokenRequest = (path: string) => {
      if (path === '/refresh') store.before = write;
    };
  }

  /** Tokens another worker obtained: its own authorization at the token server. */
  async function otherWorkersTokens(): Promise<{ accessToken: string; refreshToken: string }> {
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...credentials }).toString(),
    });
    const body = (await response.json()) as { access_token: string; refresh_token: string };
    registerSecret(body.access_token, body.refresh_token);
    return { accessToken: body.access_token, refreshToken: body.refresh_token };
  }

  it('another worker stored a newer refresh token meanwhile: the store keeps it, and this connection uses its tokens', async () => {
    const { connection, store, log } = await expiredConnection();
    let other: { accessToken: string; refreshToken: string } | undefined;
    let ours: string | undefined;
    // Our lease ran out while the refresh was on its way; the worker that took over saw the marker,
    // authorized afresh and stored its tokens.
    beforeStoringTheRefresh(store, async () => {
      ours = server.latestRefreshToken();
      other = await otherWorkersTokens();
      const theirs = other;
      await store.otherWrites(({ pendingRefresh: _marker, ...current }) => ({ ...current, ...theirs, expiresAt: clockMs + 3_600_000, obtainedAt: clockMs }));
    });

    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.counts['/refresh']).toBe(1);
    const stored = await store.get(ID);
    expect(stored?.refreshToken).toBe(other?.refreshToken);
    expect(ours).toBeDefined();
    expect(stored?.refreshToken).not.toBe(ours); // the one our refresh got was dropped
    expect(stored?.pendingRefresh).toBeUndefined();
    expect(server.apiRequests.at(-1)?.headers.authorization).toBe(`Bearer ${other?.accessToken}`);
    const types = log.events.map((event) => event.type);
    expect(types).not.toContain('token.refreshed');
    expect(log.events.find((event) => event.type === 'token.refresh_failed')).toMatchObject({ code: 'CONNECTOR_STORE_FAILED', willReauthorize: false });

    // From now on the other worker's token serves, with no token request of this worker's.
    const tokenRequests = server.tokenRequests.length;
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.tokenRequests).toHaveLength(tokenRequests);
  });

  it('an action response stored a cookie meanwhile: the refreshed tokens are written over it, the cookie kept', async () => {
    const { connection, store, log } = await expiredConnection();
    beforeStoringTheRefresh(store, () => store.otherWrites((current) => ({ ...current, cookies: [cookie('lb', 'node-7')] })));

    expect((await connection.execute('get-items')).status).toBe(200);
    const stored = await store.get(ID);
    expect(stored?.refreshToken).toBe(server.latestRefreshToken());
    expect(stored?.pendingRefresh).toBeUndefined();
    expect(stored?.cookies.map((c) => c.name)).toEqual(['lb']);
    expect(log.events.map((event) => event.type)).toContain('token.refreshed');
  });
});
