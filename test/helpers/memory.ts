/**
 * Memory still held, not garbage waiting for a collection: heap plus array buffers, sampled
 * right after a forced GC (enabled at run time, so no flag is needed on the command line).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function heldMemory(): () => number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
}
