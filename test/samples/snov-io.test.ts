/**
 * connectors/snov-io.json end to end against the snov.io sandbox, through the public API:
 * every action, the token expiring mid-session, a revoked token, the rate limit, exact counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { loadConnector, type Connection, type Connector } from '../../sdk/index.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { eventLog, registerSecret } from '../helpers/secret-scan.js';

const TOKEN_PATH = '/v1/oauth/access_token';
let sandbox: SnovSandbox;
let connector: Connector;
let connection: Connection;
let clockMs = Date.UTC(2026, 10, 23, 9, 0, 0);
const clock = { now: () => clockMs };
let log = eventLog();

async function manifest(): Promise<ConnectorManifest> {
  return JSON.parse(await readFile('connectors/snov-io.json', 'utf8')) as ConnectorManifest;
}

function connect(target: Connector = connector): Connection {
  return target.connect({
    connectionId: 'snov-tenant',
    credentials: { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: sandbox.url },
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
}

beforeEach(async () => {
  log = eventLog();
  registerSecret('sandbox-client-secret');
  clockMs = Date.UTC(2026, 10, 23, 9, 0, 0);
  sandbox = await startSnovSandbox({ now: clock.now });
  connector = await loadConnector('connectors/snov-io.json');
  connection = connect();
});

afterEach(async () => {
  await connector.close();
  await sandbox.close();
});

describe('every action', () => {
  it('get-balance, get-user-lists, add-prospect-to-list with one token', async () => {
    expect((await connection.execute('get-balance')).data).toMatchObject({ balance: '25000.00' });
    const lists = (await connection.execute('get-user-lists')).data as { id: number; name: string }[];
    expect(lists.map((list) => list.name)).toEqual(['FirstSend', 'Leads']);
    const added = await connection.execute('add-prospect-to-list', { list_id: 1818597, email: 'jane@example.com', first_name: 'Jane' });
    expect(added.data).toMatchObject({ success: true, added: true });
    expect(sandbox.count(TOKEN_PATH)).toBe(1);
    // v1 calls carry the token the v1 way (query and form body), v2 in the header.
    const listCall = sandbox.requests.find((r) => r.path.startsWith('/v1/get-user-lists'));
    expect(listCall?.path).toMatch(/access_token=/);
    expect(listCall?.headers.authorization).toBeUndefined();
  });

  it('the two-step searches: email finder, email verification, domain search', async () => {
    const names = { first_name: 'Jane', last_name: 'Doe', domain: 'example.com' };
    const first = (await connection.execute('get-emails-from-names', names)).data as { status: { identifier: string } };
    expect(first.status.identifier).toBe('in_progress');
    const second = (await connection.execute('get-emails-from-names', names)).data as { status: { identifier: string } };
    expect(second.status.identifier).toBe('complete');

    const started = (await connection.execute('start-email-verification', { emails: ['admin@snov.io', 'test@snov.io'] })).data as { task_hash: string };
    const pending = (await connection.execute('get-email-verification-result', { task_hash: started.task_hash })).data as { status: string };
    expect(pending.status).toBe('in_progress');
    const done = (await connection.execute('get-email-verification-result', { task_hash: started.task_hash })).data as { status: string; data: unknown[] };
    expect(done.status).toBe('completed');
    expect(done.data).toHaveLength(2);

    const search = (await connection.execute('start-domain-search', { domain: 'snov.io' })).data as { task_hash: string };
    await connection.execute('get-domain-search-result', { task_hash: search.task_hash });
    const result = (await connection.execute('get-domain-search-result', { task_hash: search.task_hash })).data as { status: string };
    expect(result.status).toBe('completed');
    expect(sandbox.count(TOKEN_PATH)).toBe(1);
    expect(sandbox.requests).toHaveLength(1 + 2 + 3 + 3);
  });

  it('domain-emails-with-info pages through the lastId cursor', async () => {
    const pages: number[] = [];
    for await (const page of connection.paginate<{ emails: unknown[] }>('domain-emails-with-info', { domain: 'snov.io', limit: 3 })) {
      pages.push(page.data.emails.length);
    }
    expect(pages).toEqual([3, 3, 1, 0]);
    expect(sandbox.count('/v2/domain-emails-with-info')).toBe(4);
    const cursors = sandbox.requests.filter((r) => r.path.startsWith('/v2/domain-emails-with-info')).map((r) => new URL(r.path, sandbox.url).searchParams.get('lastId'));
    expect(cursors[0]).toBeNull();
    expect(cursors.slice(1).every((cursor) => cursor !== null)).toBe(true);
  });

  it('an input that breaks the schema is refused before any request, naming the field', async () => {
    await expect(connection.execute('add-prospect-to-list', { email: 'x@example.com' })).rejects.toMatchObject({
      code: 'CONNECTOR_INPUT_INVALID',
      field: 'list_id',
    });
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('token lifecycle', () => {
  it('re-requests the token when it expires mid-session (no refresh token)', async () => {
    await connection.execute('get-balance');
    clockMs += 3599_000;
    await connection.execute('get-balance');
    expect(sandbox.count(TOKEN_PATH)).toBe(2);
    expect(log.events.filter((event) => event.type === 'token.acquired')).toHaveLength(2);
  });

  it('a revoked token: one new token and one replay', async () => {
    await connection.execute('get-balance');
    sandbox.expireTokens();
    await connection.execute('get-balance');
    expect(sandbox.count(TOKEN_PATH)).toBe(2);
    expect(sandbox.count('/v1/get-balance')).toBe(3);
  });

  it('100 concurrent calls on a new connection: one token request', async () => {
    await sandbox.close();
    sandbox = await startSnovSandbox({ now: clock.now, rateLimit: { requests: 1000, perSeconds: 60 } });
    const fast = await loadConnector({ ...(await manifest()), rate_limit: undefined });
    try {
      const shared = connect(fast);
      const results = await Promise.all(Array.from({ length: 100 }, () => shared.execute('get-balance')));
      expect(results.every((result) => result.status === 200)).toBe(true);
      expect(sandbox.count(TOKEN_PATH)).toBe(1);
      expect(sandbox.count('/v1/get-balance')).toBe(100);
    } finally {
      await fast.close();
    }
  });
});

describe('rate limit', () => {
  it('waits instead of exceeding the budget: no 429 reaches the connection', async () => {
    await sandbox.close();
    sandbox = await startSnovSandbox({ now: Date.now, rateLimit: { requests: 5, perSeconds: 1 } });
    const limited = await loadConnector({ ...(await manifest()), rate_limit: { requests: 5, per_seconds: 1 } });
    try {
      const shared = limited.connect({
        connectionId: 'snov-limited',
        credentials: { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: sandbox.url },
        onEvent: log.listener,
        allowPrivateNetwork: true,
      });
      const results = await Promise.all(Array.from({ length: 12 }, () => shared.execute('get-balance')));
      expect(results.every((result) => result.status === 200)).toBe(true);
      const calls = sandbox.requests.filter((r) => r.path.startsWith('/v1/get-balance'));
      expect(calls).toHaveLength(12);
      // Any six consecutive calls span about a second or more (receipt times jitter under load).
      for (let i = 5; i < calls.length; i++) expect((calls[i]?.at ?? 0) - (calls[i - 5]?.at ?? 0)).toBeGreaterThanOrEqual(900);
      expect(log.events.filter((event) => event.type === 'request.retry')).toHaveLength(0);
    } finally {
      await limited.close();
    }
  });

  it('a 429 from the API is retried after its Retry-After', async () => {
    await sandbox.close();
    sandbox = await startSnovSandbox({ now: Date.now, rateLimit: { requests: 2, perSeconds: 1 } });
    const unlimited = await loadConnector({ ...(await manifest()), rate_limit: undefined });
    try {
      const shared = unlimited.connect({
        connectionId: 'snov-429',
        credentials: { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret', api_base: sandbox.url },
        onEvent: log.listener,
        allowPrivateNetwork: true,
      });
      const results = await Promise.all(Array.from({ length: 3 }, () => shared.execute('get-balance')));
      expect(results.every((result) => result.status === 200)).toBe(true);
      expect(sandbox.count('/v1/get-balance')).toBe(4);
      const retries = log.events.filter((event) => event.type === 'request.retry');
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({ reason: 'status 429' });
    } finally {
      await unlimited.close();
    }
  });
});
