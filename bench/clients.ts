/**
 * The clients the hot path compares, by name: raw undici (a keep-alive Pool and
 * `dispatcher.request`, the baseline), the SDK with three kinds of credential, and for context
 * global fetch, axios and got (when installed). Each is made inside its own process
 * (bench/client-process.ts), so one client's garbage and JIT state never bill another.
 */
import { createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { loadConnector } from './sdk.js';
import { BENCH_CREDENTIALS, BENCH_HMAC_SECRET, REALISTIC_HEADERS, benchManifest, hmacManifest, jwtManifest, realisticManifest } from './manifests.js';

export type Call = () => Promise<unknown>;

export interface BenchClient {
  call: Call;
  close(): Promise<void>;
}

const INPUT = { collection: 'books', page: 2 };
/** The token the bench server accepts without a token request, for the clients that bring their own. */
const TOKEN = 'bench-token-0';

type Factory = (url: string) => Promise<BenchClient>;

/** Each client and the raw undici client that sends the same request, its baseline. */
export const CLIENTS: Record<string, { make: Factory; baseline: string }> = {
  'raw undici': { make: rawUndici, baseline: 'raw undici' },
  'connector-sdk': { make: (url) => sdkClient(benchManifest(url), 'list-items', INPUT), baseline: 'raw undici' },
  'raw undici, realistic': { make: rawUndiciRealistic, baseline: 'raw undici, realistic' },
  // The floor: undici's handler protocol, which the SDK reads buffered answers through; no stream.
  'raw undici dispatch, realistic': { make: rawDispatchRealistic, baseline: 'raw undici, realistic' },
  'connector-sdk, realistic': { make: (url) => sdkClient(realisticManifest(url), 'search-items', REALISTIC_INPUT), baseline: 'raw undici, realistic' },
  // With BENCH_BASELINE_SDK (another build's dist/sdk/index.js): that build beside this one, in the same rounds.
  'connector-sdk @ baseline build': { make: (url) => sdkClient(forBaseline(benchManifest(url)), 'list-items', INPUT, baselineSdk()), baseline: 'raw undici' },
  'connector-sdk, realistic @ baseline build': {
    make: (url) => sdkClient(forBaseline(realisticManifest(url)), 'search-items', REALISTIC_INPUT, baselineSdk()),
    baseline: 'raw undici, realistic',
  },
  // Signed by hand, to the same endpoint: the server's own check then costs both sides alike.
  'raw undici, HMAC-signed': { make: rawUndiciSigned, baseline: 'raw undici, HMAC-signed' },
  'connector-sdk, HMAC-signed': { make: (url) => sdkClient(hmacManifest(url), 'list-items', INPUT), baseline: 'raw undici, HMAC-signed' },
  'connector-sdk, local JWT': { make: (url) => sdkClient(jwtManifest(url), 'list-items', INPUT), baseline: 'raw undici' },
  fetch: { make: fetchClient, baseline: 'raw undici' },
  axios: { make: axiosClient, baseline: 'raw undici' },
  got: { make: gotClient, baseline: 'raw undici' },
};

const REALISTIC_INPUT = { query: 'moby dick', page: 2 };

async function rawUndiciRealistic(url: string): Promise<BenchClient> {
  const pool = new Pool(new URL(url).origin);
  const headers = { ...REALISTIC_HEADERS, authorization: `Bearer ${TOKEN}` };
  return {
    call: async () => {
      const response = await pool.request({ path: `/search?q=${encodeURIComponent(REALISTIC_INPUT.query)}&page=${REALISTIC_INPUT.page}`, method: 'GET', headers });
      return ((await response.body.json()) as { data: { items: unknown } }).data.items;
    },
    close: () => pool.close(),
  };
}

/** The realistic request through `pool.dispatch` and a handler that collects the chunks, as the SDK reads a buffered answer. */
async function rawDispatchRealistic(url: string): Promise<BenchClient> {
  const pool = new Pool(new URL(url).origin);
  const headers = { ...REALISTIC_HEADERS, authorization: `Bearer ${TOKEN}` };
  const path = `/search?q=${encodeURIComponent(REALISTIC_INPUT.query)}&page=${REALISTIC_INPUT.page}`;
  return {
    call: () =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        pool.dispatch(
          { path, method: 'GET', headers },
          {
            onConnect: () => undefined,
            onHeaders: () => true,
            onData: (chunk: Buffer) => {
              chunks.push(chunk);
              return true;
            },
            onComplete: () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as { data: { items: unknown } }).data.items),
            onError: reject,
          },
        );
      }),
    close: () => pool.close(),
  };
}

/** The bare request to the signed endpoint, with the Duo-style signature the HMAC manifest makes (bench/manifests.ts). */
async function rawUndiciSigned(url: string): Promise<BenchClient> {
  const pool = new Pool(new URL(url).origin);
  const path = `/signed/items/${encodeURIComponent(INPUT.collection)}`;
  const query = `page=${INPUT.page}`;
  return {
    call: async () => {
      const date = new Date().toUTCString();
      const signature = createHmac('sha256', BENCH_HMAC_SECRET).update(`GET\n${path}\n${query}\n${date}`).digest('hex');
      const response = await pool.request({ path: `${path}?${query}`, method: 'GET', headers: { 'x-date': date, 'x-signature': signature } });
      return ((await response.body.json()) as { data: { items: unknown } }).data.items;
    },
    close: () => pool.close(),
  };
}

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

/** What the bench uses of a build's loadConnector (this one's, or a baseline build's). */
interface Loaded {
  connect(options: object): { execute(action: string, input: object): Promise<{ data: unknown }> };
  close(): Promise<void>;
}
type Load = (manifest: object) => Promise<Loaded>;

async function sdkClient(manifest: Record<string, unknown>, action: string, input: Record<string, unknown>, load: Promise<Load> | Load = loadConnector as unknown as Load): Promise<BenchClient> {
  const connector = await (await load)(manifest);
  const connection = connector.connect({
    connectionId: 'bench',
    credentials: BENCH_CREDENTIALS,
    allowPrivateNetwork: true,
    allowInsecureHttp: true,
  });
  await connection.execute(action, input);
  return { call: async () => (await connection.execute(action, input)).data, close: () => connector.close() };
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
/** The manifest for an older build: without auth.allow_insecure_http, which builds before it refuse as unknown. */
function forBaseline(manifest: Record<string, unknown>): Record<string, unknown> {
  const { allow_insecure_http: _, ...auth } = manifest.auth as Record<string, unknown>;
  return { ...manifest, auth };
}

/** The loadConnector of the build BENCH_BASELINE_SDK names (a path to its dist/sdk/index.js). */
async function baselineSdk(): Promise<Load> {
  const path = process.env.BENCH_BASELINE_SDK;
  if (!path) throw new Error('BENCH_BASELINE_SDK is not set');
  return ((await import(pathToFileURL(path).href)) as { loadConnector: Load }).loadConnector;
}

export async function installed(name: string): Promise<boolean> {
  if (name.endsWith('@ baseline build')) return Boolean(process.env.BENCH_BASELINE_SDK);
  if (name !== 'axios' && name !== 'got') return true;
  try {
    await import(name as string);
    return true;
  } catch {
    return false;
  }
}
