/**
 * File system failures of a store, as StoreErrors a host can act on: what the store was doing,
 * on which path (paths are configuration, not secrets), the errno code, and what to do about it.
 * Only the code of the Node error is used: its message and its `cause` are dropped, as a
 * library's text is never passed on (errors.ts).
 */
import { dirname } from 'node:path';
import { StoreError, safeErrorCode } from '../errors.js';

/** The errno-style code of a file system error, safe to put in a message (it never holds data). */
export function errorCode(error: unknown): string {
  return safeErrorCode(error) ?? 'unknown error';
}

/**
 * The StoreError for a file system call on `path` that failed.
 *
 * @param operation what the store was doing, as a verb phrase: "read the token store file".
 * @example throw storeFault('read the token store file', this.path, error)
 *   // cannot read the token store file /srv/tokens.json: EISDIR (it is a directory: …)
 */
export function storeFault(operation: string, path: string, error: unknown): StoreError {
  const code = errorCode(error);
  return new StoreError(`cannot ${operation} ${path}: ${code} (${adviceFor(code, path)})`);
}

function adviceFor(code: string, path: string): string {
  const directory = dirname(path);
  switch (code) {
    case 'EISDIR':
      return 'it is a directory: point the store at a file path, or move that directory away';
    case 'ENOENT':
      return `no such file or directory: create the directory ${directory} (mode 0700), or choose a path in an existing one`;
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory: check the path';
    case 'EACCES':
    case 'EPERM':
      return `permission denied: the process needs read and write access to ${directory} and the store's files in it`;
    case 'EROFS':
      return 'the file system is read-only: put the store on a writable one';
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left (or the quota is used up) on the file system of ${directory}: free some space`;
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files: raise the limit of open files (ulimit -n) or open fewer';
    case 'ENAMETOOLONG':
      return 'the path is too long: choose a shorter one';
    case 'ELOOP':
      return 'too many symbolic links: check the path';
    case 'EIO':
      return 'an input/output error: check the disk';
    default:
      return 'an unexpected file system error: check the path, its permissions and the disk';
  }
}

/** A duration option: undefined takes the default; anything but a positive finite number is refused. */
export function positiveMs(store: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new StoreError(`${store}: ${name} must be a positive number of milliseconds`);
  }
  return value;
}
