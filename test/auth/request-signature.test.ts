/**
 * The request_signature auth type: templates over the outgoing hop (`request`), rendered by the
 * signing stage. A loopback server recomputes what it receives: the body hash over the exact
 * bytes, an HMAC over method, path and the canonical query, a query signature appended without
 * re-encoding the parameters already signed. Also: one nonce per hop shared by every template
 * of that hop, a cross-origin redirect hop sent without the signature headers, and the
 * validator's checks of `request.*` names and of where `request` may be used.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector, validateManifest, type Connector } from '../../sdk/index.js';
import type { Authentication } from '../../sdk/manifest/types.gen.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { registerSecret } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const SECRET = 'signing-secret-canary-3381';
registerSecret(SECRET);
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const OPEN_INPUT = { type: 'object' as const, additionalProperties: true };

let server: RoutedServer;
let other: RoutedServer;
let connector: Connector | undefined;

beforeEach(async () => {
  server = await startRouted();
  other = await startRouted();
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server.close();
  await other.close();
});

async function connect(auth: Authentication, actions = {}) {
  const manifest = authManifest(server.origin, auth, credentialFields(['key_id', 'secret'], ['secret']), {
    actions: {
      search: { method: 'GET', path: '/api/search', query: { q: '{{ input.q }}', page: '{{ input.page }}' }, input: OPEN_INPUT, output: '$' },
      post: { method: 'POST', path: '/api/items', body: { name: '{{ input.name }}' }, input: OPEN_INPUT, output: '$' },
      ...actions,
    },
  });
  connector = await loadConnector(manifest);
  return connector.connect({ connectionId: 'sig', credentials: { key_id: 'kid-1', secret: SECRET }, clock: { now: () => NOW }, allowPrivateNetwork: true });
}

const HMAC_HEADERS: Authentication = {
  type: 'request_signature',
  headers: {
    'X-Key': '{{ credentials.key_id }}',
    'X-Timestamp': '{{ request.timestamp }}',
    'X-Content-SHA256': '{{ request.body_sha256 }}',
    'X-Signature': "{{ request.method | append: ' ' | append: request.path | append: '?' | append: request.canonical_query | append: ' ' | append: request.timestamp | hmac: credentials.secret, 'sha256' }}",
  },
};

describe('request_signature', () => {
  it('the server recomputes the HMAC over method, path and sorted query, and the body hash over the bytes it got', async () => {
    server.routes.set('/api/search', (_req, res) => sendJson(res, 200, { ok: true }));
    server.routes.set('/api/items', (_req, res) => sendJson(res, 201, { ok: true }));
    const connection = await connect(HMAC_HEADERS);
    await connection.execute('search', { q: 'a b&c', page: 2 });
    await connection.execute('post', { name: 'ünï' });
    const [get, post] = server.received;
    const check = (request: typeof get) => {
      const url = new URL(request!.url, server.origin);
      const sorted = [...url.searchParams].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const message = `${request!.method} ${url.pathname}?${sorted} ${Math.floor(NOW / 1000)}`;
      expect(request!.headers['x-signature']).toBe(createHmac('sha256', SECRET).update(message).digest('hex'));
      expect(request!.headers['x-content-sha256']).toBe(createHash('sha256').update(request!.body).digest('hex'));
      expect(request!.headers['x-timestamp']).toBe(String(Math.floor(NOW / 1000)));
    };
    check(get);
    check(post);
    expect(post?.body).toBe(JSON.stringify({ name: 'ünï' }));
    expect(server.received).toHaveLength(2);
  });

  it('query signature parameters are appended; the parameters already there keep their exact encoding', async () => {
    server.routes.set('/api/search', (_req, res) => sendJson(res, 200, {}));
    const connection = await connect({
      type: 'request_signature',
      headers: { 'X-Key': '{{ credentials.key_id }}' },
      query: { sig: "{{ request.query | hmac: credentials.secret, 'sha256' }}", ts: '{{ request.timestamp }}' },
    });
    await connection.execute('search', { q: "it's (here)", page: 1 });
    const sent = server.received[0]?.url ?? '';
    const [path, query = ''] = sent.split('?');
    expect(path).toBe('/api/search');
    const signedPart = query.replace(/&sig=[0-9a-f]{64}&ts=\d+$/, '');
    expect(query).toBe(`${signedPart}&sig=${createHmac('sha256', SECRET).update(signedPart).digest('hex')}&ts=${Math.floor(NOW / 1000)}`);
  });

  it('one nonce per hop, shared by every template of the hop; the next hop gets another', async () => {
    server.routes.set('/api/search', (_req, res) => sendJson(res, 200, {}));
    const connection = await connect({
      type: 'request_signature',
      headers: { 'X-Nonce': '{{ "n" | nonce }}', 'X-Nonce-Again': '{{ "n" | nonce }}', 'X-Request-Nonce': '{{ request.nonce }}' },
    });
    await connection.execute('search', { q: 'x', page: 1 });
    await connection.execute('search', { q: 'x', page: 1 });
    const [first, second] = server.received.map((request) => request.headers);
    expect(first?.['x-nonce']).toMatch(/^[0-9a-f]{32}$/);
    expect(first?.['x-nonce-again']).toBe(first?.['x-nonce']);
    expect(second?.['x-nonce']).not.toBe(first?.['x-nonce']);
    expect(second?.['x-request-nonce']).not.toBe(first?.['x-request-nonce']);
  });

  it('a redirect to another origin is followed without the signature headers', async () => {
    server.routes.set('/api/search', (_req, res) => {
      res.writeHead(307, { location: `${other.origin}/landing`, 'content-length': '0' });
      res.end();
    });
    other.routes.set('/landing', (_req, res) => sendJson(res, 200, { landed: true }));
    const connection = await connect(HMAC_HEADERS);
    expect((await connection.execute('search', { q: 'x', page: 1 })).data).toEqual({ landed: true });
    expect(other.received).toHaveLength(1);
    for (const request of other.received) {
      expect(Object.keys(request.headers).filter((name) => name.startsWith('x-'))).toEqual([]);
    }
    expect(server.received[0]?.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the validator on request templates', () => {
  const errors = (auth: Authentication) =>
    validateManifest(authManifest('https://api.example.com', auth, credentialFields(['secret'], ['secret'])))
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => `${d.pointer}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);

  it('an unknown request field is named, with a did-you-mean', () => {
    expect(errors({ type: 'request_signature', headers: { 'X-Sig': '{{ request.canonical_querry | hmac: credentials.secret }}' } })).toEqual([
      expect.stringMatching(/^\/auth\/headers\/X-Sig: .*request\.canonical_querry does not exist.*canonical_query/),
    ]);
  });

  it('request is not available outside signing templates', () => {
    expect(errors({ type: 'api_key', in: 'header', name: 'X-Key', value: '{{ request.path }}' })).toEqual([
      expect.stringMatching(/^\/auth\/value: .*variable request\.path is not available here/),
    ]);
  });
});
