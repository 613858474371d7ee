/**
 * The hot path: `connection.execute()` with a cached credential against the same request made
 * with raw undici, each client in its own process (bench/client-process.ts), rounds interleaved
 * so both sides of a ratio saw the same machine state. The SDK runs with a cached bearer token
 * (no signing), an HMAC signature computed per request, and a cached locally signed JWT; global
 * fetch, axios and got are context. The server counts refused requests: any is a broken client.
 */
import type { BenchServer } from '../bench-process.js';
import { forkClient, type ClientProcess } from '../client-pool.js';
import { CLIENTS, installed } from '../clients.js';
import { format, summarise, type Sample } from '../measure.js';

export interface ClientRow {
  client: string;
  concurrency: number;
  requestsPerSecond: ReturnType<typeof summarise>;
  cpuMicrosPerRequest: ReturnType<typeof summarise>;
  p50Micros: ReturnType<typeof summarise>;
  p99Micros: ReturnType<typeof summarise>;
  /** Against the raw undici client that sends the same request (CLIENTS[client].baseline). */
  cpuRatio: ReturnType<typeof summarise>;
  /** CPU µs per request above raw undici's in the same round. */
  cpuAddedMicros: ReturnType<typeof summarise>;
  throughputRatio: ReturnType<typeof summarise>;
}

/** `only`: these clients (each with its raw-undici baseline) instead of every installed one. */
export async function hotPath(server: BenchServer, options: { rounds: number; requests: number; only?: readonly string[] }): Promise<ClientRow[]> {
  const names: string[] = [];
  for (const name of options.only ?? Object.keys(CLIENTS)) if (await installed(name)) names.push(name);
  const clients = await Promise.all(names.map((name) => forkClient(name, server.url)));
  try {
    const rows: ClientRow[] = [];
    for (const concurrency of [1, 64]) rows.push(...(await atConcurrency(clients, concurrency, options)));
    const refused = await server.refused();
    if (refused > 0) throw new Error(`the bench server refused ${refused} request(s): a client sends a wrong credential`);
    return rows;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

async function atConcurrency(clients: ClientProcess[], concurrency: number, options: { rounds: number; requests: number }): Promise<ClientRow[]> {
  const samples = new Map<string, Sample[]>(clients.map((client) => [client.name, []]));
  for (const client of clients) await client.measure(Math.min(2000, options.requests), concurrency); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (const client of clients) samples.get(client.name)?.push(await client.measure(options.requests, concurrency));
  }
  return clients.map(({ name }) => {
    const own = samples.get(name) ?? [];
    const raw = samples.get(CLIENTS[name]?.baseline ?? 'raw undici') ?? [];
    return {
      client: name,
      concurrency,
      requestsPerSecond: summarise(own.map((s) => s.requestsPerSecond)),
      cpuMicrosPerRequest: summarise(own.map((s) => s.cpuMicrosPerRequest)),
      p50Micros: summarise(own.map((s) => s.p50Micros)),
      p99Micros: summarise(own.map((s) => s.p99Micros)),
      // Ratios and differences within a round: both sides saw the same machine state.
      cpuRatio: summarise(own.map((s, i) => s.cpuMicrosPerRequest / (raw[i]?.cpuMicrosPerRequest ?? NaN))),
      cpuAddedMicros: summarise(own.map((s, i) => s.cpuMicrosPerRequest - (raw[i]?.cpuMicrosPerRequest ?? NaN))),
      throughputRatio: summarise(own.map((s, i) => s.requestsPerSecond / (raw[i]?.requestsPerSecond ?? NaN))),
    };
  });
}

export function hotPathTable(rows: readonly ClientRow[]): string {
  const lines = [
    '| client | concurrency | requests/s | CPU µs/request | CPU µs added | p50 µs | p99 µs | CPU vs raw undici | throughput vs raw undici |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.client} | ${row.concurrency} | ${format(row.requestsPerSecond, 0)} | ${format(row.cpuMicrosPerRequest)} | ${format(row.cpuAddedMicros)} | ` +
        `${format(row.p50Micros, 0)} | ${format(row.p99Micros, 0)} | ${format(row.cpuRatio, 2)}× | ${format(row.throughputRatio, 2)}× |`,
    );
  }
  return lines.join('\n');
}
