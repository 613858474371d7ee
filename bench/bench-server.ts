/**
 * The benchmark's API server, run in its own process so a client's CPU time is the client's
 * alone: a token endpoint and a JSON endpoint that checks the credential it receives — a bearer
 * token it issued, an HMAC signature it recomputes (/signed/…), or a JWT it verifies with jose
 * (/jwt/…, each distinct token verified once). Prints its URL on stdout; counts token requests
 * (GET /stats) and refused requests, so a client that sends a wrong credential shows.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { BENCH_HMAC_SECRET, BENCH_JWT_SECRET } from './manifests.js';

const BODY = JSON.stringify({ data: { items: Array.from({ length: 10 }, (_, i) => ({ id: i, name: `item-${i}`, active: i % 2 === 0 })) }, meta: { page: 1 } });
const JWT_KEY = new TextEncoder().encode(BENCH_JWT_SECRET);
let tokenRequests = 0;
let refused = 0;
let tokenDelayMs = 0;
const valid = new Set<string>(['bench-token-0']);
const verifiedJwts = new Set<string>();

/** Duo-style: HMAC-SHA256 of method, path, sorted query and X-Date, as bench/manifests.ts declares it. */
function signatureValid(request: IncomingMessage, url: URL): boolean {
  const date = request.headers['x-date'];
  const query = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const canon = `${request.method}\n${url.pathname}\n${query.join('&')}\n${String(date)}`;
  return typeof date === 'string' && request.headers['x-signature'] === createHmac('sha256', BENCH_HMAC_SECRET).update(canon).digest('hex');
}

async function jwtValid(request: IncomingMessage): Promise<boolean> {
  const token = request.headers.authorization?.slice(7) ?? '';
  if (verifiedJwts.has(token)) return true;
  try {
    await jwtVerify(token, JWT_KEY, { algorithms: ['HS256'], issuer: 'bench', audience: 'bench-api' });
    verifiedJwts.add(token);
    return true;
  } catch {
    return false;
  }
}

async function authorised(request: IncomingMessage, url: URL): Promise<boolean> {
  if (url.pathname.startsWith('/signed/')) return signatureValid(request, url);
  if (url.pathname.startsWith('/jwt/')) return jwtValid(request);
  const auth = request.headers.authorization;
  return auth !== undefined && valid.has(auth.slice(7));
}

function token(response: import('node:http').ServerResponse, request: IncomingMessage): void {
  tokenRequests++;
  request.resume();
  request.on('end', () => {
    const issued = `bench-token-${tokenRequests}`;
    valid.add(issued);
    const body = JSON.stringify({ access_token: issued, token_type: 'Bearer', expires_in: 3600 });
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    }, tokenDelayMs);
  });
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://bench');
  if (url.pathname === '/token') return token(response, request);
  if (url.pathname === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    return response.end(JSON.stringify({ tokenRequests, refused }));
  }
  if (url.pathname === '/config') {
    tokenDelayMs = Number(url.searchParams.get('tokenDelayMs') ?? 0);
    tokenRequests = 0;
    response.writeHead(204);
    return response.end();
  }
  void authorised(request, url).then((ok) => {
    if (!ok) {
      refused++;
      response.writeHead(401, { 'content-type': 'application/json' });
      return response.end('{"error":"unauthorized"}');
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    response.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('disconnect', () => process.exit(0));
