/** Small manifests for runtime tests, pointed at a loopback test server. */
import type { AuthRefreshableToken, ConnectorManifest } from '../../sdk/manifest/types.gen.js';

export const CLIENT_SECRET = 'SECRET-canary-client-secret';

export function refreshableManifest(
  baseUrl: string,
  auth: Partial<AuthRefreshableToken> = {},
  extra: Partial<ConnectorManifest> = {},
): ConnectorManifest {
  return {
    id: 'lifecycle-test',
    name: 'Lifecycle test',
    version: '1.0.0',
    base_url: baseUrl,
    headers: { 'User-Agent': 'connector-sdk-tests/1.0' },
    credentials: {
      type: 'object',
      required: ['client_id', 'client_secret'],
      properties: {
        client_id: { type: 'string' },
        client_secret: { type: 'string', 'x-secret': true },
      },
    },
    auth: {
      type: 'refreshable_token',
      authorization_request_url: `${baseUrl}/token`,
      authorization_request_body_template:
        'grant_type=client_credentials&client_id={{ credentials.client_id | url_encode }}&client_secret={{ credentials.client_secret | url_encode }}',
      authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      response_access_token_path: 'access_token',
      ...auth,
    },
    actions: {
      'get-items': { method: 'GET', path: '/api/items', output: '$.data' },
      'post-item': { method: 'POST', path: '/api/items', body: { name: '{{ input.name }}' }, input: { type: 'object', properties: { name: { type: 'string' } } } },
    },
    ...extra,
  };
}

export const credentials = { client_id: 'client-1', client_secret: CLIENT_SECRET };
