/**
 * How diagnostics quote a manifest: values cut short (a manifest may hold a pasted megabyte),
 * and a pointer named by its last step, the way an author thinks of the field.
 */
import { unescapePointerToken } from '../json-pointer.js';

/** A manifest value for a message: quoted, and cut to 60 characters. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(cut(value));
  return cut(JSON.stringify(value) ?? String(value));
}

/** Messages quote manifest text only up to 60 characters. */
export function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** What the pointer names, for messages: `/actions/x/path` → "path", `/allowed_hosts/0` → "allowed_hosts[0]". */
export function subjectOf(pointer: string): string {
  const tokens = pointer.split('/').slice(1).map(unescapePointerToken);
  const last = tokens.at(-1);
  if (last === undefined) return 'the manifest';
  return /^\d+$/.test(last) && tokens.length > 1 ? `${tokens.at(-2)}[${last}]` : last;
}

/** A count and its noun, `1 file` / `2 files` (`es` after a sibilant: `2 matches`). */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : /(?:[sxz]|[cs]h)$/.test(noun) ? 'es' : 's'}`;
}
