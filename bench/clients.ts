/**
 * The clients the hot path compares, by name: raw undici (a keep-alive Pool and
 * `dispatcher.request`, the baseline), the SDK with three kinds of credential, and for context
 * global fetch, axios and got (when installed). Each is made inside its own process
 * (bench/client-process.ts), so one client's garbage and JIT state never bill another.
 */
import { Pool } from 'undici';
import { loadConnector } from './sdk.js';
import { BENCH_CREDENTIALS, benchManifest, hmacManifest, jwtManifest } from './manifests.js';

export type Call = () => Promise<unknown>;

export interface BenchClient {
  call: Call;
  close(): Promise<void>;
}

const INPUT = { collection: 'books', page: 2 };
/** The token the bench server accepts without a token request, for the clients that bring their own. */
const TOKEN = 'bench-token-0';

type Factory = (url: string) => Promise<BenchClient>;

export const CLIENTS: Record<string, Factory> = {
  'raw undici': rawUndici,
  'connector-sdk': (url) => sdkClient(benchManifest(url)),
  'connector-sdk, HMAC-signed': (url) => sdkClient(hmacManifest(url)),
  'connector-sdk, local JWT': (url) => sdkClient(jwtManifest(url)),
  fetch: fetchClient,
  axios: axiosClient,
  got: gotClient,
};

async function rawUndici(url: string): Promise<BenchClient> {
  const pool = new Pool(new URL(url).origin);
  return {
    call: async () => {
      const response = await pool.request({
        path: `/items/${encodeURIComponent(INPUT.collection)}?page=${INPUT.page}`,
        method: 'GET',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return ((await response.body.json()) as { data: { items: unknown } }).data.items;
    },
    close: () => pool.close(),
  };
}

async function sdkClient(manifest: Record<string, unknown>): Promise<BenchClient> {
  const connector = await loadConnector(manifest);
  const connection = connector.connect({
    connectionId: 'bench',
    credentials: BENCH_CREDENTIALS,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  await connection.execute('list-items', { collection: 'warm', page: 1 });
  return { call: async () => (await connection.execute('list-items', INPUT)).data, close: () => connector.close() };
}

function itemsUrl(url: string): string {
  return `${url}/items/${encodeURIComponent(INPUT.collection)}?page=${INPUT.page}`;
}

async function fetchClient(url: string): Promise<BenchClient> {
  const headers = { authorization: `Bearer ${TOKEN}` };
  return {
    call: async () => ((await (await fetch(itemsUrl(url), { headers })).json()) as { data: { items: unknown } }).data.items,
    close: async () => {},
  };
}

async function axiosClient(url: string): Promise<BenchClient> {
  const { default: axios } = (await import('axios' as string)) as { default: { get(url: string, config: object): Promise<{ data: { data: { items: unknown } } }> } };
  const http = await import('node:http');
  const httpAgent = new http.Agent({ keepAlive: true });
  return {
    call: async () => (await axios.get(itemsUrl(url), { headers: { authorization: `Bearer ${TOKEN}` }, httpAgent })).data.data.items,
    close: async () => httpAgent.destroy(),
  };
}

async function gotClient(url: string): Promise<BenchClient> {
  const { default: got } = (await import('got' as string)) as { default: { get(url: string, options: object): { json(): Promise<{ data: { items: unknown } }> } } };
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true });
  return {
    call: async () => (await got.get(itemsUrl(url), { headers: { authorization: `Bearer ${TOKEN}` }, agent: { http: agent } }).json()).data.items,
    close: async () => agent.destroy(),
  };
}

/** axios and got are devDependencies: context, not a target; absent, they are left out. */
export async function installed(name: string): Promise<boolean> {
  if (name !== 'axios' && name !== 'got') return true;
  try {
    await import(name as string);
    return true;
  } catch {
    return false;
  }
}
