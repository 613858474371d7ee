/**
 * Content of generated documents: byte i is `i % 251`. A prime period catches reordered or
 * dropped chunks, and the content is produced chunk by chunk from one shared buffer, so a
 * multi-gigabyte download costs no memory on the server.
 */
import { Readable } from 'node:stream';

const PERIOD = 251;
/** A whole number of periods, so every chunk starts at pattern offset 0. */
const CHUNK = Buffer.from(Array.from({ length: PERIOD * 256 }, (_, i) => i % PERIOD));

/**
 * The expected value of byte `index`, for tests that check a download.
 *
 * @example
 * patternByte(252); // 1
 */
export function patternByte(index: number): number {
  return index % PERIOD;
}

/**
 * A stream of `size` pattern bytes that honours backpressure.
 *
 * @example
 * patternStream(10 * 1024 * 1024).pipe(res);
 */
export function patternStream(size: number): Readable {
  return Readable.from(chunks(size), { objectMode: false });
}

function* chunks(size: number): Generator<Buffer> {
  for (let sent = 0; sent < size; sent += CHUNK.length) {
    yield size - sent >= CHUNK.length ? CHUNK : CHUNK.subarray(0, size - sent);
  }
}
