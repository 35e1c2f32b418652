// etcd's HashByRev (mvcc/kvstore.go): CRC-32C (Castagnoli) over the bucket name "key" and then
// every key/value pair of the `key` bucket with main revision <= rev, where revisions <= the
// compact revision count only if compaction at rev would keep them (so a compaction that is still
// removing revisions in the background does not change the hash). As in etcd, if no key keeps
// anything at rev, nothing below the compact revision is skipped.
import { crc32c } from '@node-rs/crc32';
import type { ReadTx } from '../backend/index.js';
import { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { ErrCompacted, ErrFutureRev } from './errors.js';
import { indexGet, indexRange } from './index-store.js';
import { keep } from './key-index.js';
import { bytesToRev, revKey } from './revision.js';

export interface HashKVResult {
  hash: number;
  compactRevision: number;
  /** The store's current revision. */
  rev: number;
}

const KEY_BUCKET_NAME = Buffer.from('key');

function anyKeyKeeps(tx: ReadTx, rev: number): boolean {
  for (const { ki } of indexRange(tx, Buffer.alloc(1, 0), undefined)) if (keep(ki(), rev).length > 0) return true;
  return false;
}

export function hashKV(tx: ReadTx, rev: number, currentRev: number, compactRev: number): HashKVResult {
  if (rev > 0 && rev <= compactRev) throw ErrCompacted();
  if (rev > 0 && rev > currentRev) throw ErrFutureRev();
  const at = rev === 0 ? currentRev : rev;
  const filterCompacted = anyKeyKeeps(tx, at);
  const keptByKey = new Map<string, Set<string>>();
  let h = crc32c(KEY_BUCKET_NAME);
  for (const { key: rk, value } of tx.range('key', Buffer.alloc(1, 0))) {
    const r = bytesToRev(rk);
    if (r.main > at) break;
    if (r.main <= compactRev && filterCompacted) {
      const { key } = KeyValue.decode(value);
      const id = key.toString('latin1');
      let kept = keptByKey.get(id);
      if (!kept) {
        const ki = indexGet(tx, key);
        kept = new Set(ki ? keep(ki, at).map(revKey) : []);
        keptByKey.set(id, kept);
      }
      if (!kept.has(revKey(r))) continue;
    }
    h = crc32c(rk, h);
    h = crc32c(value, h);
  }
  return { hash: h >>> 0, compactRevision: compactRev, rev: currentRev };
}
