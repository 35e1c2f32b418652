// etcd's revision {main, sub} and its 17-byte key in the `key` bucket: 8-byte big-endian main,
// '_', 8-byte big-endian sub, plus a trailing 't' on tombstones (mvcc/revision.go, util.go).
// Revisions are JS numbers: the project rule is that they stay below 2^53.

export interface Revision {
  main: number;
  sub: number;
}

export const REV_BYTES_LEN = 17;
const MARK_TOMBSTONE = 0x74; // 't'
const SEPARATOR = 0x5f; // '_'

export function revToBytes(rev: Revision, tombstone = false): Buffer {
  const b = Buffer.alloc(tombstone ? REV_BYTES_LEN + 1 : REV_BYTES_LEN);
  b.writeBigUInt64BE(BigInt(rev.main), 0);
  b[8] = SEPARATOR;
  b.writeBigUInt64BE(BigInt(rev.sub), 9);
  if (tombstone) b[REV_BYTES_LEN] = MARK_TOMBSTONE;
  return b;
}

export function bytesToRev(b: Buffer): Revision {
  return { main: Number(b.readBigUInt64BE(0)), sub: Number(b.readBigUInt64BE(9)) };
}

export function isTombstone(b: Buffer): boolean {
  return b.length === REV_BYTES_LEN + 1 && b[REV_BYTES_LEN] === MARK_TOMBSTONE;
}

export function compareRev(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

export function revKey(rev: Revision): string {
  return `${rev.main}.${rev.sub}`;
}
