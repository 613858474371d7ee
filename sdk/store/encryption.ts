/**
 * Encryption at rest for the stores that persist token records (file, Redis): AES-256-GCM with
 * a random 12-byte IV per write, the connection id as additional authenticated data (a record
 * moved to another connection fails to open), and a versioned envelope
 * `{ v: 1, kid, iv, tag, data }`. Keys are 32 bytes the host supplies (a Buffer or base64); for
 * rotation a store takes several: the first encrypts, any of them decrypts (picked by key id).
 *
 * A stored entry keeps its version outside the envelope, so a store can compare-and-set without
 * decrypting: `{ version, sealed }`. The record inside carries the same version, checked on open,
 * so a tampered outer version is caught too. Every failure is a StoreError that names the
 * connection, never the content.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
import { deepFreeze, type TokenRecord } from './token-store.js';

/**
 * A 32-byte key: raw bytes, or their base64 (or base64url) text.
 *
 * @example
 * const key: EncryptionKey = randomBytes(32).toString('base64'); // keep it in the host's secret manager, not beside the store
 * const store = new FileTokenStore('.tokens.json', { encryptionKey: key });
 */
export type EncryptionKey = Buffer | Uint8Array | string;

/** A key with the id envelopes name it by; without one, the id is derived from the key. */
export interface IdentifiedEncryptionKey {
  id: string;
  key: EncryptionKey;
}

/**
 * How a persistent store (file, Redis, PostgreSQL) encrypts its records: one key, or several
 * for rotation (each optionally with the id records name it by).
 *
 * @example
 * const options: EncryptionOptions = { keys: [{ id: '2026-01', key: process.env.TOKEN_KEY_NEW! }, { id: '2025-07', key: process.env.TOKEN_KEY_OLD! }] };
 * const store = new RedisTokenStore(process.env.REDIS_URL!, options);
 */
export interface EncryptionOptions {
  /** Encrypts every record this store writes, and decrypts them. */
  encryptionKey?: EncryptionKey | IdentifiedEncryptionKey;
  /** Key rotation: the first key encrypts, every key decrypts. Give this or encryptionKey, not both. */
  keys?: readonly (EncryptionKey | IdentifiedEncryptionKey)[];
}

export interface Envelope {
  v: 1;
  /** Id of the key that encrypted `data`. */
  kid: string;
  /** base64 of the 12-byte IV, the 16-byte GCM tag and the ciphertext. */
  iv: string;
  tag: string;
  data: string;
}

/** How an encrypting store keeps a record: its version in the clear (for compare-and-set), the rest sealed. */
export interface SealedRecord {
  version: number;
  sealed: Envelope;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

interface Key {
  id: string;
  bytes: Buffer;
}

export class RecordCipher {
  readonly #keys: readonly Key[];

  private constructor(keys: readonly Key[]) {
    this.#keys = keys;
  }

  /** The cipher the options ask for, or undefined when they give no key (the store then writes plain JSON). */
  static fromOptions(options: EncryptionOptions, store: string): RecordCipher | undefined {
    if (options.encryptionKey !== undefined && options.keys !== undefined) {
      throw new StoreError(`${store}: give encryptionKey or keys, not both`);
    }
    const given = options.keys ?? (options.encryptionKey === undefined ? [] : [options.encryptionKey]);
    if (options.keys !== undefined && given.length === 0) throw new StoreError(`${store}: keys is empty: give at least one key`);
    if (given.length === 0) return undefined;
    const keys = given.map((entry, index) => toKey(entry, `${store}: encryption key ${index + 1}`));
    const ids = new Set<string>();
    for (const key of keys) {
      if (ids.has(key.id)) throw new StoreError(`${store}: two encryption keys have the id "${key.id}"`);
      ids.add(key.id);
    }
    return new RecordCipher(keys);
  }

  /** Id of the key new records are encrypted with. */
  get currentKeyId(): string {
    return this.#keys[0]!.id;
  }

  seal(connectionId: string, record: TokenRecord): SealedRecord {
    const key = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(connectionId));
    const data = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
    return {
      version: record.version,
      sealed: { v: 1, kid: key.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') },
    };
  }

  /** Decrypts and checks a sealed record; a wrong key, a tampered byte or a swapped record is a StoreError. */
  open(connectionId: string, entry: SealedRecord): TokenRecord {
    const envelope = entry.sealed;
    const refused = (why: string) =>
      new StoreError(`the stored token record of connection "${connectionId}" cannot be decrypted: ${why}`);
    if (envelope.v !== 1) throw refused(`unknown envelope version ${String(envelope.v).slice(0, 10)}`);
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw refused('the envelope is damaged (tampered with?)');
    const named = this.#keys.filter((key) => key.id === envelope.kid);
    const candidates = named.length > 0 ? named : this.#keys;
    let plaintext: string | undefined;
    for (const key of candidates) {
      try {
        const decipher = createDecipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(connectionId));
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
        break;
      } catch {
        // Authentication failed with this key; the next may be the right one.
      }
    }
    if (plaintext === undefined) {
      throw refused(
        named.length > 0
          ? 'the record was tampered with, or the key with its id was replaced'
          : 'wrong key (none of the configured keys opens it), or the record was tampered with',
      );
    }
    let record: unknown;
    try {
      record = JSON.parse(plaintext);
    } catch {
      throw refused('its content is not a record');
    }
    if (!isTokenRecordShape(record)) throw refused('its content is not a record');
    if (record.version !== entry.version) throw refused('its version does not match the sealed one (tampered with?)');
    return deepFreeze(record);
  }
}

/**
 * The record a stored entry holds: opened with the cipher when sealed. An entry whose form does
 * not match the store's configuration (sealed without a key, plain with one) is refused.
 */
export function openEntry(connectionId: string, entry: TokenRecord | SealedRecord, cipher: RecordCipher | undefined): TokenRecord {
  if (isSealedRecord(entry)) {
    if (!cipher) {
      throw new StoreError(
        `the stored token record of connection "${connectionId}" is encrypted, but this store has no encryption key: configure the key it was written with`,
      );
    }
    return cipher.open(connectionId, entry);
  }
  if (cipher) {
    throw new StoreError(
      `the stored token record of connection "${connectionId}" is not encrypted, but this store encrypts: it was written without a key or tampered with; delete it to start that connection afresh`,
    );
  }
  return entry;
}

export function isSealedRecord(value: unknown): value is SealedRecord {
  if (!isObject(value) || !isObject(value.sealed) || !Number.isSafeInteger(value.version)) return false;
  const { sealed } = value;
  return (
    typeof sealed.v === 'number' &&
    typeof sealed.kid === 'string' &&
    typeof sealed.iv === 'string' &&
    typeof sealed.tag === 'string' &&
    typeof sealed.data === 'string'
  );
}

/** The fields every store relies on; the rest is optional by type. */
export function isTokenRecordShape(value: unknown): value is TokenRecord {
  return (
    isObject(value) &&
    Number.isSafeInteger(value.version) &&
    (value.version as number) >= 1 &&
    Array.isArray(value.cookies) &&
    isObject(value.extras)
  );
}

function toKey(entry: EncryptionKey | IdentifiedEncryptionKey, what: string): Key {
  const identified = isIdentified(entry);
  const bytes = keyBytes(identified ? entry.key : entry, what);
  if (identified && !KEY_ID.test(entry.id)) {
    throw new StoreError(`${what}: its id must be 1–64 letters, digits or . _ : -`);
  }
  // A derived id says which key sealed a record without saying anything about the key.
  const id = identified ? entry.id : `k-${createHash('sha256').update('connector-sdk key id\0').update(bytes).digest('base64url').slice(0, 12)}`;
  return { id, bytes };
}

function keyBytes(key: EncryptionKey, what: string): Buffer {
  let bytes: Buffer;
  if (typeof key === 'string') {
    const text = key.trim();
    if (!BASE64.test(text)) throw new StoreError(`${what} is not base64 text (or a Buffer) of ${KEY_BYTES} bytes`);
    // Node's base64 decoder reads the URL-safe alphabet too.
    bytes = Buffer.from(text, 'base64');
  } else if (key instanceof Uint8Array) {
    bytes = Buffer.from(key);
  } else {
    throw new StoreError(`${what} must be a Buffer or base64 text`);
  }
  // Never the key, nor its length in characters: only the decoded size.
  if (bytes.length !== KEY_BYTES) throw new StoreError(`${what} is ${bytes.length} bytes; AES-256 needs ${KEY_BYTES} (e.g. crypto.randomBytes(32))`);
  return bytes;
}

function isIdentified(entry: EncryptionKey | IdentifiedEncryptionKey): entry is IdentifiedEncryptionKey {
  return typeof entry === 'object' && entry !== null && !(entry instanceof Uint8Array);
}

function aad(connectionId: string): Buffer {
  return Buffer.from(`connector-sdk/token-record@1\0${connectionId}`, 'utf8');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
