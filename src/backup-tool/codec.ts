// The storage encoding of one file of a backup set: plaintext → gzip → age, streamed, with the
// sha256 of both the plaintext and the stored bytes taken on the way, so verify can tell a
// damaged object (stored hash) from a wrong key or a bad decode (plaintext hash).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import { createGunzip, createGzip } from 'node:zlib';
import { Decrypter, Encrypter } from 'age-encryption';
import type { DecryptKeys, EncryptKeys } from './keys.js';

export type Compression = 'gzip' | 'none';

export interface Encoding {
  compression: Compression;
  keys: EncryptKeys;
}

export interface EncodedFile {
  size: number;
  sha256: string;
  plainSize: number;
  plainSha256: string;
}

export class DecodeError extends Error {}

/** The suffix a stored file gets: `.gz` and/or `.age`. */
export function storedSuffix(compression: Compression, encrypted: boolean): string {
  return (compression === 'gzip' ? '.gz' : '') + (encrypted ? '.age' : '');
}

/** A pass-through that hashes and counts what flows by. */
class Tap extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

function encrypter(keys: EncryptKeys): Encrypter | undefined {
  if (keys.mode === 'none') return undefined;
  const e = new Encrypter();
  if (keys.mode === 'passphrase') {
    e.setPassphrase(keys.passphrase);
    if (keys.scryptWorkFactor !== undefined) e.setScryptWorkFactor(keys.scryptWorkFactor);
  }
  else for (const r of keys.recipients) e.addRecipient(r);
  return e;
}

/** Encodes `src` into `dst` (created with mode 0600: it may hold private keys). */
export async function encodeFile(src: string, dst: string, enc: Encoding): Promise<EncodedFile> {
  const plain = new Tap();
  const stored = new Tap();
  let stream: Readable = createReadStream(src).pipe(plain);
  if (enc.compression === 'gzip') stream = stream.pipe(createGzip());
  const e = encrypter(enc.keys);
  if (e) {
    const web = Readable.toWeb(stream) as unknown as globalThis.ReadableStream<Uint8Array>;
    stream = Readable.fromWeb((await e.encrypt(web)) as unknown as WebReadable<Uint8Array>);
  }
  await pipeline(stream, stored, createWriteStream(dst, { mode: 0o600 }));
  return { size: stored.size, sha256: stored.hash.digest('hex'), plainSize: plain.size, plainSha256: plain.hash.digest('hex') };
}

/** sha256 and size of a file as stored. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: h.digest('hex') };
}

function decrypter(keys: DecryptKeys): Decrypter {
  const d = new Decrypter();
  for (const id of keys.identities) d.addIdentity(id);
  if (keys.passphrase !== undefined) d.addPassphrase(keys.passphrase);
  return d;
}

/** Decodes a stored file back to its plaintext; returns the plaintext's hash and size. */
export async function decodeFile(src: string, dst: string, compression: Compression, encrypted: boolean, keys: DecryptKeys): Promise<{ size: number; sha256: string }> {
  let stream: Readable = createReadStream(src);
  if (encrypted) {
    if (keys.identities.length === 0 && keys.passphrase === undefined) throw new DecodeError('the set is encrypted: give --identity-file, --passphrase-file or TETCD_BACKUP_PASSPHRASE');
    const web = Readable.toWeb(stream) as unknown as globalThis.ReadableStream<Uint8Array>;
    try {
      stream = Readable.fromWeb((await decrypter(keys).decrypt(web)) as unknown as WebReadable<Uint8Array>);
    } catch (err) {
      throw new DecodeError(`cannot decrypt (wrong passphrase or identity, or damaged header): ${(err as Error).message}`);
    }
  }
  const steps: NodeJS.ReadWriteStream[] = compression === 'gzip' ? [createGunzip()] : [];
  const plain = new Tap();
  try {
    await pipeline(stream, ...(steps as [NodeJS.ReadWriteStream]), plain, createWriteStream(dst, { mode: 0o600 }));
  } catch (err) {
    throw new DecodeError(`cannot decode: ${(err as Error).message}`);
  }
  return { size: plain.size, sha256: plain.hash.digest('hex') };
}
