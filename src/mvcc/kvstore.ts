// The MVCC key-value store (mvcc/kvstore.go): revisions, reads at any uncompacted revision,
// write transactions that each take one main revision, compaction and hashes, all over the
// backend's `key` and `meta` buckets in etcd's format plus tetcd's persisted key index.
import type { Backend, BatchTx } from '../backend/index.js';
import type { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { ErrCompacted, ErrFutureRev } from './errors.js';
import { rebuildIndex } from './index-rebuild.js';
import type { CommitListener, RangeOptions, RangeResult, TxnWrite } from './kv.js';
import { runCompaction } from './kvstore-compaction.js';
import { rangeKeys, StoreTxnRead, StoreTxnWrite } from './kvstore-txn.js';
import { hashKV, type HashKVResult } from './hash.js';
import { leasedKeys } from './lease-table.js';
import {
  CONSISTENT_INDEX_KEY,
  FINISHED_COMPACT_KEY,
  INDEX_VERSION,
  INDEX_VERSION_KEY,
  SCHEDULED_COMPACT_KEY,
} from './meta.js';
import { bytesToRev, revToBytes } from './revision.js';

export interface KVStoreOptions {
  /** Revisions examined per compaction batch (etcd's --experimental-compaction-batch-limit). */
  compactionBatchLimit?: number;
  /** Pause between compaction batches, so applies are not starved (etcd: 10 ms). */
  compactionPauseMs?: number;
}

const DEFAULT_COMPACTION_BATCH_LIMIT = 1000;
const DEFAULT_COMPACTION_PAUSE_MS = 10;

export class KVStore {
  private currentRev = 1;
  private compactMainRev = -1;
  private consistentIdx = 0;
  private readonly listeners = new Set<CommitListener>();
  private compactionChain: Promise<void> = Promise.resolve();
  private writing = false;
  private stopped = false;
  readonly compactionBatchLimit: number;
  readonly compactionPauseMs: number;

  private constructor(
    readonly backend: Backend,
    options: KVStoreOptions,
  ) {
    this.compactionBatchLimit = options.compactionBatchLimit ?? DEFAULT_COMPACTION_BATCH_LIMIT;
    this.compactionPauseMs = options.compactionPauseMs ?? DEFAULT_COMPACTION_PAUSE_MS;
  }

  /**
   * Opens the store on a backend: reads the revisions and the consistent index, rebuilds the
   * key index if the backend came from etcd, and resumes a compaction that did not finish.
   */
  static open(backend: Backend, options: KVStoreOptions = {}): KVStore {
    const s = new KVStore(backend, options);
    s.restore();
    return s;
  }

  /** Re-reads everything from the backend after it was replaced (a raft snapshot installed). */
  reload(): void {
    this.currentRev = 1;
    this.compactMainRev = -1;
    this.consistentIdx = 0;
    this.restore();
  }

  private restore(): void {
    const tx = this.backend.readTx();
    const finished = tx.get('meta', FINISHED_COMPACT_KEY);
    if (finished) this.compactMainRev = bytesToRev(finished).main;
    const scheduledBytes = tx.get('meta', SCHEDULED_COMPACT_KEY);
    const scheduled = scheduledBytes ? bytesToRev(scheduledBytes).main : 0;
    const ci = tx.get('meta', CONSISTENT_INDEX_KEY);
    if (ci) this.consistentIdx = Number(ci.readBigUInt64BE(0));
    const last = tx.last('key');
    // keys in [compacted - N, compacted] may all be gone; the revision is then the compaction's
    this.currentRev = Math.max(1, last ? bytesToRev(last.key).main : 0, this.compactMainRev);
    if (!tx.get('tetcd_meta', INDEX_VERSION_KEY)) {
      this.backend.write((btx) => {
        rebuildIndex(btx);
        btx.put('tetcd_meta', INDEX_VERSION_KEY, INDEX_VERSION);
      });
    }
    if (scheduled > 0 && scheduled > this.compactMainRev) {
      this.compactMainRev = scheduled;
      this.scheduleCompaction(scheduled);
    }
  }

  /** The revision of the last completed write transaction. */
  rev(): number {
    return this.currentRev;
  }

  /** The revision of the last compaction, -1 if none (etcd's compactMainRev). */
  compactRev(): number {
    return this.compactMainRev;
  }

  /** The raft index of the last entry applied to this backend. */
  consistentIndex(): number {
    return this.consistentIdx;
  }

  range(key: Buffer, end: Buffer | undefined, options?: RangeOptions): RangeResult {
    return rangeKeys(this.backend.readTx(), this, key, end, this.currentRev, options);
  }

  /** A read view for compares and checks (etcd's ReadView). */
  read(): StoreTxnRead {
    return new StoreTxnRead(this.backend.readTx(), this, this.currentRev);
  }

  /**
   * Runs one write transaction for the raft entry at `consistentIndex`. Its changes take the
   * next main revision; a transaction without changes leaves the revision alone. The consistent
   * index is saved in the same backend transaction. If `fn` throws, changes it already made are
   * kept and published (the store stays consistent) and the error is rethrown: callers make all
   * their checks first, as etcd's appliers do.
   */
  write<T>(consistentIndex: number, fn: (txn: TxnWrite) => T): T {
    if (this.writing) throw new Error('mvcc: nested write transaction');
    this.writing = true;
    let changes: readonly KeyValue[] = [];
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = this.backend.write((btx) => {
        const txn = new StoreTxnWrite(btx, this, this.currentRev);
        let result: { ok: true; value: T } | { ok: false; error: unknown };
        try {
          result = { ok: true, value: fn(txn) };
        } catch (error) {
          result = { ok: false, error };
        }
        this.saveConsistentIndex(btx, consistentIndex);
        changes = txn.changes();
        if (changes.length > 0) this.currentRev++;
        return result;
      });
    } finally {
      this.writing = false;
    }
    if (changes.length > 0) for (const l of this.listeners) l(changes, this.currentRev);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Records an applied raft entry that did not touch the key space. */
  setConsistentIndex(consistentIndex: number): void {
    this.backend.write((btx) => this.saveConsistentIndex(btx, consistentIndex));
  }

  private saveConsistentIndex(btx: BatchTx, index: number): void {
    if (index <= 0) return;
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(index));
    btx.put('meta', CONSISTENT_INDEX_KEY, b);
    this.consistentIdx = index;
  }

  /** Subscribes to committed write transactions; returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Compacts away history before `rev`: reads below it fail from now on; the superseded
   * revisions are removed from the backend in bounded batches in the background. The returned
   * promise resolves when that physical removal has finished (etcd's physical compaction).
   */
  compact(rev: number): Promise<void> {
    if (rev <= this.compactMainRev) throw ErrCompacted();
    if (rev > this.currentRev) throw ErrFutureRev();
    this.compactMainRev = rev;
    this.backend.write((btx) => btx.put('meta', SCHEDULED_COMPACT_KEY, revToBytes({ main: rev, sub: 0 })));
    return this.scheduleCompaction(rev);
  }

  private scheduleCompaction(rev: number): Promise<void> {
    const run = () => (this.stopped ? undefined : runCompaction(this, rev, () => this.stopped));
    this.compactionChain = this.compactionChain.then(run, run);
    return this.compactionChain;
  }

  /** etcd's Hash(): CRC-32C of every etcd bucket except the consistent index. */
  hash(): { hash: number; rev: number } {
    return { hash: this.backend.hash(), rev: this.currentRev };
  }

  /** etcd's HashByRev: CRC-32C of the `key` bucket history up to `rev` (0: current). */
  hashKV(rev: number): HashKVResult {
    return hashKV(this.backend.readTx(), rev, this.currentRev, this.compactMainRev);
  }

  /** Every key that carries a lease, for the lessor to re-attach on restart. */
  leasedKeys(): Array<{ lease: bigint; key: Buffer }> {
    return [...leasedKeys(this.backend.readTx())];
  }

  /** Stops background compaction (it resumes on the next open) and waits for its batch to end. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.compactionChain.catch(() => undefined);
  }
}
