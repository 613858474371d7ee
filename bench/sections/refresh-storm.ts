/**
 * Refresh storm: N concurrent executes on a connection whose token has expired cause one
 * token request; wall time against the same burst with a valid token (plus one token round trip).
 */
import { loadConnector, MemoryTokenStore } from '../sdk.js';
import type { BenchServer } from '../bench-process.js';
import { benchManifest } from '../manifests.js';

export interface StormResult {
  executes: number;
  tokenRequests: number;
  expiredMs: number;
  validMs: number;
  tokenRoundTripMs: number;
  ratio: number;
}

export async function refreshStorm(server: BenchServer, executes: number): Promise<StormResult> {
  const connector = await loadConnector(benchManifest(server.url));
  let now = Date.now();
  const connection = connector.connect({
    connectionId: 'storm',
    credentials: { client_secret: 'bench-secret' },
    store: new MemoryTokenStore(),
    clock: { now: () => now },
    allowPrivateNetwork: true,
  });
  const burst = async (): Promise<number> => {
    const started = performance.now();
    await Promise.all(Array.from({ length: executes }, () => connection.execute('list-items', { collection: 'storm', page: 1 })));
    return performance.now() - started;
  };
  const tokenStarted = performance.now();
  await connection.ensureToken();
  const tokenRoundTripMs = performance.now() - tokenStarted;
  await burst(); // warm sockets
  const validMs = await burst();
  now += 3600_000; // expired
  await server.configure({ tokenDelayMs: 0 });
  const expiredMs = await burst();
  const tokenRequests = await server.tokenRequests();
  await connector.close();
  return { executes, tokenRequests, expiredMs, validMs, tokenRoundTripMs, ratio: expiredMs / (validMs + tokenRoundTripMs) };
}
