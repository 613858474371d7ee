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

/**
 * Sets each header of `source` on `target`, replacing one already there under any case: header
 * names are case-insensitive, and two spellings would go out as two headers (`Accept` from the
 * manifest's shared headers and `accept` from code would be sent as one joined value).
 */
export function assignHeaders(target: Record<string, string>, source: Readonly<Record<string, string>> | undefined): Record<string, string> {
  for (const [name, value] of Object.entries(source ?? {})) {
    const lower = name.toLowerCase();
    for (const existing of Object.keys(target)) if (existing !== name && existing.toLowerCase() === lower) delete target[existing];
    target[name] = value;
  }
  return target;
}
