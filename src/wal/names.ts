// Segment file names, etcd's "%016x-%016x.wal" (sequence number, index of the first entry the
// segment may hold), and the rules for choosing the segments to read.
import { readdir } from 'node:fs/promises';
import { WalFileNotFoundError } from './errors.js';

const WAL_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export interface SegmentName {
  name: string;
  seq: number;
  index: number;
}

export function walName(seq: number, index: number): string {
  return `${hex16(seq)}-${hex16(index)}.wal`;
}

/** Parses a segment name, or returns undefined for anything else (tmp files, .broken copies). */
export function parseWalName(name: string): SegmentName | undefined {
  const m = WAL_NAME.exec(name);
  if (!m) return undefined;
  return { name, seq: parseHex(m[1]!), index: parseHex(m[2]!) };
}

/** The segments in `dir`, sorted by name (which is sequence order). */
export async function readWalNames(dir: string): Promise<SegmentName[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new WalFileNotFoundError(dir);
    throw err;
  }
  const names = files
    .map(parseWalName)
    .filter((n): n is SegmentName => n !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (names.length === 0) throw new WalFileNotFoundError(dir);
  return names;
}

/**
 * The position of the last segment whose first index is <= `index`: the segment that holds the
 * snapshot record for `index`, where reading has to start.
 */
export function searchIndex(names: readonly SegmentName[], index: number): number {
  for (let i = names.length - 1; i >= 0; i--) {
    if (index >= names[i]!.index) return i;
  }
  return -1;
}

/** Sequence numbers must increase by one, or a segment has gone missing. */
export function isValidSeq(names: readonly SegmentName[]): boolean {
  for (let i = 1; i < names.length; i++) {
    if (names[i]!.seq !== names[i - 1]!.seq + 1) return false;
  }
  return true;
}

function hex16(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`wal: bad segment number ${n}`);
  return n.toString(16).padStart(16, '0');
}

function parseHex(s: string): number {
  const n = parseInt(s, 16);
  if (!Number.isSafeInteger(n)) throw new RangeError(`wal: segment number 0x${s} is beyond 2^53`);
  return n;
}
