// Read and write transactions over the store (mvcc/kvstore_txn.go). All changes of one write
// transaction share one main revision (the store's current + 1) with increasing sub revisions.
import type { BatchTx, ReadTx } from '../backend/index.js';
import { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { ErrCompacted, ErrFutureRev } from './errors.js';
import { indexGet, indexPut, indexRange } from './index-store.js';
import { get as kiGet, liveAtLatest, newKeyIndex, put as kiPut, tombstone as kiTombstone, type KeyIndex } from './key-index.js';
import type { DeleteResult, PutResult, RangeOptions, RangeResult, TxnRead, TxnWrite } from './kv.js';
import { attachLease, detachLease } from './lease-table.js';
import { revToBytes, type Revision } from './revision.js';

/** What a transaction needs to know of the store it runs on. */
export interface StoreView {
  compactRev(): number;
}

const KEY_BUCKET = 'key';

export function encodeKv(kv: KeyValue): Buffer {
  const u8 = KeyValue.encode(kv).finish();
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Whether `end` selects a single key, everything from key on (`\0`), or [key, end). */
export function rangeEnd(end: Buffer | undefined): 'single' | 'open' | Buffer {
  if (end === undefined || end.length === 0) return 'single';
  if (end.length === 1 && end[0] === 0) return 'open';
  return end;
}

/** Live keys at atRev in the range, in key order, with the revision holding each key's value. */
export function* liveKeys(
  tx: ReadTx,
  key: Buffer,
  end: Buffer | undefined,
  atRev: number,
): Generator<{ key: Buffer; rev: Revision }> {
  const e = rangeEnd(end);
  if (e === 'single') {
    const ki = indexGet(tx, key);
    const g = ki && kiGet(ki, atRev);
    if (g) yield { key, rev: g.modified };
    return;
  }
  if (e !== 'open' && Buffer.compare(key, e) >= 0) return;
  for (const entry of indexRange(tx, key, e === 'open' ? undefined : e)) {
    const g = kiGet(entry.ki(), atRev);
    if (g) yield { key: entry.key, rev: g.modified };
  }
}

export function readKv(tx: ReadTx, rev: Revision): KeyValue {
  const v = tx.get(KEY_BUCKET, revToBytes(rev));
  if (!v) throw new Error(`mvcc: index points to missing revision ${rev.main}.${rev.sub}`);
  return KeyValue.decode(v);
}

export function rangeKeys(
  tx: ReadTx,
  store: StoreView,
  key: Buffer,
  end: Buffer | undefined,
  curRev: number,
  options: RangeOptions = {},
): RangeResult {
  const rev = options.rev ?? 0;
  if (rev > curRev) throw ErrFutureRev();
  const atRev = rev <= 0 ? curRev : rev;
  if (atRev < store.compactRev()) throw ErrCompacted();
  const limit = options.limit ?? 0;
  const e = rangeEnd(end);
  if (options.countOnly && atRev === curRev && e !== 'single') {
    // Counting at the latest revision needs only "is the last generation live" per key.
    if (e !== 'open' && Buffer.compare(key, e) >= 0) return { kvs: [], count: 0, rev: curRev };
    let live = 0;
    for (const entry of indexRange(tx, key, e === 'open' ? undefined : e)) if (liveAtLatest(entry.body)) live++;
    return { kvs: [], count: live, rev: curRev };
  }
  const revs: Revision[] = [];
  let count = 0;
  for (const live of liveKeys(tx, key, end, atRev)) {
    count++;
    if (!options.countOnly && (limit <= 0 || revs.length < limit)) revs.push(live.rev);
  }
  return { kvs: revs.map((r) => readKv(tx, r)), count, rev: curRev };
}

export class StoreTxnRead implements TxnRead {
  constructor(
    protected readonly tx: ReadTx,
    protected readonly store: StoreView,
    protected readonly beginRev: number,
  ) {}

  range(key: Buffer, end: Buffer | undefined, options?: RangeOptions): RangeResult {
    return rangeKeys(this.tx, this.store, key, end, this.beginRev, options);
  }

  rev(): number {
    return this.beginRev;
  }

  firstRev(): number {
    return this.store.compactRev();
  }
}

export class StoreTxnWrite extends StoreTxnRead implements TxnWrite {
  private readonly changed: KeyValue[] = [];

  constructor(
    private readonly btx: BatchTx,
    store: StoreView,
    beginRev: number,
  ) {
    super(btx, store, beginRev);
  }

  /** Reads see this transaction's own changes, at its revision. */
  override range(key: Buffer, end: Buffer | undefined, options?: RangeOptions): RangeResult {
    const rev = this.changed.length > 0 ? this.beginRev + 1 : this.beginRev;
    return rangeKeys(this.tx, this.store, key, end, rev, options);
  }

  changes(): readonly KeyValue[] {
    return this.changed;
  }

  private nextRev(): Revision {
    return { main: this.beginRev + 1, sub: this.changed.length };
  }

  put(key: Buffer, value: Buffer, lease: bigint): PutResult {
    const rev = this.nextRev();
    const ki: KeyIndex = indexGet(this.btx, key) ?? newKeyIndex();
    const before = kiGet(ki, rev.main);
    const prev = before ? readKv(this.btx, before.modified) : undefined;
    const kv: KeyValue = {
      key,
      value,
      create_revision: BigInt(before ? before.created.main : rev.main),
      mod_revision: BigInt(rev.main),
      version: BigInt((before?.ver ?? 0) + 1),
      lease,
    };
    this.btx.put(KEY_BUCKET, revToBytes(rev), encodeKv(kv));
    kiPut(ki, rev);
    indexPut(this.btx, key, ki);
    if (prev && prev.lease !== 0n) detachLease(this.btx, prev.lease, key);
    if (lease !== 0n) attachLease(this.btx, lease, key);
    this.changed.push(kv);
    return prev ? { prev, rev: rev.main } : { rev: rev.main };
  }

  deleteRange(key: Buffer, end: Buffer | undefined): DeleteResult {
    const atRev = this.changed.length > 0 ? this.beginRev + 1 : this.beginRev;
    const live = [...liveKeys(this.btx, key, end, atRev)];
    const prevKvs = live.map((l) => readKv(this.btx, l.rev));
    for (const prev of prevKvs) this.delete(prev);
    const rev = this.changed.length > 0 ? this.beginRev + 1 : this.beginRev;
    return { deleted: prevKvs.length, prevKvs, rev };
  }

  private delete(prev: KeyValue): void {
    const rev = this.nextRev();
    const tombstone: KeyValue = {
      key: prev.key,
      value: Buffer.alloc(0),
      create_revision: 0n,
      mod_revision: 0n,
      version: 0n,
      lease: 0n,
    };
    this.btx.put(KEY_BUCKET, revToBytes(rev, true), encodeKv(tombstone));
    const ki = indexGet(this.btx, prev.key);
    if (!ki || !kiTombstone(ki, rev)) throw new Error(`mvcc: cannot tombstone a key that is not live`);
    indexPut(this.btx, prev.key, ki);
    if (prev.lease !== 0n) detachLease(this.btx, prev.lease, prev.key);
    this.changed.push(tombstone);
  }
}
