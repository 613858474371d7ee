/**
 * Issue 14, item 1: a nonce is one value per outgoing request, shared by every header and body
 * field of that request (and by the auth placement), and a new one for the next request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConnector } from '../../sdk/index.js';
import { fields, manifest } from '../security/support/manifests.js';
import { startRouted, sendJson, type RoutedServer } from '../security/support/servers.js';

let api: RoutedServer;
beforeAll(async () => {
  api = await startRouted({ '/api/sign': (_req, res) => sendJson(res, 200, { ok: true }) });
});
afterAll(async () => {
  await api.close();
});

it('the same nonce in the action header, the body and the auth header of one request; a new one per request', async () => {
  const connector = await loadConnector(
    manifest(
      api.origin,
      { type: 'api_key', in: 'header', name: 'X-Signature', value: '{{ "n" | nonce | append: credentials.k | sha256 }}' },
      fields(['k'], ['k']),
      {
        actions: {
          sign: {
            method: 'POST',
            path: '/api/sign',
            headers: { 'X-Nonce': '{{ "n" | nonce }}' },
            body: { nonce: '{{ "n" | nonce }}', other: '{{ "m" | nonce: 8 }}' },
          },
        },
      },
    ),
  );
  const connection = connector.connect({ connectionId: 'nonce', credentials: { k: 'SECRET-nonce-key-11' }, allowPrivateNetwork: true });
  await connection.execute('sign');
  await connection.execute('sign');
  const seen = api.on('/api/sign').map((request) => ({
    header: String(request.headers['x-nonce']),
    signature: String(request.headers['x-signature']),
    body: JSON.parse(request.body) as { nonce: string; other: string },
  }));
  expect(seen).toHaveLength(2);
  for (const { header, signature, body } of seen) {
    expect(header).toMatch(/^[0-9a-f]{32}$/);
    expect(body.nonce).toBe(header);
    expect(body.other).toMatch(/^[0-9a-f]{16}$/);
    expect(body.other).not.toBe(header.slice(0, 16));
    const { createHash } = await import('node:crypto');
    expect(signature).toBe(createHash('sha256').update(`${header}SECRET-nonce-key-11`).digest('hex'));
  }
  expect(seen[0]!.header).not.toBe(seen[1]!.header);
  await connector.close();
});
