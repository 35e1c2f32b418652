// Reads the part of a segment that holds records. A segment is preallocated to 64 MB and mostly
// zeros; reading all of it at every start would cost 64 MB of I/O and memory per segment. This
// reader follows the length fields and stops at the first zero one (keeping it, so the decoder
// sees the end), at a frame that runs past the end of the file, or at an impossible length —
// the decoder then judges what it got by exactly the same rules as the whole file.
import { open } from 'node:fs/promises';
import { decodeFrameSize, FRAME_SIZE_BYTES } from './record.js';
import { MAX_WAL_ENTRY_SIZE_BYTES } from './decoder.js';

const READ_CHUNK_BYTES = 1 << 20;

export async function readSegmentData(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    let buf = Buffer.alloc(Math.min(size, READ_CHUNK_BYTES));
    let have = 0;
    /** Makes bytes [0, end) available as far as the file has them; false if it is shorter. */
    const ensure = async (end: number): Promise<boolean> => {
      const want = Math.min(end, size);
      if (want > buf.length) {
        const grown = Buffer.alloc(Math.min(size, Math.max(want, buf.length * 2)));
        buf.copy(grown, 0, 0, have);
        buf = grown;
      }
      while (have < want) {
        const { bytesRead } = await fh.read(buf, have, Math.min(buf.length, Math.max(want, have + READ_CHUNK_BYTES)) - have, have);
        if (bytesRead === 0) break;
        have += bytesRead;
      }
      return have >= end;
    };
    let pos = 0;
    while (await ensure(pos + FRAME_SIZE_BYTES)) {
      const lenField = buf.readBigUInt64LE(pos);
      if (lenField === 0n) return buf.subarray(0, pos + FRAME_SIZE_BYTES);
      const { recBytes, padBytes } = decodeFrameSize(lenField);
      if (recBytes >= MAX_WAL_ENTRY_SIZE_BYTES - padBytes) return buf.subarray(0, pos + FRAME_SIZE_BYTES);
      const end = pos + FRAME_SIZE_BYTES + recBytes + padBytes;
      if (!(await ensure(end))) break;
      pos = end;
    }
    return buf.subarray(0, have);
  } finally {
    await fh.close();
  }
}
