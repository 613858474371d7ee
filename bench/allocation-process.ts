/**
 * One client's allocations in its own process: `allocation-process.ts <client name> <server url> <requests> <concurrency>`.
 * Warms up, then samples every allocation V8 makes during the measured requests (the sampling
 * heap profiler of node:inspector, every 128 bytes on average, collected objects included) and
 * prints bytes per request by the function that allocated them, as JSON.
 */
import { Session } from 'node:inspector/promises';
import { inspectedClient } from './inspected-client.js';
import { measure } from './measure.js';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const { client, requests, concurrency } = await inspectedClient('allocation-process', 3_000, { requests: '20000', concurrency: '1' });
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
// Without the two flags the profile holds only what is still alive at the end: garbage is the point here.
await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true } as never);
await measure(client.call, requests, concurrency);
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();
await client.close();

const bytes: Record<string, number> = {};
const walk = (node: HeapNode): void => {
  const { functionName, url: file, lineNumber } = node.callFrame;
  const where = file.includes('/dist/sdk/') ? `sdk/${file.slice(file.indexOf('/dist/sdk/') + 10)}` : file.replace(/^.*node_modules\//, '');
  const key = `${functionName || '(anonymous)'} (${where || 'native'}:${lineNumber + 1})`;
  bytes[key] = (bytes[key] ?? 0) + node.selfSize / requests;
  node.children.forEach(walk);
};
walk((profile as unknown as { head: HeapNode }).head);
process.stdout.write(JSON.stringify(bytes));
