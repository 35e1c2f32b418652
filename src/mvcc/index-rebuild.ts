// Rebuilds `tetcd_kidx` and `tetcd_klease` from the `key` bucket, exactly as etcd's restore
// builds its in-memory index (mvcc/kvstore.go restore, restoreIntoIndex). Needed once after a
// data dir made by etcd (bbolt) is imported.
import type { BatchTx } from '../backend/index.js';
import { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { indexClear, indexGet, indexPut } from './index-store.js';
import { put as kiPut, restore as kiRestore, tombstone as kiTombstone, type KeyIndex } from './key-index.js';
import { attachLease, clearLeaseTable } from './lease-table.js';
import { bytesToRev, isTombstone, revToBytes } from './revision.js';

/** Revisions read per chunk: bounds the memory of the pending index entries. */
const CHUNK = 10_000;

export function rebuildIndex(tx: BatchTx): void {
  indexClear(tx);
  clearLeaseTable(tx);
  const leases = new Map<string, { key: Buffer; lease: bigint }>();
  let start: Buffer = Buffer.alloc(1, 0);
  for (;;) {
    const chunk = [...tx.range('key', start, undefined, CHUNK)];
    const pending = new Map<string, { key: Buffer; ki: KeyIndex | undefined }>();
    for (const { key: rk, value } of chunk) {
      const rev = bytesToRev(rk);
      const kv = KeyValue.decode(value);
      const id = kv.key.toString('latin1');
      let entry = pending.get(id);
      if (!entry) {
        entry = { key: kv.key, ki: indexGet(tx, kv.key) };
        pending.set(id, entry);
      }
      if (isTombstone(rk)) {
        // a tombstone of a key whose history was compacted away has nothing to end
        if (entry.ki) kiTombstone(entry.ki, rev);
        leases.delete(id);
        continue;
      }
      if (entry.ki) kiPut(entry.ki, rev);
      else entry.ki = kiRestore({ main: Number(kv.create_revision), sub: 0 }, rev, Number(kv.version));
      if (kv.lease !== 0n) leases.set(id, { key: kv.key, lease: kv.lease });
      else leases.delete(id);
    }
    for (const { key, ki } of pending.values()) if (ki) indexPut(tx, key, ki);
    if (chunk.length < CHUNK) break;
    const last = chunk[chunk.length - 1]!.key;
    const next = bytesToRev(last);
    start = revToBytes({ main: next.main, sub: next.sub + 1 });
  }
  for (const { key, lease } of leases.values()) attachLease(tx, lease, key);
}
