/**
 * The rate budget belongs to its scope, not to one connect() call: two connections with the same
 * id share the API's limit (issue 20), connections with other ids have their own; scope
 * `account` shares one budget between connections whose rendered key is the same, `connector`
 * between all (issue 19). The in-process budget runs on an injected clock: with a virtual one,
 * exact send times per window are asserted without real waiting. A 429 without Retry-After waits
 * for the budget's next slot: exactly one retry. Real-time tests assert only lower bounds (a
 * loaded machine can only make requests later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetWindowMs, loadConnector, MemoryRateBudget, type Clock, type ConnectorManifest } from '../../sdk/index.js';
import { eventLog, record, registerSecret, rejection } from '../helpers/secret-scan.js';
import { fields, manifest } from '../security/support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

let api: RoutedServer;
const arrivals: { key: string; at: number }[] = [];

beforeAll(async () => {
  api = await startRouted({
    '/api/data': (req, res) => {
      arrivals.push({ key: String(req.headers['x-key']), at: performance.now() });
      sendJson(res, 200, { data: 'ok' });
    },
  });
});
afterAll(async () => {
  await api.close();
});

describe('rate budget scope', () => {
  it('two connect() calls with one connection id share 2 requests per 2 s; another id has its own budget', async () => {
    const connector = await loadConnector(
      manifest(api.origin, { type: 'api_key', in: 'header', name: 'X-Key', value: '{{ credentials.k }}' }, fields(['k'], ['k']), {
        rate_limit: { requests: 2, per_seconds: 2 },
      }),
    );
    const open = (id: string, key: string) => connector.connect({ connectionId: id, credentials: { k: key }, allowPrivateNetwork: true });
    const first = open('tenant-1', 'key-first');
    const second = open('tenant-1', 'key-second');
    const other = open('tenant-2', 'key-other');
    const started = performance.now();
    await Promise.all([first.execute('get'), second.execute('get'), other.execute('get'), other.execute('get')]);
    await second.execute('get');
    const tenant1 = arrivals.filter((a) => a.key !== 'key-other').map((a) => a.at - started);
    expect(tenant1).toHaveLength(3);
    // The third request of tenant-1 waited for the window, although it came through another connect() call.
    expect(tenant1[2]).toBeGreaterThanOrEqual(1_950);
    expect(arrivals.filter((a) => a.key === 'key-other')).toHaveLength(2);
    expect(api.hits('/api/data')).toBe(5);
    await connector.close();
  });
});

/** A clock only the test moves: sleepers wake when `advance` passes their time; an aborted sleeper rejects. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const sleepers = new Set<{ until: number; wake(): void }>();
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const sleeper = { until: now + ms, wake: resolve };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', () => {
          sleepers.delete(sleeper);
          reject(new DOMException('aborted', 'AbortError'));
        });
      }),
    advance: (ms) => {
      now += ms;
      for (const sleeper of [...sleepers]) {
        if (sleeper.until > now) continue;
        sleepers.delete(sleeper);
        sleeper.wake();
      }
    },
  };
}

/**
 * A virtual clock whose waits move it forward without real waiting (as the test kit's), on the
 * next macrotask: what the woken callers do at one instant happens before time moves on.
 */
function autoClock(): Clock {
  let now = Date.UTC(2026, 0, 1);
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          now += ms;
          resolve();
        }),
      ),
  };
}

/** Lets every pending promise continuation run (they are microtasks; this is a macrotask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('MemoryRateBudget on a virtual clock', () => {
  it('25 acquires at 10 per 1000 ms: exactly 10 at 0, 10 at 1000, 5 at 2000, in order, without real waiting', async () => {
    const clock = autoClock();
    const start = clock.now();
    const budget = new MemoryRateBudget({ now: () => clock.now(), sleep: (ms) => clock.sleep!(ms) });
    const at: number[] = [];
    const real = performance.now();
    await Promise.all(Array.from({ length: 25 }, () => budget.acquire('k', { requests: 10, windowMs: 1000 }).then(() => at.push(clock.now() - start))));
    expect(at).toEqual([...Array(10).fill(0), ...Array(10).fill(1000), ...Array(5).fill(2000)]);
    // Real waiting would take the 2 000 ms the virtual clock moved.
    expect(performance.now() - real).toBeLessThan(1900);
    expect(await budget.nextSlotMs('k', { requests: 10, windowMs: 1000 })).toBe(1000);
    expect(await budget.nextSlotMs('other', { requests: 10, windowMs: 1000 })).toBe(0);
  });

  it('an answered send leaves the window a window after its answer, not after its take', async () => {
    const clock = manualClock();
    const budget = new MemoryRateBudget({ now: clock.now, sleep: clock.sleep! });
    const limit = { requests: 1, windowMs: 1000 };
    const slot = await budget.acquire('k', limit);
    clock.advance(300);
    await slot.answered();
    let second: number | undefined;
    const next = budget.acquire('k', limit).then(() => (second = clock.now()));
    await settle();
    clock.advance(700);
    await settle();
    expect(second).toBeUndefined();
    clock.advance(300);
    await next;
    expect(second).toBe(1300);
  });

  it('a waiter aborted while queued rejects with the AbortError at once and takes no slot', async () => {
    const clock = manualClock();
    const budget = new MemoryRateBudget({ now: clock.now, sleep: clock.sleep! });
    const limit = { requests: 1, windowMs: 1000 };
    await budget.acquire('k', limit);
    const times: Record<string, number> = {};
    const first = budget.acquire('k', limit).then(() => (times.first = clock.now()));
    const controller = new AbortController();
    const aborted = budget.acquire('k', limit, controller.signal);
    const last = budget.acquire('k', limit).then(() => (times.last = clock.now()));
    await settle();
    controller.abort('gone');
    const error = await rejection(aborted);
    expect(error).toMatchObject({ name: 'AbortError', cause: 'gone' });
    clock.advance(1000);
    await first;
    await settle();
    // Had the aborted waiter taken the slot at 2000, the last one would go at 3000.
    clock.advance(1000);
    await last;
    expect(times).toEqual({ first: 1000, last: 2000 });
  });
});

describe('rate budget scopes (virtual clock)', () => {
  let scoped: RoutedServer;
  const arrivals: { key: string; at: number }[] = [];
  let clock: Clock;
  const credentials = {
    type: 'object' as const,
    required: ['k'],
    properties: { k: { type: 'string' as const, 'x-secret': true }, account: { type: 'string' as const, 'x-secret': true } },
  };
  const scopedManifest = (rate: ConnectorManifest['rate_limit']): ConnectorManifest =>
    manifest(scoped.origin, { type: 'api_key', in: 'header', name: 'X-Key', value: '{{ credentials.k }}' }, credentials, { rate_limit: rate });

  beforeAll(async () => {
    registerSecret('SECRET-acct-one', 'SECRET-acct-two', 'SECRET-key-a', 'SECRET-key-b', 'SECRET-key-c');
    scoped = await startRouted({
      '/api/data': (req, res) => {
        arrivals.push({ key: String(req.headers['x-key']), at: clock.now() - Date.UTC(2026, 0, 1) });
        sendJson(res, 200, { data: 'ok' });
      },
    });
  });
  afterAll(async () => {
    await scoped.close();
  });

  const run = async (rate: ConnectorManifest['rate_limit'], connections: { id: string; k: string; account?: string }[], calls: string[]) => {
    arrivals.length = 0;
    clock = autoClock();
    const connector = await loadConnector(scopedManifest(rate));
    const open = new Map(connections.map((c) => [c.k, connector.connect({ connectionId: c.id, credentials: { k: c.k, account: c.account }, clock, allowPrivateNetwork: true })]));
    for (const k of calls) await open.get(k)!.execute('get');
    await connector.close();
    return arrivals.map(({ key, at }) => `${key}@${at}`);
  };
  const W = budgetWindowMs(10);

  it('account: two connection ids with one account key share 2 per 10 s; another account has its own', async () => {
    const seen = await run(
      { requests: 2, per_seconds: 10, scope: 'account', key: '{{ credentials.account }}' },
      [
        { id: 'tenant-1', k: 'SECRET-key-a', account: 'SECRET-acct-one' },
        { id: 'tenant-2', k: 'SECRET-key-b', account: 'SECRET-acct-one' },
        { id: 'tenant-3', k: 'SECRET-key-c', account: 'SECRET-acct-two' },
      ],
      ['SECRET-key-a', 'SECRET-key-b', 'SECRET-key-c', 'SECRET-key-c', 'SECRET-key-b', 'SECRET-key-a'],
    );
    expect(seen).toEqual(['SECRET-key-a@0', 'SECRET-key-b@0', 'SECRET-key-c@0', 'SECRET-key-c@0', `SECRET-key-b@${W}`, `SECRET-key-a@${W}`]);
  });

  it('connector: every connection shares one budget; connection (the default): each id its own', async () => {
    const three = [
      { id: 'tenant-1', k: 'SECRET-key-a' },
      { id: 'tenant-2', k: 'SECRET-key-b' },
    ];
    const calls = ['SECRET-key-a', 'SECRET-key-b', 'SECRET-key-a'];
    expect(await run({ requests: 2, per_seconds: 10, scope: 'connector' }, three, calls)).toEqual(['SECRET-key-a@0', 'SECRET-key-b@0', `SECRET-key-a@${W}`]);
    expect(await run({ requests: 2, per_seconds: 10 }, three, calls)).toEqual(['SECRET-key-a@0', 'SECRET-key-b@0', 'SECRET-key-a@0']);
  });

  it('an account key that renders empty fails connect with a ConfigurationError naming /rate_limit/key', async () => {
    const connector = await loadConnector(scopedManifest({ requests: 2, per_seconds: 10, scope: 'account', key: '{{ credentials.account }}' }));
    let error: unknown;
    try {
      connector.connect({ connectionId: 't', credentials: { k: 'SECRET-key-a' }, allowPrivateNetwork: true });
    } catch (caught) {
      error = caught;
    }
    record(error);
    expect(error).toMatchObject({ code: 'CONNECTOR_CONFIGURATION_INVALID', field: '/rate_limit/key' });
    await connector.close();
  });
});

describe('a 429 without Retry-After waits for the budget\'s next slot', () => {
  let limited: RoutedServer;
  let answers: number[] = [];

  beforeAll(async () => {
    registerSecret('SECRET-key-429');
    limited = await startRouted({
      '/api/data': (req, res) => {
        if (req.headers['x-key'] !== 'SECRET-key-429') return sendJson(res, 401, { error: 'unauthorized' });
        sendJson(res, answers.shift() ?? 200, { data: 'ok' });
      },
    });
  });
  afterAll(async () => {
    await limited.close();
  });

  const connectTo = async (retry: ConnectorManifest['retry']) => {
    limited.reset();
    const connector = await loadConnector(
      manifest(limited.origin, { type: 'api_key', in: 'header', name: 'X-Key', value: '{{ credentials.k }}' }, fields(['k'], ['k']), {
        rate_limit: { requests: 5, per_seconds: 0.5 },
        retry,
      }),
    );
    const log = eventLog();
    return { connector, log, connection: connector.connect({ connectionId: 'c', credentials: { k: 'SECRET-key-429' }, allowPrivateNetwork: true, onEvent: log.listener }) };
  };

  it('one 429, then 200: exactly 1 retry, after the window of the 429\'d send (not the 125–250 ms backoff)', async () => {
    answers = [429];
    const { connector, log, connection } = await connectTo({ max_attempts: 10, base_delay_ms: 250 });
    const result = await connection.execute('get');
    expect(result.status).toBe(200);
    expect(limited.hits('/api/data')).toBe(2);
    const retries = log.events.filter((event) => event.type === 'request.retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, reason: 'status 429' });
    const delayMs = retries[0]!.delayMs as number;
    // Longer than any backoff (125–250 ms), with room for a loaded machine between the send and the 429.
    expect(delayMs).toBeGreaterThan(250);
    expect(delayMs).toBeLessThanOrEqual(budgetWindowMs(0.5));
    await connector.close();
  });

  it('a slot beyond the retry\'s time limit: no retry, the 429 is the answer (1 request)', async () => {
    answers = [429];
    const { connector, log, connection } = await connectTo({ max_attempts: 10, max_elapsed_seconds: 0.1 });
    const error = await rejection(connection.execute('get'));
    expect(error).toMatchObject({ code: 'CONNECTOR_HTTP_STATUS', status: 429 });
    expect(limited.hits('/api/data')).toBe(1);
    expect(log.events.filter((event) => event.type === 'request.retry')).toHaveLength(0);
    answers = [];
    await connector.close();
  });
});
