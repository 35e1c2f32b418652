/**
 * The body of POST /raft/snapshot: the MsgSnap as one frame (frame.ts), the db
 * size as an 8-byte big-endian integer, the db bytes, then the sha256 of the
 * db bytes (32 bytes), as the Maintenance.Snapshot stream ends with one. The
 * size up front lets the receiver tell a truncated body from a complete one.
 */
import { encodeFrame } from './frame.js';
import type { Message } from '../raft/index.js';

export const SNAPSHOT_PATH = '/raft/snapshot';
export const SHA256_BYTES = 32;

export function encodeSnapshotPreamble(m: Message, dbSize: number): Buffer {
  const size = Buffer.allocUnsafe(8);
  size.writeBigUInt64BE(BigInt(dbSize), 0);
  return Buffer.concat([encodeFrame(m), size]);
}

/** etcd's snapshotter.dbFilePath: `<index %016x>.snap.db`. */
export function snapDbFileName(index: number): string {
  return index.toString(16).padStart(16, '0') + '.snap.db';
}
