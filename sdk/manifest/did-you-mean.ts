/** "did you mean …?" for a misspelt property, enum value, variable or header name. */

export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const match = closest(name, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

/** The candidate within a few typos of `name`, for "did you mean …?". */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  // The distance is quadratic in the length; nobody misspells a 100-character name.
  if (name.length > 100) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A name cut short ("expires" for "expires_in") is as likely as a typo: one candidate it begins.
  if (best === undefined && lower.length >= 3) {
    const longer = candidates.filter((candidate) => candidate.toLowerCase().startsWith(lower));
    if (longer.length === 1) best = longer[0];
  }
  return best;
}

/** Edits between two strings, a swap of neighbours counting as one (optimal string alignment). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}
