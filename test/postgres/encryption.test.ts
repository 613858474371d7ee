/**
 * Encryption at rest in PostgreSQL, through real connections: the row as the database holds it
 * (read straight from the table) contains no token or credential in any encoding the secret scan
 * knows (raw, URL, base64, base64url, …), only the sealed envelope of encryption.ts; a wrong key
 * or a tampered row is a StoreError naming the connection; a store without a key keeps tokens in
 * plain text (the control) and is reported once as a `store.unencrypted` event.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, PostgresTokenStore, StoreError, type Connector } from '../../sdk/index.js';
import type { AuthRefreshableToken } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { CLIENT_SECRET, credentials, refreshableManifest } from '../helpers/manifests.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { eventLog, rejection, secretForms } from '../helpers/secret-scan.js';

const KEY = randomBytes(32);
let postgres: PostgresServer;
let sql: pg.Pool;
let server: FakeOAuth;
let connector: Connector;
const stores: PostgresTokenStore[] = [];

beforeAll(async () => {
  postgres = await startPostgresServer();
  sql = new pg.Pool({ connectionString: postgres.url, max: 2 });
  server = await startFakeOAuth({ login: { refreshTokens: true }, rotateRefreshTokens: false, expiresIn: 3600 });
  connector = await loadConnector(
    refreshableManifest(server.url, { response_refresh_token_path: 'refresh_token' } satisfies Partial<AuthRefreshableToken>),
  );
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await connector?.close();
  await server?.close();
  await sql?.end();
  await postgres?.destroy();
});

async function open(table: string, options: { encryptionKey?: Buffer } = {}): Promise<PostgresTokenStore> {
  const store = new PostgresTokenStore(postgres.url, { table, ...options });
  stores.push(store);
  await store.ensureSchema();
  return store;
}

/** The row as the database holds it: every column as text (a row literal doubles quotes), and the record column as it is. */
async function rawRow(table: string, connectionId: string): Promise<string> {
  const { rows } = await sql.query<{ row: string; record: string }>(`SELECT t::text AS row, record FROM "${table}" t WHERE connection_id = $1`, [connectionId]);
  expect(rows).toHaveLength(1);
  return `${rows[0]!.row}\n${rows[0]!.record}`;
}

async function executeWith(store: PostgresTokenStore, connectionId: string) {
  const log = eventLog();
  const connection = connector.connect({ connectionId, credentials, store, onEvent: log.listener, allowPrivateNetwork: true });
  const result = await connection.execute('get-items');
  return { status: result.status, events: log.events };
}

/** Every secret the run produced: the client secret and the tokens the server issued and the API saw. */
function secrets(): string[] {
  const refresh = server.latestRefreshToken();
  const access = server.apiRequests.map(({ headers }) => headers.authorization?.replace(/^Bearer /, '') ?? '');
  return [CLIENT_SECRET, ...(refresh ? [refresh] : []), ...access].filter((value) => value.length > 0);
}

/** The encodings of `secret` found in `text` (raw, uri, base64, base64url, … as the secret scan computes them). */
function found(text: string, secret: string): string[] {
  return secretForms(secret)
    .filter((form) => text.includes(form.text))
    .map((form) => form.encoding);
}

describe('PostgresTokenStore encryption at rest', () => {
  it('with a key: the row holds no token in any encoding, only the sealed envelope; the tokens read back', async () => {
    const store = await open('sealed_tokens', { encryptionKey: KEY });
    expect((await executeWith(store, 'tenant-1')).status).toBe(200);
    const row = await rawRow('sealed_tokens', 'tenant-1');
    expect(secrets().length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets()) expect(found(row, secret)).toEqual([]);
    expect(row).not.toContain('canary');
    expect(row).toMatch(/"sealed":\{"v":1,"kid":"k-[\w-]+","iv":"[^"]+","tag":"[^"]+","data":"[^"]+"\}/);
    expect((await store.get('tenant-1'))?.refreshToken).toBe(server.latestRefreshToken());
    expect(store.atRest).toEqual({ store: 'postgres', encrypted: true });
  });

  it('without a key the tokens are in the row in plain text: the control for the scan above', async () => {
    const store = await open('plain_tokens');
    await executeWith(store, 'tenant-1');
    expect(found(await rawRow('plain_tokens', 'tenant-1'), server.latestRefreshToken()!)).toContain('raw');
  });

  it('a wrong key: StoreError naming the connection, for the store and for the action', async () => {
    await executeWith(await open('wrong_key_tokens', { encryptionKey: KEY }), 'tenant-1');
    const wrong = await open('wrong_key_tokens', { encryptionKey: randomBytes(32) });
    const error = await rejection(wrong.get('tenant-1'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('connection "tenant-1"');
    expect(error.message).toMatch(/wrong key/);
    const connection = connector.connect({ connectionId: 'tenant-1', credentials, store: wrong, allowPrivateNetwork: true });
    expect(await rejection(connection.execute('get-items'))).toBeInstanceOf(StoreError);
  });

  it('a tampered ciphertext (one character changed in the table): StoreError naming the connection, never the content', async () => {
    const store = await open('tampered_tokens', { encryptionKey: KEY });
    await executeWith(store, 'tenant-1');
    const { rowCount } = await sql.query(
      `UPDATE "tampered_tokens" SET record = regexp_replace(record, '"data":"(.)', CASE WHEN record LIKE '%"data":"A%' THEN '"data":"B' ELSE '"data":"A' END) WHERE connection_id = 'tenant-1'`,
    );
    expect(rowCount).toBe(1);
    const error = await rejection(store.get('tenant-1'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('connection "tenant-1"');
    expect(error.message).toContain('tampered');
  });

  it('store.unencrypted is emitted once per store without a key (store: postgres), never for one with a key', async () => {
    const plain = await open('warn_plain_tokens');
    const first = await executeWith(plain, 'tenant-a');
    const second = await executeWith(plain, 'tenant-b');
    expect(first.events.filter((event) => event.type === 'store.unencrypted')).toEqual([
      expect.objectContaining({ type: 'store.unencrypted', store: 'postgres', connectionId: 'tenant-a' }),
    ]);
    expect(second.events.map((event) => event.type)).not.toContain('store.unencrypted');
    const sealed = await open('warn_sealed_tokens', { encryptionKey: KEY });
    expect((await executeWith(sealed, 'tenant-a')).events.map((event) => event.type)).not.toContain('store.unencrypted');
  });
});
