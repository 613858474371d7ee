/**
 * The benchmark's API server, run in its own process so the client's CPU time is the
 * client's alone: a token endpoint and a JSON endpoint that checks the bearer token.
 * Prints its URL on stdout; counts token requests (GET /stats).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = JSON.stringify({ data: { items: Array.from({ length: 10 }, (_, i) => ({ id: i, name: `item-${i}`, active: i % 2 === 0 })) }, meta: { page: 1 } });
let tokenRequests = 0;
let tokenDelayMs = 0;
const valid = new Set<string>(['bench-token-0']);

const server = createServer((request, response) => {
  const url = request.url ?? '/';
  if (url.startsWith('/token')) {
    tokenRequests++;
    request.resume();
    request.on('end', () => {
      const token = `bench-token-${tokenRequests}`;
      valid.add(token);
      const body = JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 });
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      }, tokenDelayMs);
    });
    return;
  }
  if (url.startsWith('/stats')) {
    const body = JSON.stringify({ tokenRequests });
    response.writeHead(200, { 'content-type': 'application/json' });
    return response.end(body);
  }
  if (url.startsWith('/config')) {
    tokenDelayMs = Number(new URL(url, 'http://x').searchParams.get('tokenDelayMs') ?? 0);
    tokenRequests = 0;
    response.writeHead(204);
    return response.end();
  }
  const auth = request.headers.authorization;
  if (!auth || !valid.has(auth.slice(7))) {
    response.writeHead(401, { 'content-type': 'application/json' });
    return response.end('{"error":"unauthorized"}');
  }
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
  response.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('disconnect', () => process.exit(0));
