// The replicated state of one member and the code that changes it: committed raft entries are
// applied here in log order, to mvcc (v3 KV), the lessor, alarms and membership, and the raft
// snapshot / WAL release cycle runs here every --snapshot-count applied entries.
import type { Backend } from '../backend/index.js';
import type { WatchableStore } from '../mvcc/index.js';
import type { Lessor } from '../lease/index.js';
import { EntryType, decodeConfChange, ConfChangeType, type Entry, type ConfState, type MemoryStorage } from '../raft/index.js';
import type { WAL } from '../wal/index.js';
import type { Snapshotter } from '../snap/snapshotter.js';
import { InternalRaftRequest } from '../proto/etcdserver/etcdserverpb/raft_internal.js';
import type { RangeRequest, RangeResponse, TxnRequest, TxnResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';
import type { RaftNode } from './raft-node.js';
import type { AlarmStore } from './alarms.js';
import { AppliedWait } from './wait.js';
import { memberFromJson, type Member } from './membership.js';
import type { Logger } from './logger.js';
import type { WatchHandle, WatchSink, WatchSpec } from './types.js';
import type { ApplyResult } from './server.js';
import { Applier } from './applier.js';
import type { IdGenerator } from '../util/idutil.js';

/** etcd: SnapshotCatchUpEntries — entries kept in memory behind a snapshot for slow followers. */
const SNAPSHOT_CATCH_UP_ENTRIES = 5000;

export interface MemberStateDeps {
  memberId: bigint;
  clusterId: bigint;
  backend: Backend;
  kv: WatchableStore;
  lessor: Lessor;
  alarms: AlarmStore;
  storage: MemoryStorage;
  wal: WAL;
  snapshotter: Snapshotter;
  members: Map<bigint, Member>;
  confState: ConfState;
  snapshotIndex: number;
  snapshotCount: number;
  maxTxnOps: number;
  reqIdGen: IdGenerator;
  logger: Logger;
}

export class MemberState {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly backend: Backend;
  readonly kv: WatchableStore;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  readonly members: Map<bigint, Member>;
  readonly appliedWait = new AppliedWait();
  raft!: RaftNode;
  onApplied: (id: bigint, result: ApplyResult) => void = () => {};
  onReadStates: (states: Array<{ index: number; requestCtx: Buffer }>) => void = () => {};
  onLeaderChange: (lead: bigint) => void = () => {};
  private readonly applier: Applier;
  private confState: ConfState;
  private snapshotIndex: number;

  constructor(private readonly deps: MemberStateDeps) {
    this.memberId = deps.memberId;
    this.clusterId = deps.clusterId;
    this.backend = deps.backend;
    this.kv = deps.kv;
    this.lessor = deps.lessor;
    this.alarms = deps.alarms;
    this.members = deps.members;
    this.confState = deps.confState;
    this.snapshotIndex = deps.snapshotIndex;
    this.applier = new Applier({ kv: deps.kv, lessor: deps.lessor, alarms: deps.alarms, maxTxnOps: deps.maxTxnOps, logger: deps.logger });
    this.appliedWait.trigger(deps.snapshotIndex);
  }

  nextRequestId(): bigint {
    return this.deps.reqIdGen.next();
  }

  nextLeaseId(): bigint {
    // etcd uses the request ID generator for lease IDs too, masked to a positive int64.
    return this.deps.reqIdGen.next() & 0x7fffffffffffffffn;
  }

  // ---- apply ----

  /** Applies committed entries in order. Called by the raft loop after they are persisted. */
  apply(entries: Entry[]): void {
    const consistentIndex = this.kv.consistentIndex();
    for (const e of entries) {
      if (e.type === EntryType.ConfChange) {
        this.applyConfChange(e);
      } else if (e.type === EntryType.Normal && e.data.length > 0 && e.index > consistentIndex) {
        this.applyNormal(e);
      } else if (e.index > consistentIndex) {
        // An empty entry (a new leader's first) still moves the consistent index.
        this.kv.setConsistentIndex(e.index);
      }
    }
    const last = entries[entries.length - 1];
    if (!last) return;
    this.appliedWait.trigger(last.index);
    this.maybeSnapshot(last.index);
  }

  private applyNormal(e: Entry): void {
    let req: InternalRaftRequest;
    try {
      req = InternalRaftRequest.decode(e.data);
    } catch (err) {
      // A committed entry we cannot decode would make members diverge: stop loudly.
      throw new Error(`etcdserver: failed to decode raft entry ${e.index}: ${(err as Error).message}`);
    }
    const id = req.header?.ID ?? req.ID;
    const result = this.applier.apply(req, e.index);
    this.onApplied(id, result);
  }

  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    this.confState = this.raft.node.applyConfChange(cc);
    if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode) {
      if (cc.context.length > 0) {
        const m = memberFromJson(cc.context.toString());
        const prev = this.members.get(m.id);
        this.members.set(m.id, { ...m, name: prev?.name || m.name, clientURLs: prev?.clientURLs.length ? prev.clientURLs : m.clientURLs });
      }
    } else if (cc.type === ConfChangeType.RemoveNode) {
      this.members.delete(cc.nodeId);
    }
    if (e.index > this.kv.consistentIndex()) this.kv.setConsistentIndex(e.index);
  }

  /** Records this member's name and client URLs (etcd publishes them through raft). */
  publishAttributes(name: string, clientURLs: string[]): void {
    const m = this.members.get(this.memberId);
    if (m) this.members.set(this.memberId, { ...m, name, clientURLs });
  }

  // ---- reads ----

  applyRange(req: RangeRequest): RangeResponse {
    return this.applier.range(req);
  }

  isReadOnlyTxn(req: TxnRequest): boolean {
    return this.applier.isReadOnlyTxn(req);
  }

  applyReadOnlyTxn(req: TxnRequest): TxnResponse {
    return this.applier.readOnlyTxn(req);
  }

  txnSize(req: TxnRequest): number {
    return InternalRaftRequest.encode({ txn: req } as InternalRaftRequest).len;
  }

  watch(spec: WatchSpec, sink: WatchSink): WatchHandle {
    return this.kv.watch(spec, sink);
  }

  // ---- snapshots, maintenance ----

  private maybeSnapshot(applied: number): void {
    if (applied - this.snapshotIndex <= this.deps.snapshotCount) return;
    this.snapshotIndex = applied;
    void this.snapshot(applied).catch((err: Error) => {
      this.deps.logger.fatal({ error: err.message }, 'failed to save snapshot');
      process.exitCode = 1;
    });
  }

  /**
   * A raft snapshot: the backend is made durable first (it holds the consistent index), then the
   * .snap file and the WAL snapshot record are written, and only then are older WAL segments
   * released — at every moment the data dir can recover every acknowledged entry.
   */
  private async snapshot(index: number): Promise<void> {
    this.deps.logger.info({ 'local-member-applied-index': index }, 'triggering snapshot');
    await this.backend.sync();
    const snap = this.deps.storage.createSnapshot(index, this.confState, Buffer.alloc(0));
    await this.deps.snapshotter.save(snap);
    await this.deps.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term });
    this.deps.logger.info({ 'snapshot-index': index }, 'saved snapshot');
    await this.deps.wal.releaseLockTo(index);
    const compactIndex = index > SNAPSHOT_CATCH_UP_ENTRIES ? index - SNAPSHOT_CATCH_UP_ENTRIES : 1;
    try {
      this.deps.storage.compact(compactIndex);
      this.deps.logger.info({ 'compact-index': compactIndex }, 'compacted Raft logs');
    } catch {
      // Already compacted further: nothing to do.
    }
  }

  async defragment(): Promise<void> {
    await this.backend.defragment();
  }

  async snapshotStream(): Promise<{ size: number; chunks: AsyncIterable<Buffer> }> {
    return this.backend.exportBolt();
  }

  async close(): Promise<void> {
    await this.raft.stop();
    this.kv.close();
    await this.backend.sync();
    this.backend.close();
    await this.deps.wal.close();
  }
}
