/**
 * Measuring a client against the bench server: N requests at a given concurrency, wall time,
 * client CPU (process.cpuUsage) and per-request latency. Rounds are interleaved by the caller
 * and summarised as medians with min–max.
 */

export interface Sample {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  p50Micros: number;
  p99Micros: number;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export async function measure(call: () => Promise<unknown>, requests: number, concurrency: number): Promise<Sample> {
  const latencies = new Float64Array(requests);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= requests) return;
        const t0 = performance.now();
        await call();
        latencies[index] = performance.now() - t0;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort();
  return {
    requestsPerSecond: (requests / elapsedMs) * 1000,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / requests,
    p50Micros: (latencies[Math.floor(requests * 0.5)] ?? 0) * 1000,
    p99Micros: (latencies[Math.floor(requests * 0.99)] ?? 0) * 1000,
  };
}

export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** A difference with its sign, always shown: "+2.5", "−0.4" (never "+-0.4"). */
export function signed(value: number, digits = 1): string {
  const text = Math.abs(value).toFixed(digits);
  return value < 0 && Number(text) !== 0 ? `−${text}` : `+${text}`;
}

export function format(summary: Summary, digits = 1): string {
  return `${summary.median.toFixed(digits)} (${summary.min.toFixed(digits)}–${summary.max.toFixed(digits)})`;
}
