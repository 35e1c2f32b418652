/**
 * Bulk writer of bbolt files: given top-level buckets whose entries arrive
 * sorted, produces a database that bolt (and so etcd, `etcdctl snapshot
 * status/restore`) opens as if it had written it. One pass over the entries,
 * memory bounded by one page per tree level.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUCKET_LEAF_FLAG, DEFAULT_PAGE_SIZE, MAX_KEY_SIZE, MAX_VALUE_SIZE, compareKeys } from './format.js';
import { PageFile } from './page-file.js';
import { TreeWriter, bucketHeader } from './tree-writer.js';

export type BoltEntry = [key: Buffer, value: Buffer];

export interface BoltBucketInput {
  name: Buffer;
  /** the bucket's entries, sorted by key (bytewise), keys unique and non-empty */
  entries: Iterable<BoltEntry> | AsyncIterable<BoltEntry>;
}

/** A file path, or a function receiving the file's bytes in order (awaited chunk by chunk). */
export type BoltSink = string | ((chunk: Buffer) => void | Promise<void>);

export interface BoltWriteOptions {
  /** default 4096, the page size of every etcd db on amd64 */
  pageSize?: number;
  /** how full to pack pages, 0.1..1.0 like bolt's FillPercent; default 0.9 (etcd's key bucket) */
  fillPercent?: number;
  /**
   * Append the sha256 of the db bytes after them, as etcd's Maintenance.Snapshot
   * stream does and `etcdctl snapshot restore` checks.
   */
  appendSha256?: boolean;
  /** where a function sink's temporary file goes; default os.tmpdir() */
  tempDir?: string;
}

export interface BoltWriteResult {
  /** size of the db in bytes (a multiple of the page size), trailer not included */
  size: number;
  /** sha256 of the db bytes, when appendSha256 was set */
  sha256?: Buffer;
}

export const SHA256_TRAILER_SIZE = 32;

const DEFAULT_FILL_PERCENT = 0.9;
const MIN_FILL_PERCENT = 0.1;
const MAX_FILL_PERCENT = 1.0;
const STREAM_CHUNK_BYTES = 1 << 20;

/**
 * Writes a bbolt file holding `buckets` (in any order; they are stored sorted
 * by name, as bolt keeps them) to `sink`.
 *
 * The meta pages at the start of the file can only be written once the whole
 * tree exists, so a function sink is fed from a temporary file (in
 * options.tempDir, default os.tmpdir()) that is removed afterwards: the file
 * is never held in memory.
 */
export async function writeBolt(
  buckets: readonly BoltBucketInput[],
  sink: BoltSink,
  options: BoltWriteOptions = {},
): Promise<BoltWriteResult> {
  if (typeof sink === 'string') {
    const { size } = await writeBoltFile(buckets, sink, options);
    if (!options.appendSha256) return { size };
    const sha256 = await hashFile(sink);
    await appendFile(sink, sha256);
    return { size, sha256 };
  }
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'tetcd-bbolt-'));
  try {
    const path = join(dir, 'db');
    const { size } = await writeBoltFile(buckets, path, options);
    const hash = options.appendSha256 ? createHash('sha256') : undefined;
    for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES })) {
      hash?.update(chunk as Buffer);
      await sink(chunk as Buffer);
    }
    if (hash === undefined) return { size };
    const sha256 = hash.digest();
    await sink(sha256);
    return { size, sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The whole file in memory: for tests and small databases. */
export async function boltFileBuffer(buckets: readonly BoltBucketInput[], options: BoltWriteOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeBolt(buckets, (chunk) => void chunks.push(chunk), options);
  return Buffer.concat(chunks);
}

async function hashFile(path: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest();
}

async function writeBoltFile(
  buckets: readonly BoltBucketInput[],
  path: string,
  options: BoltWriteOptions,
): Promise<BoltWriteResult> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(Math.log2(pageSize)) || pageSize < 1024 || pageSize > 65536) {
    throw new RangeError(`bbolt: page size ${pageSize} must be a power of two in 1024..65536`);
  }
  const fillPercent = Math.min(MAX_FILL_PERCENT, Math.max(MIN_FILL_PERCENT, options.fillPercent ?? DEFAULT_FILL_PERCENT));
  const sorted = sortBuckets(buckets);

  const file = await PageFile.create(path, pageSize);
  try {
    const root = new TreeWriter(file, fillPercent);
    const values: Buffer[] = [];
    for (const bucket of sorted) {
      values.push(await writeBucket(file, bucket, fillPercent));
    }
    // The root bucket's leaves list the top-level buckets; its pages come last
    // because each entry needs its bucket's root page id.
    for (const [i, bucket] of sorted.entries()) {
      await root.add({ key: bucket.name, value: values[i]!, flags: BUCKET_LEAF_FLAG });
    }
    const rootTree = await root.finish(false);
    if (!('root' in rootTree)) throw new Error('bbolt: root bucket cannot be inline');
    return { size: await file.finish(rootTree.root) };
  } catch (err) {
    await file.abort();
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

/** Writes one bucket's tree and returns the value its parent stores for it. */
async function writeBucket(file: PageFile, bucket: BoltBucketInput, fillPercent: number): Promise<Buffer> {
  const tree = new TreeWriter(file, fillPercent);
  let previous: Buffer | undefined;
  for await (const [rawKey, rawValue] of bucket.entries) {
    checkSize(rawKey, rawValue, bucket.name);
    // Copied because entries wait for their page to fill and iterators over
    // other stores (lmdb) may reuse their buffers.
    const key = Buffer.from(rawKey);
    const value = Buffer.from(rawValue);
    if (previous !== undefined && compareKeys(previous, key) >= 0) {
      throw new Error(
        `bbolt: bucket ${bucket.name.toString('hex')}: keys not strictly increasing at ${key.toString('hex')}`,
      );
    }
    previous = key;
    await tree.add({ key, value, flags: 0 });
  }
  const root = await tree.finish(true);
  return 'inline' in root ? root.inline : bucketHeader(root.root);
}

function checkSize(key: Buffer, value: Buffer, bucket: Buffer): void {
  if (key.length === 0 || key.length > MAX_KEY_SIZE) {
    throw new RangeError(`bbolt: bucket ${bucket.toString('hex')}: key length ${key.length} outside 1..${MAX_KEY_SIZE}`);
  }
  if (value.length > MAX_VALUE_SIZE) {
    throw new RangeError(`bbolt: bucket ${bucket.toString('hex')}: value of ${value.length} bytes is too large`);
  }
}

function sortBuckets(buckets: readonly BoltBucketInput[]): BoltBucketInput[] {
  const sorted = [...buckets].sort((a, b) => compareKeys(a.name, b.name));
  for (const [i, bucket] of sorted.entries()) {
    if (bucket.name.length === 0 || bucket.name.length > MAX_KEY_SIZE) {
      throw new RangeError(`bbolt: bucket name length ${bucket.name.length} outside 1..${MAX_KEY_SIZE}`);
    }
    if (i > 0 && compareKeys(sorted[i - 1]!.name, bucket.name) === 0) {
      throw new Error(`bbolt: duplicate bucket ${bucket.name.toString('hex')}`);
    }
  }
  return sorted;
}
