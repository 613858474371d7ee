/**
 * The one backoff every retry uses (action requests and token requests alike): exponential from
 * `baseMs`, capped, with "equal jitter" (half fixed, half random) so a fleet of workers that
 * failed together does not retry together.
 */

/** Never wait longer than this between two attempts. */
export const MAX_BACKOFF_MS = 30_000;

/** The delay before retry number `attempt` (1 = the first retry), in whole milliseconds. */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
