/** The record cipher (AES-256-GCM envelope) on its own: keys, rotation, tampering. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../sdk/errors.js';
import { openEntry, RecordCipher, type EncryptionOptions, type SealedRecord } from '../../sdk/store/encryption.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const CANARY = 'SECRET-canary-cipher-access-token';
registerSecret(CANARY);

const record: TokenRecord = { version: 3, accessToken: CANARY, cookies: [], extras: { n: 1 } };
const cipherWith = (options: EncryptionOptions) => RecordCipher.fromOptions(options, 'test store')!;

/** Runs fn and returns what it threw. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('RecordCipher', () => {
  it('seals into a versioned envelope that opens to a deeply frozen copy', () => {
    const cipher = cipherWith({ encryptionKey: randomBytes(32) });
    const sealed = cipher.seal('c1', record);
    expect(sealed).toMatchObject({ version: 3, sealed: { v: 1, kid: expect.stringMatching(/^k-/) } });
    expect(Buffer.from(sealed.sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain(CANARY);
    const opened = cipher.open('c1', sealed);
    expect(opened).toEqual(record);
    expect(Object.isFrozen(opened.extras)).toBe(true);
  });

  it('uses a fresh IV for every write', () => {
    const cipher = cipherWith({ encryptionKey: randomBytes(32) });
    const a = cipher.seal('c1', record).sealed;
    const b = cipher.seal('c1', record).sealed;
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it('takes the key as a Buffer, base64 or base64url text', () => {
    const key = randomBytes(32);
    const sealed = cipherWith({ encryptionKey: key }).seal('c1', record);
    expect(cipherWith({ encryptionKey: key.toString('base64') }).open('c1', sealed)).toEqual(record);
    expect(cipherWith({ encryptionKey: key.toString('base64url') }).open('c1', sealed)).toEqual(record);
    expect(cipherWith({ encryptionKey: new Uint8Array(key) }).open('c1', sealed)).toEqual(record);
  });

  it('refuses keys that are not 32 bytes, naming the size but never the key', () => {
    const short = randomBytes(16).toString('base64');
    const error = thrown(() => cipherWith({ encryptionKey: short }));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('16 bytes');
    expect(error.message).not.toContain(short);
    expect(() => cipherWith({ encryptionKey: 'not base64 at all!' })).toThrow(StoreError);
    expect(() => cipherWith({ encryptionKey: randomBytes(32), keys: [randomBytes(32)] })).toThrow('not both');
    expect(() => cipherWith({ keys: [] })).toThrow('empty');
    expect(() => cipherWith({ keys: [{ id: 'a', key: randomBytes(32) }, { id: 'a', key: randomBytes(32) }] })).toThrow('"a"');
    expect(RecordCipher.fromOptions({}, 'test store')).toBeUndefined();
  });

  it('rotates: the first key encrypts, any key decrypts', () => {
    const old = { id: '2025', key: randomBytes(32) };
    const current = { id: '2026', key: randomBytes(32) };
    const sealedWithOld = cipherWith({ keys: [old] }).seal('c1', record);
    const rotated = cipherWith({ keys: [current, old] });
    expect(rotated.open('c1', sealedWithOld)).toEqual(record);
    expect(rotated.seal('c1', record).sealed.kid).toBe('2026');
    // A key list that lost the old key cannot open its records.
    expect(() => cipherWith({ keys: [current] }).open('c1', sealedWithOld)).toThrow(StoreError);
  });

  it('a wrong key, a tampered byte, a changed version or a record moved to another connection: StoreError naming the connection only', () => {
    const cipher = cipherWith({ encryptionKey: randomBytes(32) });
    const sealed = cipher.seal('tenant-9', record);
    const flip = (base64: string) => {
      const bytes = Buffer.from(base64, 'base64');
      bytes[0]! ^= 1;
      return bytes.toString('base64');
    };
    const cases: [string, () => unknown][] = [
      ['wrong key', () => cipherWith({ encryptionKey: randomBytes(32) }).open('tenant-9', sealed)],
      ['tampered data', () => cipher.open('tenant-9', { ...sealed, sealed: { ...sealed.sealed, data: flip(sealed.sealed.data) } })],
      ['tampered tag', () => cipher.open('tenant-9', { ...sealed, sealed: { ...sealed.sealed, tag: flip(sealed.sealed.tag) } })],
      ['tampered iv', () => cipher.open('tenant-9', { ...sealed, sealed: { ...sealed.sealed, iv: flip(sealed.sealed.iv) } })],
      ['changed version', () => cipher.open('tenant-9', { ...sealed, version: 4 })],
      ['moved', () => cipher.open('tenant-other', sealed)],
      ['unknown envelope', () => cipher.open('tenant-9', { ...sealed, sealed: { ...sealed.sealed, v: 2 as 1 } })],
    ];
    for (const [name, open] of cases) {
      const error = thrown(open);
      expect(error, name).toBeInstanceOf(StoreError);
      const connection = name === 'moved' ? 'tenant-other' : 'tenant-9';
      expect(error.message, name).toContain(`connection "${connection}"`);
      expect(error.message, name).not.toContain(CANARY);
    }
  });

  it('refuses a plain record where it expects a sealed one, and the reverse', async () => {
    const cipher = cipherWith({ encryptionKey: randomBytes(32) });
    const sealed: SealedRecord = cipher.seal('c1', record);
    expect(() => openEntry('c1', record, cipher)).toThrow('not encrypted');
    expect(() => openEntry('c1', sealed, undefined)).toThrow('no encryption key');
    expect(openEntry('c1', record, undefined)).toBe(record);
    await rejection(Promise.reject(thrown(() => openEntry('c1', sealed, undefined))));
  });
});
