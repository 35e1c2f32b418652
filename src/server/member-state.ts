// The replicated state of one member and the code that changes it: committed raft entries are
// applied here in log order, to mvcc (v3 KV), the lessor, alarms and membership, and the raft
// snapshot / WAL release cycle runs here every --snapshot-count applied entries.
//
// One batch of committed entries is ONE backend transaction, consistent index included, so the
// backend is always at an entry boundary: after a crash, the entries after the consistent index
// are re-applied from the WAL and nothing is applied twice.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '../backend/index.js';
import type { KVStore, WatchableStore } from '../mvcc/index.js';
import type { Lessor } from '../lease/index.js';
import { EntryType, decodeConfChange, ConfChangeType, encodeSnapshot, type Entry, type ConfState, type MemoryStorage } from '../raft/index.js';
import type { WAL } from '../wal/index.js';
import type { Snapshotter } from '../snap/snapshotter.js';
import { writeBolt } from '../snap/bbolt/index.js';
import { ETCD_BUCKETS } from '../backend/index.js';
import { InternalRaftRequest } from '../proto/etcdserver/etcdserverpb/raft_internal.js';
import type { RangeRequest, RangeResponse, TxnRequest, TxnResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { applyRange, applyTxn } from './apply/kv.js';
import type { RaftNode } from './raft-node.js';
import type { AlarmStore } from './alarms.js';
import { AppliedWait } from './wait.js';
import { memberFromJson, type Member } from './membership.js';
import type { Logger } from './logger.js';
import type { WatchHandle, WatchSink, WatchSpec } from './types.js';
import { Applier, type ApplyResult } from './applier.js';
import type { ClusterStore } from './cluster-store.js';
import type { IdGenerator } from '../util/idutil.js';

/** etcd: SnapshotCatchUpEntries — entries kept in memory behind a snapshot for slow followers. */
const SNAPSHOT_CATCH_UP_ENTRIES = 5000;

export interface MemberStateDeps {
  memberId: bigint;
  clusterId: bigint;
  backend: Backend;
  kv: KVStore;
  watchable: WatchableStore;
  lessor: Lessor;
  alarms: AlarmStore;
  cluster: ClusterStore;
  storage: MemoryStorage;
  wal: WAL;
  snapshotter: Snapshotter;
  confState: ConfState;
  snapshotIndex: number;
  snapshotCount: number;
  maxSnapshots: number;
  maxWals: number;
  dataDir: string;
  reqIdGen: IdGenerator;
  logger: Logger;
}

export class MemberState {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly backend: Backend;
  readonly kv: KVStore;
  readonly watchable: WatchableStore;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  readonly cluster: ClusterStore;
  readonly appliedWait = new AppliedWait();
  raft!: RaftNode;
  onApplied: (id: bigint, result: ApplyResult) => void = () => {};
  onReadStates: (states: Array<{ index: number; requestCtx: Buffer }>) => void = () => {};
  onLeaderChange: (lead: bigint) => void = () => {};
  private readonly applier: Applier;
  private confState: ConfState;
  private snapshotIndex: number;
  private maintenance: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: MemberStateDeps) {
    this.memberId = deps.memberId;
    this.clusterId = deps.clusterId;
    this.backend = deps.backend;
    this.kv = deps.kv;
    this.watchable = deps.watchable;
    this.lessor = deps.lessor;
    this.alarms = deps.alarms;
    this.cluster = deps.cluster;
    this.confState = deps.confState;
    this.snapshotIndex = deps.snapshotIndex;
    this.applier = new Applier({ kv: deps.kv, lessor: deps.lessor, alarms: deps.alarms, cluster: deps.cluster });
    this.appliedWait.trigger(Math.max(deps.snapshotIndex, deps.kv.consistentIndex()));
  }

  get members(): Map<bigint, Member> {
    return this.cluster.members;
  }

  nextRequestId(): bigint {
    return this.deps.reqIdGen.next();
  }

  nextLeaseId(): bigint {
    // etcd uses the request ID generator for lease IDs too, masked to a positive int64.
    let id = 0n;
    while (id === 0n) id = this.deps.reqIdGen.next() & 0x7fffffffffffffffn;
    return id;
  }

  // ---- apply ----

  /**
   * Applies committed entries in order. Called by the raft loop after they are persisted; the
   * loop awaits it, so maintenance that must not overlap an apply (defragmentation) runs here.
   */
  apply(entries: Entry[]): Promise<void> {
    return this.exclusive(() => this.applyNow(entries));
  }

  private async applyNow(entries: Entry[]): Promise<void> {
    const consistentIndex = this.kv.consistentIndex();
    const results: Array<[bigint, ApplyResult]> = [];
    const last = entries[entries.length - 1]!;
    this.backend.write(() => {
      for (const e of entries) {
        if (e.type === EntryType.ConfChange) this.applyConfChange(e, e.index > consistentIndex);
        else if (e.index <= consistentIndex || e.data.length === 0) continue;
        else {
          const req = decodeRequest(e);
          const result = this.applier.apply(req, e.index);
          results.push([req.header?.ID ?? req.ID, result]);
        }
      }
      if (last.index > this.kv.consistentIndex()) this.kv.setConsistentIndex(last.index);
    });
    this.appliedWait.trigger(last.index);
    for (const [id, result] of results) this.onApplied(id, result);
    if (last.index - this.snapshotIndex > this.deps.snapshotCount) await this.snapshot(last.index);
  }

  private applyConfChange(e: Entry, isNew: boolean): void {
    const cc = decodeConfChange(e.data);
    // raft's configuration is not persisted apart from snapshots: re-apply it on every start
    this.confState = this.raft.node.applyConfChange(cc);
    if (!isNew) return;
    if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode || cc.type === ConfChangeType.UpdateNode) {
      if (cc.context.length > 0) this.cluster.addOrUpdate(memberFromJson(cc.context.toString()));
    } else if (cc.type === ConfChangeType.RemoveNode) {
      this.cluster.remove(cc.nodeId);
    }
  }

  // ---- reads ----

  applyRange(req: RangeRequest): RangeResponse {
    return applyRange(this.kv.read(), req);
  }

  /** A txn without writes, served locally like a range. */
  applyReadOnlyTxn(req: TxnRequest): { resp: TxnResponse; rev: number } {
    return applyTxn(this.kv, 0, req, this.applier.leases);
  }

  watch(spec: WatchSpec, sink: WatchSink): WatchHandle {
    const w = this.watchable.watch(
      {
        key: spec.key,
        end: spec.rangeEnd,
        startRev: spec.startRevision,
        prevKv: spec.prevKv,
        filters: { noPut: spec.noPut, noDelete: spec.noDelete },
      },
      (events, rev) => sink.events(events, rev),
      (rev) => sink.compacted(rev),
    );
    return { cancel: () => w.cancel() };
  }

  // ---- snapshots, maintenance ----

  /**
   * A raft snapshot: the backend is made durable first (it holds the consistent index), then the
   * .snap file and the WAL snapshot record are written, and only then are older WAL segments
   * released — at every moment the data dir can recover every acknowledged entry.
   */
  private async snapshot(index: number): Promise<void> {
    this.snapshotIndex = index;
    this.deps.logger.info({ 'local-member-applied-index': index, 'local-member-snapshot-count': this.deps.snapshotCount }, 'triggering snapshot');
    await this.backend.sync();
    const snap = this.deps.storage.createSnapshot(index, this.confState, Buffer.alloc(0));
    await this.deps.snapshotter.save(encodeSnapshot(snap), snap.metadata.term, snap.metadata.index);
    await this.deps.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term });
    await this.deps.wal.releaseLockTo(index);
    this.deps.logger.info({ 'snapshot-index': index }, 'saved snapshot');
    if (index > SNAPSHOT_CATCH_UP_ENTRIES) {
      const compactIndex = index - SNAPSHOT_CATCH_UP_ENTRIES;
      if (compactIndex > this.deps.storage.firstIndex()) {
        this.deps.storage.compact(compactIndex);
        this.deps.logger.info({ 'compact-index': compactIndex }, 'compacted Raft logs');
      }
    }
    if (this.deps.maxSnapshots > 0) await this.deps.snapshotter.purge(this.deps.maxSnapshots);
    if (this.deps.maxWals > 0) await this.deps.wal.purgeSegments(this.deps.maxWals);
  }

  /** Runs `fn` after every apply and maintenance task queued before it, and alone. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(fn);
    this.maintenance = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  defragment(): Promise<void> {
    return this.exclusive(() => this.backend.defragment());
  }

  /**
   * The backend as an etcd 3.4 bbolt file (what `etcdctl snapshot save` receives): a consistent
   * copy of the LMDB file is taken first, then converted, so writes go on meanwhile.
   */
  async snapshotStream(): Promise<{ size: number; chunks: AsyncIterable<Buffer> }> {
    const { Backend } = await import('../backend/index.js');
    const dir = join(this.deps.dataDir, 'member', 'snap');
    const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const copyPath = join(dir, `db.snapshot-${stamp}.tmp`);
    const boltPath = join(dir, `db.bolt-${stamp}.tmp`);
    try {
      await this.backend.copyTo(copyPath);
      const copy = Backend.open(copyPath);
      let size: number;
      try {
        const buckets = ETCD_BUCKETS.map((name) => ({ name: Buffer.from(name), entries: bucketEntries(copy, name) }));
        ({ size } = await writeBolt(buckets, boltPath));
      } finally {
        await copy.close();
        await rm(copyPath, { force: true });
        await rm(copyPath + '-lock', { force: true });
      }
      return { size, chunks: streamAndRemove(boltPath) };
    } catch (err) {
      await rm(boltPath, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.raft.stop();
    await this.maintenance;
    this.lessor.stop();
    this.watchable.close();
    await this.kv.close();
    await this.backend.sync();
    await this.backend.close();
    await this.deps.wal.close();
  }
}

function decodeRequest(e: Entry): InternalRaftRequest {
  try {
    return InternalRaftRequest.decode(e.data);
  } catch (err) {
    // A committed entry we cannot decode would make members diverge: stop loudly.
    throw new Error(`etcdserver: failed to decode raft entry ${e.index}: ${(err as Error).message}`);
  }
}

function* bucketEntries(b: Backend, bucket: (typeof ETCD_BUCKETS)[number]): Iterable<[Buffer, Buffer]> {
  for (const { key, value } of b.range(bucket, Buffer.alloc(0))) {
    if (key.length > 0) yield [Buffer.from(key), Buffer.from(value)];
  }
}

async function* streamAndRemove(path: string): AsyncIterable<Buffer> {
  const { createReadStream } = await import('node:fs');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
  } finally {
    await rm(path, { force: true });
  }
}
