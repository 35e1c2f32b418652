/**
 * Length-prefixed raftpb.Message frames, the encoding of etcd's message
 * stream (rafthttp messageEncoder): an 8-byte big-endian length, then the
 * marshalled message. A zero-length frame is our link heartbeat: it keeps an
 * idle stream's read deadline fresh and never reaches raft.
 */
import { decodeMessage, encodeMessage, type Message } from '../raft/index.js';

/** etcd's readBytesLimit: a frame larger than this is a corrupt or hostile stream. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;
const LENGTH_BYTES = 8;

export function encodeFrame(m: Message): Buffer {
  return frameBytes(encodeMessage(m));
}

export function frameBytes(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + payload.length);
  out.writeBigUInt64BE(BigInt(payload.length), 0);
  payload.copy(out, LENGTH_BYTES);
  return out;
}

/** The link heartbeat: an empty frame. */
export const HEARTBEAT_FRAME: Buffer = Buffer.alloc(LENGTH_BYTES);

/**
 * Reassembles frames from arbitrarily split chunks. `push` returns the
 * messages completed by the chunk, in stream order; heartbeats are skipped.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length of the frame being assembled, once its header is read. */
  private need: number | undefined;

  push(chunk: Buffer): Message[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Message[] = [];
    for (;;) {
      const payload = this.next();
      if (payload === undefined) return out;
      if (payload.length > 0) out.push(decodeMessage(payload));
    }
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered;
  }

  private next(): Buffer | undefined {
    if (this.buffered < LENGTH_BYTES) return undefined;
    if (this.need === undefined) {
      const len = this.take(LENGTH_BYTES).readBigUInt64BE(0);
      if (len > BigInt(MAX_FRAME_BYTES)) throw new RangeError(`raft message frame of ${len} bytes exceeds the ${MAX_FRAME_BYTES} byte limit`);
      this.need = Number(len);
    }
    // Wait for the whole payload before joining chunks, so a large frame
    // arriving in many small chunks is copied once, not once per chunk.
    if (this.buffered < this.need) return undefined;
    const payload = this.take(this.need);
    this.need = undefined;
    return payload;
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}
