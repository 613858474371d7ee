/**
 * The hot path: `connection.execute()` with a cached token against the same request made with
 * raw undici (a keep-alive Pool and `dispatcher.request`), and for context with global fetch,
 * axios and got when installed. Same server process, same payload, interleaved rounds.
 */
import { Pool } from 'undici';
import { loadConnector } from '../sdk.js';
import { benchManifest, type BenchServer } from '../bench-process.js';
import { format, measure, summarise, type Sample } from '../measure.js';

export interface ClientRow {
  client: string;
  concurrency: number;
  requestsPerSecond: ReturnType<typeof summarise>;
  cpuMicrosPerRequest: ReturnType<typeof summarise>;
  p50Micros: ReturnType<typeof summarise>;
  p99Micros: ReturnType<typeof summarise>;
  cpuRatio: ReturnType<typeof summarise>;
  throughputRatio: ReturnType<typeof summarise>;
}

type Call = () => Promise<unknown>;

export async function hotPath(server: BenchServer, options: { rounds: number; requests: number }): Promise<ClientRow[]> {
  const connector = await loadConnector(benchManifest(server.url));
  const connection = connector.connect({
    connectionId: 'bench',
    credentials: { client_secret: 'bench-secret' },
    allowPrivateNetwork: true,
  });
  await connection.execute('list-items', { collection: 'warm', page: 1 });
  const origin = new URL(server.url).origin;
  const pool = new Pool(origin);
  const token = 'bench-token-0';
  const input = { collection: 'books', page: 2 };

  const clients: [string, Call][] = [
    [
      'raw undici',
      async () => {
        const response = await pool.request({
          path: `/items/${encodeURIComponent(input.collection)}?page=${input.page}`,
          method: 'GET',
          headers: { authorization: `Bearer ${token}` },
        });
        const json = (await response.body.json()) as { data: { items: unknown } };
        return json.data.items;
      },
    ],
    ['connector-sdk', async () => (await connection.execute('list-items', input)).data],
    [
      'fetch',
      async () => {
        const response = await fetch(`${origin}/items/${encodeURIComponent(input.collection)}?page=${input.page}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await response.json()) as { data: { items: unknown } }).data.items;
      },
    ],
    ...(await optionalClients(origin, token, input)),
  ];

  const rows: ClientRow[] = [];
  for (const concurrency of [1, 64]) {
    const samples = new Map<string, Sample[]>(clients.map(([name]) => [name, []]));
    for (const [, call] of clients) await measure(call, Math.min(2000, options.requests), concurrency); // warm-up
    for (let round = 0; round < options.rounds; round++) {
      for (const [name, call] of clients) samples.get(name)?.push(await measure(call, options.requests, concurrency));
    }
    const raw = samples.get('raw undici') ?? [];
    for (const [name] of clients) {
      const own = samples.get(name) ?? [];
      rows.push({
        client: name,
        concurrency,
        requestsPerSecond: summarise(own.map((s) => s.requestsPerSecond)),
        cpuMicrosPerRequest: summarise(own.map((s) => s.cpuMicrosPerRequest)),
        p50Micros: summarise(own.map((s) => s.p50Micros)),
        p99Micros: summarise(own.map((s) => s.p99Micros)),
        // Ratios within a round: both sides saw the same machine state.
        cpuRatio: summarise(own.map((s, i) => s.cpuMicrosPerRequest / (raw[i]?.cpuMicrosPerRequest ?? NaN))),
        throughputRatio: summarise(own.map((s, i) => s.requestsPerSecond / (raw[i]?.requestsPerSecond ?? NaN))),
      });
    }
  }
  await pool.close();
  await connector.close();
  return rows;
}

/** axios and got, when installed (devDependencies): context, not a target. */
async function optionalClients(origin: string, token: string, input: { collection: string; page: number }): Promise<[string, Call][]> {
  const clients: [string, Call][] = [];
  const url = `${origin}/items/${encodeURIComponent(input.collection)}?page=${input.page}`;
  try {
    const { default: axios } = (await import('axios' as string)) as { default: { get(url: string, config: object): Promise<{ data: { data: { items: unknown } } }> } };
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true });
    clients.push(['axios', async () => (await axios.get(url, { headers: { authorization: `Bearer ${token}` }, httpAgent: agent })).data.data.items]);
  } catch {
    // not installed
  }
  try {
    const { default: got } = (await import('got' as string)) as { default: { get(url: string, options: object): { json(): Promise<{ data: { items: unknown } }> } } };
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true });
    clients.push(['got', async () => (await got.get(url, { headers: { authorization: `Bearer ${token}` }, agent: { http: agent } }).json()).data.items]);
  } catch {
    // not installed
  }
  return clients;
}

export function hotPathTable(rows: readonly ClientRow[]): string {
  const lines = [
    '| client | concurrency | requests/s | CPU µs/request | p50 µs | p99 µs | CPU vs raw undici | throughput vs raw undici |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.client} | ${row.concurrency} | ${format(row.requestsPerSecond, 0)} | ${format(row.cpuMicrosPerRequest)} | ${format(row.p50Micros, 0)} | ${format(row.p99Micros, 0)} | ${format(row.cpuRatio, 2)}× | ${format(row.throughputRatio, 2)}× |`,
    );
  }
  return lines.join('\n');
}
