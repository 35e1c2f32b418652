// How a lease is persisted: the backend's `lease` bucket holds, per lease, the key
// 8-byte big-endian ID (the int64's two's complement, as etcd's int64ToBytes) and the value
// leasepb.Lease. Only ID, TTL and the checkpointed remaining TTL are kept; the attached keys
// are recovered from mvcc, and expiry is never persisted (a new leader refreshes it).
import { Lease } from '../proto/lease/leasepb/lease.js';

export interface LeaseRecord {
  id: bigint;
  /** Granted TTL in seconds. */
  ttl: number;
  /** Last checkpointed remaining TTL in seconds; 0 means unset (use the full TTL). */
  remainingTtl: number;
}

/** Durable storage of lease records; the server binds it to the backend's `lease` bucket. */
export interface LeaseStore {
  save(lease: LeaseRecord): void;
  delete(id: bigint): void;
  loadAll(): LeaseRecord[];
}

export const LEASE_BUCKET = 'lease';

export function encodeLeaseRecord(l: LeaseRecord): Buffer {
  return Buffer.from(Lease.encode({ ID: l.id, TTL: BigInt(l.ttl), RemainingTTL: BigInt(l.remainingTtl) }).finish());
}

export function decodeLeaseRecord(buf: Uint8Array): LeaseRecord {
  const l = Lease.decode(buf);
  return { id: l.ID, ttl: Number(l.TTL), remainingTtl: Number(l.RemainingTTL) };
}

/** The bucket key of a lease: 8 bytes, big-endian, so the bucket iterates in unsigned ID order. */
export function encodeLeaseKey(id: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, id));
  return b;
}

export function decodeLeaseKey(key: Uint8Array): bigint {
  if (key.length !== 8) throw new Error(`lease key must be 8 bytes, got ${key.length}`);
  return Buffer.from(key.buffer, key.byteOffset, 8).readBigInt64BE(0);
}
