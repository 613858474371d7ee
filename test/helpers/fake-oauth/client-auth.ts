/** RFC 6749 §2.3.1 client authentication, as the token, login and revocation endpoints check it. */
import type { IncomingHttpHeaders } from 'node:http';
import { formDecode } from './http.js';
import type { ClientAuthMethod, OAuthClient } from './types.js';

export type ClientCheck = { client: OAuthClient; method: ClientAuthMethod } | { error: string };

/** Basic with form-encoded id and secret, or both in the body; never both ways. */
export function authenticateClient(headers: IncomingHttpHeaders, params: URLSearchParams, clients: Map<string, OAuthClient>): ClientCheck {
  const presented = presentedClient(headers, params);
  if ('error' in presented) return presented;
  const { id, secret, method } = presented;
  const client = clients.get(id ?? '');
  if (!client) return { error: 'unknown client' };
  if (client.auth !== undefined && client.auth !== method) return { error: `this client must authenticate with ${client.auth}` };
  if (client.secret !== undefined ? secret !== client.secret : secret !== null) return { error: 'client authentication failed' };
  return { client, method };
}

function presentedClient(
  headers: IncomingHttpHeaders,
  params: URLSearchParams,
): { id: string | null; secret: string | null; method: ClientAuthMethod } | { error: string } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers.authorization ?? '')?.[1];
  if (basic === undefined) {
    const secret = params.get('client_secret');
    return { id: params.get('client_id'), secret, method: secret === null ? 'none' : 'post' };
  }
  if (params.has('client_secret')) return { error: 'more than one client authentication method' };
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { error: 'malformed Basic credentials' };
  let id: string;
  let secret: string;
  try {
    id = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    return { error: 'Basic credentials are not form-encoded' };
  }
  if (params.has('client_id') && params.get('client_id') !== id) return { error: 'client_id in the body differs from Basic' };
  return { id, secret, method: 'basic' };
}
