/**
 * Memory of many connections: heap and RSS growth for N connected connections, each holding a
 * token in the memory store. Runs in a child process with --expose-gc so the numbers are its own.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MemoryResult {
  connections: number;
  heapMB: number;
  rssMB: number;
}

export function memory(connections: number): MemoryResult {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./memory-worker.ts', import.meta.url)), String(connections)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as MemoryResult;
}
