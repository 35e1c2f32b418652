/**
 * The on-disk layout of a bbolt file (go.etcd.io/bbolt, as used by etcd 3.4),
 * for little-endian 64-bit hosts: the only layout etcd ships for amd64/arm64.
 *
 * A file is a sequence of pages. Pages 0 and 1 hold the two meta copies (bolt
 * alternates between them per transaction, the valid one with the higher txid
 * wins); every other page is a freelist, branch or leaf page, possibly spanning
 * `overflow` further pages.
 */

export const MAGIC = 0xed0cdaed;
export const VERSION = 2;
export const DEFAULT_PAGE_SIZE = 4096;

/** page header: id u64, flags u16, count u16, overflow u32 */
export const PAGE_HEADER_SIZE = 16;
/** leaf element: flags u32, pos u32, ksize u32, vsize u32 */
export const LEAF_ELEMENT_SIZE = 16;
/** branch element: pos u32, ksize u32, pgid u64 */
export const BRANCH_ELEMENT_SIZE = 16;
/** bucket header stored as a bucket's value in its parent: root pgid u64, sequence u64 */
export const BUCKET_HEADER_SIZE = 16;
/** meta fields up to (not including) the checksum, which covers exactly these bytes */
export const META_CHECKSUM_OFFSET = 56;
export const META_SIZE = 64;

export const BRANCH_PAGE_FLAG = 0x01;
export const LEAF_PAGE_FLAG = 0x02;
export const META_PAGE_FLAG = 0x04;
export const FREELIST_PAGE_FLAG = 0x10;

/** leaf element flag marking the value as a nested bucket */
export const BUCKET_LEAF_FLAG = 0x01;

/** bolt refuses longer keys and values; we refuse to write what bolt cannot read */
export const MAX_KEY_SIZE = 32768;
export const MAX_VALUE_SIZE = 0x7ffffffe;
/** page element counts are u16 and bolt panics at 0xFFFF */
export const MAX_PAGE_ELEMENTS = 0xfffe;

export const PGID_NO_FREELIST = 0xffffffffffffffffn;

export interface PageHeader {
  id: number;
  flags: number;
  count: number;
  overflow: number;
}

export interface Meta {
  magic: number;
  version: number;
  pageSize: number;
  flags: number;
  /** root page of the root bucket, whose leaves list the top-level buckets */
  root: number;
  sequence: bigint;
  /** freelist page id, or PGID_NO_FREELIST when bolt runs with NoFreelistSync */
  freelist: bigint;
  /** high-water mark: number of pages in use, every page id is below it */
  pgid: number;
  txid: bigint;
  checksum: bigint;
}

/** Converts a stored u64 page id to a JS number, refusing ids no real file can hold. */
export function toPgid(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`bbolt: ${what} ${value} is out of range`);
  }
  return Number(value);
}

export function readPageHeader(buf: Buffer, offset = 0): PageHeader {
  return {
    id: toPgid(buf.readBigUInt64LE(offset), 'page id'),
    flags: buf.readUInt16LE(offset + 8),
    count: buf.readUInt16LE(offset + 10),
    overflow: buf.readUInt32LE(offset + 12),
  };
}

export function writePageHeader(buf: Buffer, header: PageHeader, offset = 0): void {
  buf.writeBigUInt64LE(BigInt(header.id), offset);
  buf.writeUInt16LE(header.flags, offset + 8);
  buf.writeUInt16LE(header.count, offset + 10);
  buf.writeUInt32LE(header.overflow, offset + 12);
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const U64_MASK = 0xffffffffffffffffn;

/** FNV-1a 64, the hash bolt uses for the meta checksum (hash/fnv New64a). */
export function fnv64a(data: Uint8Array): bigint {
  let hash = FNV64_OFFSET;
  for (const byte of data) {
    hash = ((hash ^ BigInt(byte)) * FNV64_PRIME) & U64_MASK;
  }
  return hash;
}

/** Reads the meta struct that follows the page header of a meta page. */
export function readMeta(page: Buffer): Meta {
  const m = page.subarray(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + META_SIZE);
  if (m.length < META_SIZE) throw new Error('bbolt: file too short for a meta page');
  return {
    magic: m.readUInt32LE(0),
    version: m.readUInt32LE(4),
    pageSize: m.readUInt32LE(8),
    flags: m.readUInt32LE(12),
    // page ids stay numbers; metaProblem rejects a meta whose ids are not safe integers
    root: Number(m.readBigUInt64LE(16)),
    sequence: m.readBigUInt64LE(24),
    freelist: m.readBigUInt64LE(32),
    pgid: Number(m.readBigUInt64LE(40)),
    txid: m.readBigUInt64LE(48),
    checksum: m.readBigUInt64LE(56),
  };
}

/** Why this meta page is unusable, or undefined if bolt would accept it. */
export function metaProblem(page: Buffer, meta: Meta): string | undefined {
  if (meta.magic !== MAGIC) return 'bad magic (not a bbolt file)';
  if (meta.version !== VERSION) return `unsupported version ${meta.version}`;
  const expected = fnv64a(page.subarray(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + META_CHECKSUM_OFFSET));
  // bolt accepts a zero checksum (files from before checksums existed)
  if (meta.checksum !== 0n && meta.checksum !== expected) return 'meta checksum mismatch';
  if (!Number.isSafeInteger(meta.root) || !Number.isSafeInteger(meta.pgid)) return 'page ids out of range';
  return undefined;
}

/** Writes a complete meta page (header, fields, checksum) into `page`, which must be zeroed. */
export function writeMetaPage(page: Buffer, meta: Omit<Meta, 'magic' | 'version' | 'checksum'>): void {
  // bolt stores meta copy `txid % 2` on page 0 or 1 and gives the page that id
  writePageHeader(page, { id: Number(meta.txid % 2n), flags: META_PAGE_FLAG, count: 0, overflow: 0 });
  const m = page.subarray(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + META_SIZE);
  m.writeUInt32LE(MAGIC, 0);
  m.writeUInt32LE(VERSION, 4);
  m.writeUInt32LE(meta.pageSize, 8);
  m.writeUInt32LE(meta.flags, 12);
  m.writeBigUInt64LE(BigInt(meta.root), 16);
  m.writeBigUInt64LE(meta.sequence, 24);
  m.writeBigUInt64LE(meta.freelist, 32);
  m.writeBigUInt64LE(BigInt(meta.pgid), 40);
  m.writeBigUInt64LE(meta.txid, 48);
  m.writeBigUInt64LE(fnv64a(m.subarray(0, META_CHECKSUM_OFFSET)), 56);
}

/** Bytewise comparison, the order of keys in every bolt bucket. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
