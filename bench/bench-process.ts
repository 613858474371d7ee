/** Starts bench/bench-server.ts in its own process and talks to its control endpoints. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchServer {
  url: string;
  configure(options: { tokenDelayMs?: number }): Promise<void>;
  tokenRequests(): Promise<number>;
  close(): void;
}

export async function startBenchServer(): Promise<BenchServer> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./bench-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (data: Buffer) => resolve(data.toString().trim()));
  });
  return {
    url,
    async configure({ tokenDelayMs = 0 }) {
      await fetch(`${url}/config?tokenDelayMs=${tokenDelayMs}`);
    },
    async tokenRequests() {
      return ((await (await fetch(`${url}/stats`)).json()) as { tokenRequests: number }).tokenRequests;
    },
    close: () => void child.kill(),
  };
}

/** The manifest every section measures: a GET with a templated path and query, a bearer token, an output path. */
export function benchManifest(url: string): Record<string, unknown> {
  return {
    id: 'bench',
    name: 'Bench',
    version: '1.0.0',
    base_url: url,
    credentials: { type: 'object', properties: { client_secret: { type: 'string', 'x-secret': true } } },
    auth: {
      type: 'oauth2_client_credentials',
      token_url: `${url}/token`,
      client_id: 'bench-client',
      client_secret: '{{ credentials.client_secret }}',
      // The bench server is plain http on loopback.
      allow_insecure_http: true,
    },
    actions: {
      'list-items': {
        method: 'GET',
        path: '/items/{{ input.collection }}',
        query: { page: '{{ input.page }}' },
        output: '$.data.items',
        input: { type: 'object', required: ['collection'], properties: { collection: { type: 'string' }, page: { type: 'integer' } } },
      },
    },
  };
}
