/** Request header sets are plain records whose names may come in any case. */

/**
 * A copy of `headers` without the given names (compared case-insensitively; pass them
 * lower-case) and without any header `drop` picks by its value.
 */
export function withoutHeaders(
  headers: Record<string, string>,
  lowerCaseNames: readonly string[],
  drop?: (name: string, value: string) => boolean,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!lowerCaseNames.includes(name.toLowerCase()) && !drop?.(name, value)) kept[name] = value;
  }
  return kept;
}
