/** Child of the memory section: connects N connections with stored tokens and reports the growth. */
import { loadConnector, MemoryTokenStore, type Connection } from '../sdk.js';
import { benchManifest } from '../manifests.js';

const count = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const connector = await loadConnector(benchManifest('https://api.example.com'));
const store = new MemoryTokenStore();
for (let i = 0; i < count; i++) {
  await store.compareAndSet(`tenant-${i}`, 0, {
    version: 1,
    accessToken: `token-${i}-${'x'.repeat(40)}`,
    refreshToken: `refresh-${i}-${'y'.repeat(40)}`,
    tokenType: 'Bearer',
    expiresAt: Date.now() + 3600_000,
    obtainedAt: Date.now(),
    cookies: [],
    extras: {},
  });
}
gc();
const before = process.memoryUsage();
const connections: Connection[] = [];
for (let i = 0; i < count; i++) {
  const connection = connector.connect({ connectionId: `tenant-${i}`, credentials: { client_secret: `secret-${i}` }, store });
  await connection.ensureToken();
  connections.push(connection);
}
gc();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    connections: connections.length,
    heapMB: (after.heapUsed - before.heapUsed) / 1024 / 1024,
    rssMB: (after.rss - before.rss) / 1024 / 1024,
  })}\n`,
);
await connector.close();
