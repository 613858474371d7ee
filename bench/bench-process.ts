/** Starts bench/bench-server.ts in its own process and talks to its control endpoints. */
import type { ChildProcess } from 'node:child_process';
import { startPinned } from './pinned.js';

export interface BenchServer {
  url: string;
  configure(options: { tokenDelayMs?: number }): Promise<void>;
  tokenRequests(): Promise<number>;
  /** Requests the server refused (a wrong token, signature or JWT): any is a broken client, not a measurement. */
  refused(): Promise<number>;
  close(): void;
}

export async function startBenchServer(): Promise<BenchServer> {
  const child: ChildProcess = startPinned(new URL('./bench-server.ts', import.meta.url), [], 'server', ['ignore', 'pipe', 'inherit', 'ipc']);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (data: Buffer) => resolve(data.toString().trim()));
  });
  return {
    url,
    async configure({ tokenDelayMs = 0 }) {
      await fetch(`${url}/config?tokenDelayMs=${tokenDelayMs}`);
    },
    tokenRequests: async () => (await stats(url)).tokenRequests,
    refused: async () => (await stats(url)).refused,
    close: () => void child.kill(),
  };
}

async function stats(url: string): Promise<{ tokenRequests: number; refused: number }> {
  return (await (await fetch(`${url}/stats`)).json()) as { tokenRequests: number; refused: number };
}
