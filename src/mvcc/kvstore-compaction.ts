// Physical compaction (mvcc/kvstore_compaction.go): removes from the `key` bucket every revision
// <= the compact revision that compaction does not keep, in bounded batches with a pause between
// them, then records finishedCompactRev. Instead of etcd's in-memory "keep" set of every key, each
// batch compacts the index entry of each key it meets and keeps what that entry keeps; compacting
// an entry at the same revision again keeps the same revision, so batches may split a key's history.
import { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { indexGet, indexPut } from './index-store.js';
import { compact as kiCompact, isEmpty } from './key-index.js';
import { FINISHED_COMPACT_KEY } from './meta.js';
import { bytesToRev, revKey, revToBytes } from './revision.js';
import type { KVStore } from './kvstore.js';

/** One batch: returns where the next starts, or undefined when done. */
function compactBatch(store: KVStore, rev: number, from: Buffer): Buffer | undefined {
  const end = revToBytes({ main: rev + 1, sub: 0 });
  return store.backend.write((tx) => {
    const entries = [...tx.range('key', from, end, store.compactionBatchLimit)];
    const kept = new Map<string, Set<string>>();
    for (const { key: rk, value } of entries) {
      const { key } = KeyValue.decode(value);
      const id = key.toString('latin1');
      let keep = kept.get(id);
      if (!keep) {
        const ki = indexGet(tx, key);
        keep = new Set();
        if (ki) {
          for (const r of kiCompact(ki, rev)) keep.add(revKey(r));
          indexPut(tx, key, isEmpty(ki) ? undefined : ki);
        }
        kept.set(id, keep);
      }
      if (!keep.has(revKey(bytesToRev(rk)))) tx.delete('key', rk);
    }
    if (entries.length < store.compactionBatchLimit) {
      tx.put('meta', FINISHED_COMPACT_KEY, revToBytes({ main: rev, sub: 0 }));
      return undefined;
    }
    const last = bytesToRev(entries[entries.length - 1]!.key);
    return revToBytes({ main: last.main, sub: last.sub + 1 });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runCompaction(store: KVStore, rev: number, stopped: () => boolean): Promise<void> {
  let from: Buffer | undefined = Buffer.alloc(1, 0);
  while (from !== undefined) {
    if (stopped()) return;
    if (!store.backend.canStartWrite()) {
      await sleep(store.compactionPauseMs);
      continue;
    }
    from = compactBatch(store, rev, from);
    if (from !== undefined) await sleep(store.compactionPauseMs);
  }
}
