/**
 * The public suffix rule end to end: an API at www.example.co.uk (a test server on 127.0.0.1,
 * reached by name through a dispatcher whose lookup answers 127.0.0.1) sets a cookie on each
 * answer; what the connection sends back next shows what the jar kept.
 */
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConnector } from '../../sdk/index.js';
import { MemoryTokenStore } from '../../sdk/store/memory-token-store.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';

let server: FakeOAuth;
let agent: Agent;

/** Every name is 127.0.0.1 (one address, or a list of one, as the caller asks). */
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

beforeAll(async () => {
  server = await startFakeOAuth({ expiresIn: 3600 });
  agent = new Agent({ connect: { lookup: toLoopback } });
});

afterAll(async () => {
  await agent.close();
  await server.close();
});

it.each([
  ['Domain=co.uk (a public suffix): ignored, nothing is sent back', 'wide=1; Path=/; Domain=co.uk', undefined],
  ['Domain=example.co.uk: kept, sent back', 'site=1; Path=/; Domain=example.co.uk', 'site=1'],
])('%s', async (_name, setCookie, sentBack) => {
  server.options.api = { setCookie };
  const base = `http://www.example.co.uk:${new URL(server.url).port}`;
  const connector = await loadConnector(refreshableManifest(base));
  try {
    const connection = connector.connect({ connectionId: 'tenant-1', credentials, store: new MemoryTokenStore(), dispatcher: agent, allowPrivateNetwork: true });
    const first = server.apiRequests.length;
    expect((await connection.execute('get-items')).status).toBe(200);
    expect((await connection.execute('get-items')).status).toBe(200);
    expect(server.apiRequests.slice(first).map(({ headers }) => [headers.host, headers.cookie])).toEqual([
      [`www.example.co.uk:${new URL(server.url).port}`, undefined],
      [`www.example.co.uk:${new URL(server.url).port}`, sentBack],
    ]);
  } finally {
    await connector.close();
  }
});
