// etcd's record framing. Every record is a walpb.Record {type, crc, data} preceded by an 8-byte
// little-endian length field. Records are padded to 8-byte alignment so that a length field never
// straddles a torn write; when padding is present the length field's top byte is 0x80|padBytes.
// The crc of every record is a CRC32C (Castagnoli) rolling across all record data since the last
// crcType record, which starts each segment with the running value of the previous one.
import { crc32c } from '@node-rs/crc32';
import { marshalRecord } from './wire.js';

export const RecordType = {
  metadata: 1,
  entry: 2,
  state: 3,
  crc: 4,
  snapshot: 5,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const FRAME_SIZE_BYTES = 8;

export function encodeFrameSize(dataBytes: number): { lenField: bigint; padBytes: number } {
  const padBytes = (8 - (dataBytes % 8)) % 8;
  let lenField = BigInt(dataBytes);
  if (padBytes !== 0) lenField |= BigInt(0x80 | padBytes) << 56n;
  return { lenField, padBytes };
}

/** Splits a length field into the record size (low 56 bits) and the padding (low 3 bits of the top byte, if its MSb is set). */
export function decodeFrameSize(lenField: bigint): { recBytes: number; padBytes: number } {
  const recBytes = Number(lenField & 0x00ff_ffff_ffff_ffffn);
  const top = Number(lenField >> 56n);
  const padBytes = top & 0x80 ? top & 0x7 : 0;
  return { recBytes, padBytes };
}

/**
 * Turns records into framed bytes while keeping the rolling CRC. The encoder only builds buffers:
 * the WAL writes each batch with a single write call.
 */
export class Encoder {
  constructor(private crc: number) {}

  /** The CRC after the last record encoded: the value the next segment's crcType record carries. */
  lastCrc(): number {
    return this.crc;
  }

  /** Frames a batch of records into one buffer. */
  encode(records: ReadonlyArray<{ type: RecordType; data?: Buffer }>): Buffer {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const rec of records) {
      // A crcType record carries the running CRC as is (it has no data to add to it).
      if (rec.data && rec.data.length > 0) this.crc = crc32c(rec.data, this.crc);
      const body = marshalRecord(rec.type, this.crc, rec.data);
      parts.push(body);
      total += FRAME_SIZE_BYTES + body.length + encodeFrameSize(body.length).padBytes;
    }
    const out = Buffer.alloc(total);
    let off = 0;
    for (const body of parts) {
      const { lenField, padBytes } = encodeFrameSize(body.length);
      out.writeBigUInt64LE(lenField, off);
      out.set(body, off + FRAME_SIZE_BYTES);
      off += FRAME_SIZE_BYTES + body.length + padBytes;
    }
    return out;
  }
}
