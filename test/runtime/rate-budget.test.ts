/**
 * The rate budget belongs to the connection id, not to one connect() call: two connections with
 * the same id share the API's limit (issue 20), connections with other ids have their own. The
 * loopback API records when each request arrived; only lower bounds on time are asserted (a
 * loaded machine can only make requests later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector } from '../../sdk/index.js';
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
