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
import { EntryType, decodeConfChange, ConfChangeType, encodeSnapshot, type Entry, type ConfState, type MemoryStorage, type Snapshot, type Message } from '../raft/index.js';
import type { WAL } from '../wal/index.js';
import type { Snapshotter } from '../snap/snapshotter.js';
import { writeBolt } from '../snap/bbolt/index.js';
import { ETCD_BUCKETS } from '../backend/index.js';
import { InternalRaftRequest } from '../proto/etcdserver/etcdserverpb/raft_internal.js';
import { decodeV2Request, type V2Store } from '../v2store/index.js';
import { topLevelField } from '../util/protowire.js';
import type { Request as V2Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { idToHex } from './membership.js';
import type { RangeRequest, RangeResponse, TxnRequest, TxnResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { applyRange, applyTxn } from './apply/kv.js';
import type { RaftNode } from './raft-node.js';
import type { AlarmStore } from './alarms.js';
import { AppliedWait } from './wait.js';
import { memberFromJson, type Member } from './membership.js';
import { EtcdServerError } from './errors.js';
import type { Logger } from './logger.js';
import type { WatchHandle, WatchSink, WatchSpec } from './types.js';
import { Applier, type ApplyResult } from './applier.js';
import type { ClusterStore } from './cluster-store.js';
import type { AuthStore } from '../auth/index.js';
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
  auth: AuthStore;
  v2: V2Store;
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
  readonly auth: AuthStore;
  readonly v2: V2Store;
  readonly appliedWait = new AppliedWait();
  raft!: RaftNode;
  /** A joining member: the members the running cluster reported, to reach them before the log arrives. */
  remotePeers: Member[] = [];
  onApplied: (id: bigint, result: ApplyResult) => void = () => {};
  onReadStates: (states: Array<{ index: number; requestCtx: Buffer }>) => void = () => {};
  onLeaderChange: (lead: bigint) => void = () => {};
  /** Sends raft messages to peers (set by whoever owns the peer transport; none for one member). */
  send: (msgs: Message[]) => void = () => {};
  /** A membership change was applied (peers to add to or remove from the transport). */
  onMembershipChange: (type: ConfChangeType, id: bigint, member: Member | undefined) => void = () => {};
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
    this.v2 = deps.v2;
    this.auth = deps.auth;
    this.confState = deps.confState;
    this.snapshotIndex = deps.snapshotIndex;
    this.applier = new Applier({ kv: deps.kv, lessor: deps.lessor, alarms: deps.alarms, cluster: deps.cluster, v2: deps.v2, auth: deps.auth });
    // v2 state is rebuilt by replaying the log from the snapshot: reads wait for that replay
    this.appliedWait.trigger(deps.snapshotIndex);
  }

  get members(): Map<bigint, Member> {
    return this.cluster.members;
  }

  /** The members in ascending ID order, as etcd lists them. */
  sortedMembers(): Member[] {
    return this.cluster.sorted();
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
        if (e.type === EntryType.ConfChange) {
          const r = this.applyConfChange(e, e.index > consistentIndex);
          if (r) results.push(r);
        }
        else if (e.data.length === 0) continue;
        else if (isInternalRequest(e.data)) {
          // v3 state lives in the backend: entries it already holds are not applied (nor decoded)
          // again; a v2 request nested in one (older etcds) is, as the v2 store is rebuilt
          if (e.index <= consistentIndex && topLevelField(e.data, 2) === undefined) continue;
          const req = decodeRequest(e);
          if (req.v2) results.push([req.v2.ID ?? 0n, this.applier.applyV2(decodeV2Nested(e.data, req))]);
          else results.push([req.header?.ID ?? req.ID, this.applier.apply(req, e.index)]);
        } else {
          const req = decodeV2Request(e.data);
          results.push([req.ID ?? 0n, this.applier.applyV2(req)]);
        }
      }
      if (last.index > this.kv.consistentIndex()) this.kv.setConsistentIndex(last.index);
    });
    this.appliedWait.trigger(last.index);
    for (const [id, result] of results) this.onApplied(id, result);
    if (last.index - this.snapshotIndex > this.deps.snapshotCount) await this.snapshot(last.index);
  }

  /**
   * A committed membership change. It is checked first (etcd's ValidateConfigurationChange)
   * against the membership as the v2 store records it at this point of the log, which is rebuilt
   * in log order on every start: a change refused once is refused again on replay, so raft's
   * configuration (never persisted apart from snapshots) comes out the same every time.
   */
  private applyConfChange(e: Entry, isNew: boolean): [bigint, ApplyResult] | undefined {
    const cc = decodeConfChange(e.data);
    const member = cc.context.length > 0 ? memberFromJson(cc.context.toString()) : undefined;
    const refused = this.validateConfChange(cc.type, cc.nodeId, member);
    if (refused) return cc.id === 0n ? undefined : [cc.id, { error: refused }];
    this.confState = this.raft.node.applyConfChange(cc);
    const hex = idToHex(cc.nodeId);
    if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode || cc.type === ConfChangeType.UpdateNode) {
      if (member) {
        // etcd keeps the members in its v2 store too (what `backup` and v2 snapshots carry)
        const raftAttrs = JSON.stringify({ peerURLs: member.peerURLs, ...(member.isLearner ? { isLearner: true } : {}) });
        this.v2.set(`/0/members/${hex}/raftAttributes`, false, raftAttrs, { expireTime: 0n });
        if (isNew) this.cluster.addOrUpdate(member);
      }
    } else if (cc.type === ConfChangeType.RemoveNode) {
      try {
        this.v2.delete(`/0/members/${hex}`, true, true);
      } catch {
        // not there: nothing to remove
      }
      this.v2.set(`/0/removed_members/${hex}`, false, '', { expireTime: 0n });
      if (isNew) this.cluster.remove(cc.nodeId);
    }
    if (isNew) this.onMembershipChange(cc.type, cc.nodeId, this.cluster.members.get(cc.nodeId));
    if (cc.id === 0n) return undefined;
    return [cc.id, { response: { members: this.cluster.sorted() }, rev: this.kv.rev() }];
  }

  /** The members and removed IDs as the v2 store has them now (`/0/members`, `/0/removed_members`). */
  private v2Membership(): { peerURLs: Map<bigint, string[]>; learners: Set<bigint>; removed: Set<bigint> } {
    const peerURLs = new Map<bigint, string[]>();
    const learners = new Set<bigint>();
    const removed = new Set<bigint>();
    const dir = (path: string) => {
      try {
        return this.v2.get(path, true, false).node.nodes ?? [];
      } catch {
        return [];
      }
    };
    for (const n of dir('/0/members')) {
      const id = BigInt('0x' + n.key.split('/').pop()!);
      const attrs = (n.nodes ?? []).find((c) => c.key.endsWith('/raftAttributes'));
      const parsed = attrs?.value ? (JSON.parse(attrs.value) as { peerURLs?: string[]; isLearner?: boolean }) : {};
      peerURLs.set(id, parsed.peerURLs ?? []);
      if (parsed.isLearner) learners.add(id);
    }
    for (const n of dir('/0/removed_members')) removed.add(BigInt('0x' + n.key.split('/').pop()!));
    return { peerURLs, learners, removed };
  }

  private validateConfChange(type: ConfChangeType, id: bigint, member: Member | undefined): Error | undefined {
    const { peerURLs, learners, removed } = this.v2Membership();
    if (removed.has(id)) return new EtcdServerError('etcdserver: member not found'); // etcd: ErrIDRemoved
    const urlTaken = (urls: string[]) => {
      for (const [other, theirs] of peerURLs) if (other !== id && urls.some((u) => theirs.includes(u))) return true;
      return false;
    };
    switch (type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearnerNode:
        if (peerURLs.has(id)) {
          // adding a learner's ID as a voter is its promotion
          if (type === ConfChangeType.AddNode && learners.has(id) && member && !member.isLearner) return undefined;
          return new EtcdServerError('etcdserver: member ID already exist');
        }
        if (member && urlTaken(member.peerURLs)) return new EtcdServerError('etcdserver: Peer URLs already exists');
        return undefined;
      case ConfChangeType.RemoveNode:
        if (!peerURLs.has(id)) return new EtcdServerError('etcdserver: member not found');
        return undefined;
      case ConfChangeType.UpdateNode:
        if (!peerURLs.has(id)) return new EtcdServerError('etcdserver: member not found');
        if (member && urlTaken(member.peerURLs)) return new EtcdServerError('etcdserver: Peer URLs already exists');
        return undefined;
      default:
        return undefined;
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
    // as etcd: the raft snapshot carries the v2 store (the v3 state is the backend itself)
    const snap = this.deps.storage.createSnapshot(index, this.confState, Buffer.from(this.v2.save()));
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

  /**
   * Installs a raft snapshot sent by the leader (this member was too far behind its log): the
   * snapshot is made durable (.snap file, WAL record), raft's storage is reset to it, and the
   * state machine is replaced by the db file that came with it — backend, key index, leases,
   * alarms, membership and the v2 store all reload from it; watchers catch up from it.
   */
  async installSnapshot(snap: Snapshot, dbPath: string): Promise<void> {
    const { index, term } = snap.metadata;
    this.deps.logger.info({ 'snapshot-index': index, 'snapshot-term': term }, 'applying snapshot');
    await this.deps.snapshotter.save(encodeSnapshot(snap), term, index);
    await this.deps.wal.saveSnapshot({ index, term });
    this.deps.storage.applySnapshot(snap);
    await this.exclusive(async () => {
      await this.backend.replaceWith(dbPath);
      this.kv.reload();
      this.watchable.resync();
      this.lessor.recover();
      attachLeasedKeys(this.kv, this.lessor, this.deps.logger);
      this.alarms.reload();
      this.cluster.reload();
      this.auth.recover();
      if (snap.data.length > 0) this.v2.recover(snap.data.toString());
      this.confState = snap.metadata.confState;
      this.snapshotIndex = index;
    });
    this.appliedWait.trigger(index);
    for (const m of this.cluster.members.values()) this.onMembershipChange(ConfChangeType.AddNode, m.id, m);
    this.deps.logger.info({ 'snapshot-index': index }, 'applied snapshot');
  }

  /**
   * What a leader sends to a member that needs a snapshot, made as etcd's
   * createMergedSnapshotMessage makes it: not the last raft snapshot (whose configuration may
   * predate the member), but the state applied now — applied index and its term, the current
   * configuration, the v2 store and a consistent copy of the backend, all taken between two
   * applies.
   */
  mergedSnapshot(m: Message): Promise<{ msg: Message; db: { path: string; size: number; cleanup(): Promise<void> } }> {
    return this.exclusive(async () => {
      const index = this.appliedWait.appliedIndex;
      const term = this.deps.storage.term(index);
      const data = Buffer.from(this.v2.save());
      const confState = { voters: [...this.confState.voters], learners: [...this.confState.learners] };
      const dir = join(this.deps.dataDir, 'member', 'snap');
      const path = join(dir, `db.send-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
      await this.backend.copyTo(path);
      const { statSync } = await import('node:fs');
      const db = {
        path,
        size: statSync(path).size,
        cleanup: async () => {
          await rm(path, { force: true });
          await rm(`${path}-lock`, { force: true });
        },
      };
      return { msg: { ...m, snapshot: { data, metadata: { index, term, confState } } }, db };
    });
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
    this.auth.close();
    this.watchable.close();
    await this.kv.close();
    await this.backend.sync();
    await this.backend.close();
    await this.deps.wal.close();
  }
}

/**
 * etcd 3.4 proposes v3 requests as an InternalRaftRequest, always with its header (field 100),
 * and v2 requests as a bare etcdserverpb.Request, whose fields stop at 17: the header tells them
 * apart (etcd itself tries one decoding, then the other).
 */
function isInternalRequest(data: Buffer): boolean {
  return topLevelField(data, 100) !== undefined;
}

/** The v2 request nested in an InternalRaftRequest (field 2), decoded so that unset PrevExist/Refresh stay unset. */
function decodeV2Nested(data: Buffer, req: InternalRaftRequest): V2Request {
  const bytes = topLevelField(data, 2);
  return bytes ? decodeV2Request(bytes) : req.v2!;
}

/** Keys remember their lease; the lessor learns the attachments back from mvcc. */
export function attachLeasedKeys(kv: KVStore, lessor: Lessor, logger: Logger): void {
  const byLease = new Map<bigint, Buffer[]>();
  for (const { lease, key } of kv.leasedKeys()) {
    const keys = byLease.get(lease) ?? [];
    keys.push(key);
    byLease.set(lease, keys);
  }
  for (const [lease, keys] of byLease) {
    if (lessor.exists(lease)) lessor.attach(lease, keys);
    else logger.warn({ 'lease-id': lease.toString(16), keys: keys.length }, 'keys refer to a lease that does not exist');
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
