/**
 * Header names are case-insensitive: a token request carries each header once, whoever set it —
 * the manifest's shared headers (`Accept`), the token request's own headers (`accept`), or the
 * grant's code (client authentication's `accept`, `authorization`). Two spellings would go out
 * as two headers, which a server reads as one joined value ("application/json, application/json").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector, type Connector } from '../../sdk/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { registerSecret } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const SECRET = 'cc-secret-canary-7741';
registerSecret(SECRET);

let server: RoutedServer;
let connector: Connector | undefined;

beforeEach(async () => {
  server = await startRouted();
  server.routes.set('/oauth/token', (_req, res) => sendJson(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 600 }));
  server.routes.set('/api/whoami', (_req, res) => sendJson(res, 200, { data: 'ok' }));
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server.close();
});

describe('token request headers', () => {
  it('a shared Accept and the grant\'s accept go out as one header', async () => {
    const manifest = authManifest(
      server.origin,
      { type: 'oauth2_client_credentials', token_url: `${server.origin}/oauth/token`, client_id: 'c', client_secret: '{{ credentials.client_secret }}', client_auth: 'basic', allow_insecure_http: true },
      credentialFields(['client_secret'], ['client_secret']),
      { headers: { Accept: 'application/json', 'User-Agent': 'ua/1' } },
    );
    connector = await loadConnector(manifest);
    await connector.connect({ connectionId: 'h', credentials: { client_secret: SECRET }, allowPrivateNetwork: true }).execute('whoami');
    const [token] = server.on('/oauth/token');
    expect(token?.headers.accept).toBe('application/json');
    expect(token?.headers.authorization).toMatch(/^Basic [A-Za-z0-9+/=]+$/);
    expect(token?.headers['user-agent']).toBe('ua/1');
    expect(server.hits('/oauth/token')).toBe(1);
  });
});
