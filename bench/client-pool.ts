/** The parent's side of bench/client-process.ts: forks a client's process and asks it for samples. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startPinned } from './pinned.js';
import type { ClientMessage } from './client-process.js';
import type { Sample } from './measure.js';

export interface ClientProcess {
  name: string;
  measure(requests: number, concurrency: number): Promise<Sample>;
  close(): Promise<void>;
}

export async function forkClient(name: string, url: string): Promise<ClientProcess> {
  const child: ChildProcess = startPinned(new URL('./client-process.ts', import.meta.url), [name, url], 'client', ['ignore', 'inherit', 'inherit', 'ipc']);
  await reply(child, 'ready');
  return {
    name,
    async measure(requests, concurrency) {
      const answer = reply(child, 'sample');
      child.send({ type: 'measure', requests, concurrency } satisfies ClientMessage);
      return ((await answer) as { sample: Sample }).sample;
    },
    async close() {
      const exited = once(child, 'exit');
      child.send({ type: 'close' } satisfies ClientMessage);
      await exited;
    },
  };
}

/** The next message of `type`; the child exiting first (a crashed client) rejects. */
function reply(child: ChildProcess, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type !== type) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`bench client exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
