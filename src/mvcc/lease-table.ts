// `tetcd_klease`: which keys carry which lease, kept in the same transaction as the keys. The
// lessor needs this on restart (etcd rebuilds it by reading every key); a table lets a restart
// read only the leased keys. The LMDB key is the 8-byte lease ID followed by the user key (or,
// for keys too long for an LMDB key, its SHA-256); the value is the full user key.
import { createHash } from 'node:crypto';
import type { BatchTx, ReadTx } from '../backend/index.js';
import { SLOT_KEY_MAX } from './index-store.js';

const BUCKET = 'tetcd_klease';

function tableKey(lease: bigint, key: Buffer): Buffer {
  const id = Buffer.alloc(8);
  id.writeBigUInt64BE(BigInt.asUintN(64, lease));
  const k = key.length <= SLOT_KEY_MAX ? key : createHash('sha256').update(key).digest();
  return Buffer.concat([id, k]);
}

export function attachLease(tx: BatchTx, lease: bigint, key: Buffer): void {
  tx.put(BUCKET, tableKey(lease, key), key);
}

export function detachLease(tx: BatchTx, lease: bigint, key: Buffer): void {
  tx.delete(BUCKET, tableKey(lease, key));
}

export function* leasedKeys(tx: ReadTx): Generator<{ lease: bigint; key: Buffer }> {
  for (const { key, value } of tx.range(BUCKET, Buffer.alloc(1, 0))) {
    yield { lease: BigInt.asIntN(64, key.readBigUInt64BE(0)), key: value };
  }
}

export function clearLeaseTable(tx: BatchTx): void {
  const keys: Buffer[] = [];
  for (const { key } of tx.range(BUCKET, Buffer.alloc(1, 0))) keys.push(key);
  for (const k of keys) tx.delete(BUCKET, k);
}
