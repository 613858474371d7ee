/** storeFault: one StoreError per file system failure, from the errno code alone. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, StoreError } from '../../sdk/errors.js';
import { errorCode, positiveMs, storeFault } from '../../sdk/store/store-fault.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const PATH = '/srv/connector/tokens.json';
registerSecret('SECRET-canary-in-a-node-message', 'SECRET-canary-in-a-code', 'SECRET-canary-thrown-string');

/** A Node-like error: the message quotes whatever the failing call saw. */
function nodeError(code: unknown, message = `${String(code)}: SECRET-canary-in-a-node-message`): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'open', path: PATH });
}

describe('storeFault', () => {
  it.each([
    ['EISDIR', 'it is a directory: point the store at a file path, or move that directory away'],
    ['ENOENT', 'no such file or directory: create the directory /srv/connector (mode 0700), or choose a path in an existing one'],
    ['ENOTDIR', 'a part of the path is a file, not a directory: check the path'],
    ['EACCES', "permission denied: the process needs read and write access to /srv/connector and the store's files in it"],
    ['EPERM', "permission denied: the process needs read and write access to /srv/connector and the store's files in it"],
    ['EROFS', 'the file system is read-only: put the store on a writable one'],
    ['ENOSPC', 'no space left (or the quota is used up) on the file system of /srv/connector: free some space'],
    ['EDQUOT', 'no space left (or the quota is used up) on the file system of /srv/connector: free some space'],
    ['EMFILE', 'too many open files: raise the limit of open files (ulimit -n) or open fewer'],
    ['ENAMETOOLONG', 'the path is too long: choose a shorter one'],
    ['ELOOP', 'too many symbolic links: check the path'],
    ['EIO', 'an input/output error: check the disk'],
    ['EXDEV', 'an unexpected file system error: check the path, its permissions and the disk'],
  ])('%s → the operation, the path, the code and what to do', (code, advice) => {
    const error = storeFault('write the token store file', PATH, nodeError(code));
    record(error);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe(ERROR_CODES.store);
    expect(error.message).toBe(`cannot write the token store file ${PATH}: ${code} (${advice})`);
    expect(error.cause).toBeUndefined();
  });

  it.each([
    ['a code that is not errno-like', nodeError('E; SECRET-canary-in-a-code')],
    ['a lower-case code', nodeError('eacces')],
    ['a code over 40 characters', nodeError('E'.repeat(41))],
    ['no code', new Error('SECRET-canary-in-a-node-message')],
    ['not an error', 'SECRET-canary-thrown-string'],
    ['null', null],
  ])('%s → "unknown error"; nothing of the error is repeated', (_name, thrown) => {
    const error = storeFault('read the token store file', PATH, thrown);
    record(error);
    expect(error.message).toBe(
      `cannot read the token store file ${PATH}: unknown error (an unexpected file system error: check the path, its permissions and the disk)`,
    );
    expect(error.cause).toBeUndefined();
  });

  it('errorCode accepts only /^[A-Z0-9_]{1,40}$/', () => {
    expect(errorCode(nodeError('ERR_FS_FILE_TOO_LARGE'))).toBe('ERR_FS_FILE_TOO_LARGE');
    expect(errorCode(nodeError('E'.repeat(40)))).toBe('E'.repeat(40));
    expect(errorCode(nodeError('E-ACCES'))).toBe('unknown error');
    expect(errorCode({ code: 13 })).toBe('unknown error');
  });
});

describe('positiveMs', () => {
  it('takes the default for undefined and keeps a positive number', () => {
    expect(positiveMs('FileTokenStore', 'lockWaitMs', undefined, 120_000)).toBe(120_000);
    expect(positiveMs('FileTokenStore', 'lockWaitMs', 0.5, 120_000)).toBe(0.5);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '300' as unknown as number])('refuses %s with a StoreError naming the option', (value) => {
    expect(() => positiveMs('FileTokenStore', 'lockStaleMs', value, 30_000)).toThrow(
      new StoreError('FileTokenStore: lockStaleMs must be a positive number of milliseconds'),
    );
  });
});
