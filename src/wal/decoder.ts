// Reading records back, with etcd's rules for telling a torn tail from corruption.
//
// A segment ends at a zero length field (the preallocated, never written space) or at the end of
// the file. In the LAST segment a record may have been cut short by a crash: that is a torn
// write, reported as end 'torn' so the WAL can drop it. etcd decides "torn" the way disks fail:
// a record that cannot be read in full, or one that is invalid and has at least one whole
// 512-byte sector of zeros (a sector that never reached the disk). Any other invalid record —
// a wrong CRC in data that is all there, or anything wrong in an earlier segment — is
// corruption of data that may have been acknowledged, and is thrown as WalCorruptError.
import { crc32c } from '@node-rs/crc32';
import { Record } from '../proto/wal/walpb/record.js';
import { decodeFrameSize, FRAME_SIZE_BYTES, RecordType } from './record.js';
import {
  ERR_BAD_RECORD,
  ERR_CRC_MISMATCH,
  ERR_MAX_ENTRY_SIZE,
  ERR_UNEXPECTED_EOF,
  WalCorruptError,
} from './errors.js';

/** etcd's sanity bound on one record (raft messages are limited to far less). */
export const MAX_WAL_ENTRY_SIZE_BYTES = 10 * 1024 * 1024;
const MIN_SECTOR_SIZE = 512;

export interface Segment {
  /** Path of the segment file, for error messages. */
  path: string;
  buf: Buffer;
}

export interface DecodedRecord {
  type: RecordType;
  crc: number;
  /** The record's own copy of its data (it does not pin the segment buffer). */
  data: Buffer;
}

export class Decoder {
  private crc = 0;
  private offset = 0;
  private tornTail = false;

  constructor(private readonly segments: readonly Segment[]) {}

  /** Offset just after the last valid record in the segment read last. */
  lastOffset(): number {
    return this.offset;
  }

  /** True if reading stopped at a partially written record in the last segment. */
  torn(): boolean {
    return this.tornTail;
  }

  /** The running CRC: what the encoder appending after these records must continue from. */
  lastCrc(): number {
    return this.crc;
  }

  *records(): Generator<DecodedRecord> {
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const isLast = i === this.segments.length - 1;
      this.offset = 0;
      for (;;) {
        const rec = this.next(seg, isLast);
        if (rec === 'eof') break;
        if (rec === 'torn') {
          this.tornTail = true;
          return;
        }
        yield rec;
      }
    }
  }

  private next(seg: Segment, isLast: boolean): DecodedRecord | 'eof' | 'torn' {
    const { buf, path } = seg;
    const off = this.offset;
    if (off === buf.length) return 'eof';
    const fail = (reason: string): 'torn' => {
      if (isLast) return 'torn';
      throw new WalCorruptError(reason, path, off);
    };
    if (off + FRAME_SIZE_BYTES > buf.length) return fail(ERR_UNEXPECTED_EOF);
    const lenField = buf.readBigUInt64LE(off);
    if (lenField === 0n) return 'eof';
    const { recBytes, padBytes } = decodeFrameSize(lenField);
    if (recBytes >= MAX_WAL_ENTRY_SIZE_BYTES - padBytes) throw new WalCorruptError(ERR_MAX_ENTRY_SIZE, path, off);
    const start = off + FRAME_SIZE_BYTES;
    const end = start + recBytes + padBytes;
    if (end > buf.length) return fail(ERR_UNEXPECTED_EOF);
    const frame = buf.subarray(start, end);
    const tornOr = (reason: string): 'torn' => {
      if (isLast && isTornEntry(start, frame)) return 'torn';
      throw new WalCorruptError(reason, path, off);
    };

    const rec = parseRecord(frame.subarray(0, recBytes));
    if (!rec) return tornOr(ERR_BAD_RECORD);
    if (rec.type === RecordType.crc) {
      // A crc record restates the running CRC of everything before it; a fresh decoder (opened
      // at a later segment) has nothing to compare with and adopts it.
      if (this.crc !== 0 && rec.crc !== this.crc) throw new WalCorruptError(ERR_CRC_MISMATCH, path, off);
      this.crc = rec.crc;
    } else {
      const crc = rec.data.length > 0 ? crc32c(rec.data, this.crc) : this.crc;
      if (crc !== rec.crc) return tornOr(ERR_CRC_MISMATCH);
      this.crc = crc;
    }
    this.offset = end;
    return rec;
  }
}

/** Decodes one walpb.Record; undefined if the bytes are not a record of a known type. */
function parseRecord(bytes: Buffer): DecodedRecord | undefined {
  let rec: Record;
  try {
    rec = Record.decode(bytes);
  } catch {
    return undefined;
  }
  const type = Number(rec.type ?? 0n);
  if (type < RecordType.metadata || type > RecordType.snapshot) return undefined;
  return { type: type as RecordType, crc: rec.crc ?? 0, data: rec.data ?? Buffer.alloc(0) };
}

/**
 * etcd's torn-write test: split the record at sector boundaries of the file; if any piece is all
 * zeros, that sector was never written, so the record was torn rather than corrupted.
 */
export function isTornEntry(fileOffset: number, frame: Buffer): boolean {
  let pos = 0;
  let fileOff = fileOffset;
  while (pos < frame.length) {
    const chunkLen = Math.min(MIN_SECTOR_SIZE - (fileOff % MIN_SECTOR_SIZE), frame.length - pos);
    if (isZero(frame, pos, pos + chunkLen)) return true;
    pos += chunkLen;
    fileOff += chunkLen;
  }
  return false;
}

function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}
