/**
 * One SDK client on a dispatcher that answers every request at once, in its own process:
 * `instant-process.ts <manifest> <concurrency>` prints the SDK's own CPU µs per execute (no
 * socket, no server) for 5 runs as JSON. A change that makes the SDK slower shows here without
 * the network's noise.
 */
import { Dispatcher } from 'undici';
import { loadConnector } from './sdk.js';
import { BENCH_CREDENTIALS, benchManifest, hmacManifest, jwtManifest, realisticManifest } from './manifests.js';

const BODY = Buffer.from(JSON.stringify({ data: { items: Array.from({ length: 20 }, (_, i) => ({ id: i, title: `Book ${i}` })) } }));
const TOKEN = Buffer.from(JSON.stringify({ access_token: 'bench-token-0', token_type: 'Bearer', expires_in: 36_000 }));

/** Answers each request in a microtask, as undici's handler protocol expects. */
class Instant extends Dispatcher {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const payload = options.path.startsWith('/token') ? TOKEN : BODY;
    queueMicrotask(() => {
      handler.onConnect?.(() => undefined);
      handler.onHeaders?.(200, [Buffer.from('content-type'), Buffer.from('application/json'), Buffer.from('content-length'), Buffer.from(String(payload.length))], () => undefined, 'OK');
      handler.onData?.(payload);
      handler.onComplete?.([]);
    });
    return true;
  }
}

const CLIENTS = {
  bare: { manifest: benchManifest, action: 'list-items', input: { collection: 'books', page: 2 } },
  realistic: { manifest: realisticManifest, action: 'search-items', input: { query: 'moby dick', page: 2 } },
  'HMAC-signed': { manifest: hmacManifest, action: 'list-items', input: { collection: 'books', page: 2 } },
  'local JWT': { manifest: jwtManifest, action: 'list-items', input: { collection: 'books', page: 2 } },
} as const;

const [name = '', concurrency = '1'] = process.argv.slice(2);
const client = CLIENTS[name as keyof typeof CLIENTS];
if (!client) throw new Error(`instant-process: unknown client "${name}"`);
{
  const connector = await loadConnector(client.manifest('http://127.0.0.1:9'));
  const connection = connector.connect({ connectionId: 'instant', credentials: BENCH_CREDENTIALS, allowPrivateNetwork: true, allowInsecureHttp: true, dispatcher: new Instant() });
  const n = Number(concurrency);
  const run = async (calls: number) => {
    for (let i = 0; i < Math.ceil(calls / n); i++) await Promise.all(Array.from({ length: n }, () => connection.execute(client.action, client.input)));
  };
  await run(20_000);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage();
    await run(40_000);
    const used = process.cpuUsage(start);
    runs.push((used.user + used.system) / (Math.ceil(40_000 / n) * n));
  }
  await connector.close();
  process.stdout.write(`${JSON.stringify(runs)}\n`);
}
