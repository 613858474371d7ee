/**
 * One benchmark client in its own process: `client-process.ts <client name> <server url>`.
 * Makes the client, answers `ready`, then runs each `measure` message it is sent and replies
 * with the Sample (this process's CPU time only). The parent interleaves rounds between the
 * client processes, so every client sees the same machine state.
 */
import { CLIENTS } from './clients.js';
import { measure } from './measure.js';

export type ClientMessage = { type: 'measure'; requests: number; concurrency: number } | { type: 'close' };

const [name = '', url = ''] = process.argv.slice(2);
const factory = CLIENTS[name];
if (!factory || !process.send) throw new Error(`client-process: unknown client "${name}" or no IPC channel`);
const client = await factory.make(url);
process.send({ type: 'ready' });
process.on('message', (message: ClientMessage) => {
  if (message.type === 'close') {
    void client.close().finally(() => process.disconnect());
    return;
  }
  void measure(client.call, message.requests, message.concurrency).then((sample) => process.send?.({ type: 'sample', sample }));
});
