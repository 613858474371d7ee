/**
 * A protected API on 127.0.0.1 that accepts only JWT access tokens signed by a given issuer:
 * it fetches the issuer's JWKS, verifies the RS256 signature with node:crypto and checks iss,
 * exp and (optionally) a required scope, as a resource server in front of a real OAuth 2.0
 * server would. It answers RFC 6750 challenges and counts what it saw. Its /callback is a
 * redirect URI for the authorization code grant: it answers 200 and records the URL.
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface JwksApi {
  url: string;
  /** API requests received. */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** Claims of every token accepted, in order. */
  accepted: Record<string, unknown>[];
  /** Why tokens were refused, in order. */
  refused: string[];
  /** Times the JWKS was fetched. */
  jwksFetches: number;
  /** A redirect URI served here. */
  callbackUrl: string;
  /** Callback URLs the user agent landed on. */
  callbacks: string[];
  close(): Promise<void>;
}

export async function startJwksApi(options: { jwksUrl: string; issuer: string; requiredScope?: string; now?: () => number }): Promise<JwksApi> {
  const now = options.now ?? Date.now;
  const sockets = new Set<Socket>();
  let keys: Map<string, KeyObject> | undefined;
  const state: JwksApi = {
    url: '',
    requests: [],
    accepted: [],
    refused: [],
    jwksFetches: 0,
    callbackUrl: '',
    callbacks: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const keyFor = async (kid: string): Promise<KeyObject | undefined> => {
    if (!keys?.has(kid)) {
      state.jwksFetches++;
      const answer = await fetch(options.jwksUrl);
      const { keys: jwks } = (await answer.json()) as { keys: (JsonWebKey & { kid: string })[] };
      keys = new Map(jwks.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
    }
    return keys.get(kid);
  };

  const check = async (authorization: string | undefined): Promise<Record<string, unknown> | string> => {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'no bearer token';
    const [h = '', p = '', s = ''] = token.split('.');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return 'not a JWT';
    }
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') return 'unexpected JWT header';
    const key = await keyFor(header.kid);
    if (!key) return 'unknown signing key';
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return 'bad signature';
    if (claims.iss !== options.issuer) return 'wrong issuer';
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now()) return 'expired';
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (options.requiredScope && !scopes.includes(options.requiredScope)) return 'insufficient_scope';
    return claims;
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/callback') {
      state.callbacks.push(`${state.url}${request.url ?? ''}`);
      response.writeHead(200, { 'content-type': 'text/plain' });
      return void response.end('You may close this window.');
    }
    state.requests.push({ path, headers: request.headers });
    request.resume();
    request.on('end', () => {
      void check(request.headers.authorization).then((result) => {
        if (typeof result === 'string') {
          state.refused.push(result);
          const scope = result === 'insufficient_scope';
          response.writeHead(scope ? 403 : 401, {
            'content-type': 'application/json',
            'www-authenticate': `Bearer realm="api", error="${scope ? 'insufficient_scope' : 'invalid_token'}"`,
          });
          return void response.end(JSON.stringify({ error: result }));
        }
        state.accepted.push(result);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ data: { path, sub: result.sub ?? null, scope: result.scope ?? null, aud: result.aud ?? null } }));
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.callbackUrl = `${state.url}/callback`;
  return state;
}
