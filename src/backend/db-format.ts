// Tells what kind of file sits at the backend path without opening it with LMDB: lmdb-js does
// not validate a foreign or truncated file and can crash the process (SIGSEGV) on one, so the
// backend checks the format first and refuses anything that is not a complete LMDB env.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type DbFormat = 'lmdb' | 'bbolt' | 'missing' | 'unknown';

/** bbolt's meta page: a 16-byte page header, then the meta with its magic first (bbolt page.go, db.go). */
const BBOLT_MAGIC_OFFSET = 16;
const BBOLT_MAGIC = 0xed0cdaed;
/**
 * LMDB's meta page: the page header, then MDB_meta starting with mm_magic. The header is 16 bytes
 * in upstream LMDB and 24 in lmdb-js's LMDB (which adds mp_txnid), so the magic sits at 16 or 24.
 * Relative to the magic: mm_dbs[FREE_DBI].md_pad (the page size) at +24, mm_last_pg at +120.
 */
const LMDB_MAGIC_OFFSETS = [24, 16];
const LMDB_MAGIC = 0xbeefc0de;
const LMDB_PAGE_SIZE_REL = 24;
const LMDB_LAST_PG_REL = 120;
const HEADER_BYTES = 24 + 136;

function lmdbMagicOffset(head: Buffer): number | undefined {
  return LMDB_MAGIC_OFFSETS.find((o) => head.length >= o + 4 && head.readUInt32LE(o) === LMDB_MAGIC);
}

function readHead(path: string, length: number, position = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function detectDbFormat(path: string): DbFormat {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  // an empty file is not a fresh backend: it may be a member's data lost to truncation
  if (size === 0) return 'unknown';
  const head = readHead(path, HEADER_BYTES);
  if (head.length >= BBOLT_MAGIC_OFFSET + 4 && head.readUInt32LE(BBOLT_MAGIC_OFFSET) === BBOLT_MAGIC) return 'bbolt';
  if (lmdbMagicOffset(head) !== undefined) return 'lmdb';
  return 'unknown';
}

/**
 * Checks that an LMDB file is complete: both meta pages carry the magic, and the file is long
 * enough for the last page the meta pages refer to. Returns a reason when it is not.
 */
export function checkLmdbFile(path: string): string | undefined {
  const size = statSync(path).size;
  const first = readHead(path, HEADER_BYTES);
  const m = lmdbMagicOffset(first);
  if (m === undefined || first.length < HEADER_BYTES) return 'not an LMDB file (bad magic on meta page 0)';
  const pageSize = first.readUInt32LE(m + LMDB_PAGE_SIZE_REL);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return `not an LMDB file (implausible page size ${pageSize})`;
  }
  if (size < 2 * pageSize) return `truncated LMDB file (${size} bytes, less than two meta pages)`;
  const second = readHead(path, HEADER_BYTES, pageSize);
  if (second.length < HEADER_BYTES || second.readUInt32LE(m) !== LMDB_MAGIC) {
    return 'corrupt LMDB file (bad magic on meta page 1)';
  }
  // the file only grows, so the larger last page is the newest meta's
  const lastPage = Math.max(
    Number(first.readBigUInt64LE(m + LMDB_LAST_PG_REL)),
    Number(second.readBigUInt64LE(m + LMDB_LAST_PG_REL)),
  );
  if (size < (lastPage + 1) * pageSize) {
    return `truncated LMDB file (${size} bytes, the last committed page ${lastPage} needs ${(lastPage + 1) * pageSize})`;
  }
  return undefined;
}

export function isLmdbFile(path: string): boolean {
  return detectDbFormat(path) === 'lmdb' && checkLmdbFile(path) === undefined;
}
