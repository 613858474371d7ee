/**
 * The client a profiling process measures (profile-process.ts, allocation-process.ts): named on
 * its command line as `<client name> <server url> <requests> <concurrency>`, made and warmed up,
 * so the inspector records the measured requests only.
 */
import { CLIENTS, type BenchClient } from './clients.js';
import { measure } from './measure.js';

export interface InspectedClient {
  client: BenchClient;
  requests: number;
  concurrency: number;
}

export async function inspectedClient(script: string, warmUp: number, defaults = { requests: '20000', concurrency: '64' }): Promise<InspectedClient> {
  const [name = '', url = '', requests = defaults.requests, concurrency = defaults.concurrency] = process.argv.slice(2);
  const factory = CLIENTS[name];
  if (!factory) throw new Error(`${script}: unknown client "${name}"`);
  const client = await factory.make(url);
  await measure(client.call, warmUp, Number(concurrency));
  return { client, requests: Number(requests), concurrency: Number(concurrency) };
}
