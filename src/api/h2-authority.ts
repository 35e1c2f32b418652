// grpc-go clients (etcdctl, clientv3) send the endpoint they dialled as the :authority of their
// requests: with an endpoint given as a URL (`--endpoints http://host:2379`, and always with
// `endpoint status --cluster`, `defrag`, `hashkv`, `move-leader`) that is "http://host:2379".
// grpc-go's server accepts it; Node's HTTP/2 (nghttp2) resets such a stream, since an authority
// may not contain '/'. So the first HEADERS frame of a gRPC connection is read before the
// connection is handed to the HTTP/2 server, and an invalid :authority in it is rewritten in
// place to a valid string of the same length (the HPACK dynamic-table entry keeps its size, so
// the client's and the server's tables stay in step; later requests refer to that entry).
// Nothing else is touched: anything not understood is passed on as it came.
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { HTTP2_PREFACE } from './sniff.js';

const require = createRequire(import.meta.url);
const hpack = require('hpack.js') as { decoder: { create(): { push(b: Buffer): void; decodeStr(): number[] } } };

/** How long to wait for a first request after the preface (clients that wait for our SETTINGS send none). */
const FIRST_HEADERS_WAIT_MS = 20;
const MAX_BUFFERED = 64 * 1024;
const FRAME_HEADERS = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** RFC 3986 authority characters (what nghttp2 accepts). */
const INVALID_AUTHORITY_CHAR = /[^A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]/g;

/** An empty SETTINGS frame: the server preface we send ourselves so that the client sends its first request. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
/** Bound on waiting for the client's ACK of our SETTINGS. */
const ACK_WAIT_MS = 2000;

/**
 * grpc-go sends its first request only once the server's SETTINGS arrived, so we send an empty
 * SETTINGS frame ourselves, read until the client has acknowledged it and sent its first HEADERS
 * (or nothing more comes at once), drop that acknowledgement (the HTTP/2 server did not send
 * this SETTINGS and would take the ACK as a protocol error), fix an invalid :authority, put the
 * bytes back and call `ready`. The socket must start with the HTTP/2 preface (sniffed, unshifted).
 */
export function fixFirstAuthority(socket: Duplex, ready: () => void): void {
  let seen: Buffer = Buffer.alloc(0);
  let done = false;
  let acked = false;
  let idle: NodeJS.Timeout | undefined;
  const bound = setTimeout(() => finish(), ACK_WAIT_MS);
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(idle);
    clearTimeout(bound);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onEnd);
    socket.pause();
    let out: Buffer = seen;
    try {
      out = rewrite(seen);
    } catch {
      out = seen; // not understood: pass on unchanged
    }
    if (out.length > 0) socket.unshift(out);
    ready();
  };
  const onEnd = () => finish();
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    if (!acked) {
      const stripped = stripFirstSettingsAck(seen);
      if (stripped) {
        seen = stripped;
        acked = true;
      }
    }
    if (seen.length > MAX_BUFFERED) return finish();
    if (acked && firstHeadersComplete(seen)) return finish();
    if (acked) {
      clearTimeout(idle);
      idle = setTimeout(finish, FIRST_HEADERS_WAIT_MS);
    }
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onEnd);
  socket.write(EMPTY_SETTINGS);
  socket.resume();
}

/** The buffer without the first SETTINGS ACK frame, or undefined if it has none (complete). */
function stripFirstSettingsAck(buf: Buffer): Buffer | undefined {
  let off = HTTP2_PREFACE.length;
  while (off + 9 <= buf.length) {
    const len = buf.readUIntBE(off, 3);
    const type = buf[off + 3]!;
    const flags = buf[off + 4]!;
    if (off + 9 + len > buf.length) return undefined;
    if (type === 0x4 && (flags & 0x1) !== 0) return Buffer.concat([buf.subarray(0, off), buf.subarray(off + 9 + len)]);
    off += 9 + len;
  }
  return undefined;
}

/** Whether the buffer holds the preface and a complete first HEADERS frame. */
function firstHeadersComplete(buf: Buffer): boolean {
  let off = HTTP2_PREFACE.length;
  while (off + 9 <= buf.length) {
    const len = buf.readUIntBE(off, 3);
    const type = buf[off + 3]!;
    if (off + 9 + len > buf.length) return false;
    if (type === FRAME_HEADERS) return true;
    off += 9 + len;
  }
  return false;
}

function rewrite(buf: Buffer): Buffer {
  if (buf.length < HTTP2_PREFACE.length) return buf;
  let off = HTTP2_PREFACE.length;
  while (off + 9 <= buf.length) {
    const len = buf.readUIntBE(off, 3);
    const type = buf[off + 3]!;
    const flags = buf[off + 4]!;
    if (off + 9 + len > buf.length) return buf;
    if (type === FRAME_HEADERS) {
      if ((flags & FLAG_END_HEADERS) === 0) return buf; // split over CONTINUATION frames: leave it
      let start = off + 9;
      let end = off + 9 + len;
      if (flags & FLAG_PADDED) {
        const pad = buf[start]!;
        start += 1;
        end -= pad;
      }
      const priority = flags & FLAG_PRIORITY ? buf.subarray(start, start + 5) : Buffer.alloc(0);
      start += priority.length;
      const fixed = fixBlock(buf.subarray(start, end));
      if (fixed === undefined) return buf;
      // the frame again, without padding, with the new block (its length may differ)
      const payload = Buffer.concat([priority, fixed]);
      const header = Buffer.from(buf.subarray(off, off + 9));
      header.writeUIntBE(payload.length, 0, 3);
      header[4] = flags & ~FLAG_PADDED;
      return Buffer.concat([buf.subarray(0, off), header, payload, buf.subarray(off + 9 + len)]);
    }
    off += 9 + len;
  }
  return buf;
}

/** An HPACK integer with an N-bit prefix at `pos`: its value and where it ends. */
function readInt(b: Buffer, pos: number, prefixBits: number): [number, number] {
  const max = (1 << prefixBits) - 1;
  let v = b[pos]! & max;
  pos++;
  if (v < max) return [v, pos];
  let m = 0;
  for (;;) {
    const byte = b[pos++];
    if (byte === undefined) throw new Error('truncated');
    v += (byte & 0x7f) * 2 ** m;
    m += 7;
    if ((byte & 0x80) === 0) return [v, pos];
  }
}

/** Returns a same-size block with any invalid :authority value replaced, or undefined if none. */
function fixBlock(block: Buffer): Buffer | undefined {
  let pos = 0;
  while (pos < block.length) {
    const first = block[pos]!;
    if (first & 0x80) {
      pos = readInt(block, pos, 7)[1]; // indexed field
      continue;
    }
    if ((first & 0xe0) === 0x20) {
      pos = readInt(block, pos, 5)[1]; // dynamic table size update
      continue;
    }
    const prefix = (first & 0xc0) === 0x40 ? 6 : 4; // with indexing : without / never indexed
    const [nameIndex, afterName] = readInt(block, pos, prefix);
    pos = afterName;
    if (nameIndex === 0) pos = skipString(block, pos);
    const valueStart = pos;
    const huffman = (block[pos]! & 0x80) !== 0;
    const [len, dataStart] = readInt(block, pos, 7);
    const valueEnd = dataStart + len;
    if (valueEnd > block.length) throw new Error('truncated');
    pos = valueEnd;
    if (nameIndex !== 1) continue; // static table entry 1 is :authority
    const value = huffman ? decodeHuffman(block.subarray(valueStart, valueEnd)) : block.subarray(dataStart, valueEnd).toString('latin1');
    if (!INVALID_AUTHORITY_CHAR.test(value)) return undefined;
    INVALID_AUTHORITY_CHAR.lastIndex = 0;
    const safe = value.replace(INVALID_AUTHORITY_CHAR, '_');
    // The raw (non-Huffman) encoding of `safe` must fit where the old value was: same decoded
    // length keeps the table entry's size; the encoded length may grow, so rebuild the block.
    const raw = Buffer.concat([encodeInt(safe.length, 7, 0x00), Buffer.from(safe, 'latin1')]);
    return Buffer.concat([block.subarray(0, valueStart), raw, block.subarray(valueEnd)]);
  }
  return undefined;
}

function skipString(b: Buffer, pos: number): number {
  const [len, start] = readInt(b, pos, 7);
  return start + len;
}

function decodeHuffman(encoded: Buffer): string {
  const d = hpack.decoder.create();
  d.push(encoded);
  return Buffer.from(d.decodeStr()).toString('latin1');
}

function encodeInt(v: number, prefixBits: number, firstBits: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (v < max) return Buffer.from([firstBits | v]);
  const out = [firstBits | max];
  v -= max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
