// Starting a member from its data dir: a new single-member cluster is created with etcd's
// layout and IDs; an existing data dir is recovered (backend + newest raft snapshot + the WAL
// after it), and the entries after the backend's consistent index are re-applied.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Backend, detectDbFormat } from '../backend/index.js';
import { WatchableStore } from '../mvcc/index.js';
import { Lessor, encodeLeaseRecord, decodeLeaseRecord } from '../lease/index.js';
import { MemoryStorage, encodeConfChange, ConfChangeType, EntryType, type Entry, type ConfState } from '../raft/index.js';
import { WAL } from '../wal/index.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { Metadata } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { IdGenerator } from '../util/idutil.js';
import { AlarmStore } from './alarms.js';
import { computeClusterId, computeMemberId, idToHex, memberToJson, type Member } from './membership.js';
import { MemberState } from './member-state.js';
import { RaftNode } from './raft-node.js';
import type { Logger } from './logger.js';

export interface BootstrapConfig {
  name: string;
  dataDir: string;
  walDir: string;
  initialCluster: Map<string, string[]>;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  advertiseClientUrls: string[];
  snapshotCount: number;
  heartbeatMs: number;
  electionMs: number;
  maxTxnOps: number;
  maxSnapshots: number;
  maxWals: number;
  logger: Logger;
}

const LEASE_BUCKET = 'lease';
const ALARM_BUCKET = 'alarm';
const MEMBERS_BUCKET = 'members';

export class BootstrapError extends Error {}

export async function bootstrapMember(cfg: BootstrapConfig): Promise<MemberState> {
  const memberDir = join(cfg.dataDir, 'member');
  const snapDir = join(memberDir, 'snap');
  const haveWal = existsSync(cfg.walDir) && readdirSync(cfg.walDir).some((f) => f.endsWith('.wal'));
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(snapDir, { recursive: true, mode: 0o700 });
  const dbPath = join(snapDir, 'db');
  const format = detectDbFormat(dbPath);
  if (format === 'bbolt') {
    throw new BootstrapError(`${dbPath} is an etcd (bbolt) database; importing it into tetcd is not supported yet`);
  }
  if (format === 'unknown') throw new BootstrapError(`${dbPath}: not a tetcd database (corrupt or foreign file); refusing to start`);
  const backend = Backend.open(dbPath);
  try {
    return haveWal ? await restartMember(cfg, backend, snapDir) : await newMember(cfg, backend, snapDir);
  } catch (err) {
    backend.close();
    throw err;
  }
}

async function newMember(cfg: BootstrapConfig, backend: Backend, snapDir: string): Promise<MemberState> {
  if (cfg.initialClusterState === 'existing') {
    throw new BootstrapError('joining an existing cluster (--initial-cluster-state=existing) is not supported yet: tetcd runs single-member clusters');
  }
  const local = cfg.initialCluster.get(cfg.name);
  if (!local) throw new BootstrapError(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
  if (cfg.initialCluster.size > 1) {
    throw new BootstrapError('multi-member clusters are not supported yet: --initial-cluster must name only this member');
  }
  const members = new Map<bigint, Member>();
  for (const [name, urls] of cfg.initialCluster) {
    const id = computeMemberId(urls, cfg.initialClusterToken);
    members.set(id, { id, name: name === cfg.name ? '' : name, peerURLs: [...urls].sort(), clientURLs: [], isLearner: false });
  }
  const memberId = computeMemberId(local, cfg.initialClusterToken);
  const clusterId = computeClusterId([...members.keys()]);
  cfg.logger.info(
    { 'local-member-id': idToHex(memberId), 'cluster-id': idToHex(clusterId), 'initial-cluster': [...cfg.initialCluster].map(([n, u]) => `${n}=${u.join(',')}`).join(',') },
    'starting a new member',
  );
  const metadata = Buffer.from(Metadata.encode({ NodeID: memberId, ClusterID: clusterId }).finish());
  const wal = await WAL.create(cfg.walDir, metadata);
  // As etcd's raft bootstrap: one ConfChange AddNode entry per initial member at term 1,
  // committed from the start; applying them tells raft (and us) who the voters are.
  const entries: Entry[] = [...members.values()].map((m, i) => ({
    term: 1,
    index: i + 1,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: m.id, context: Buffer.from(memberToJson(m)), id: 0n }),
  }));
  const hardState = { term: 1, vote: 0n, commit: entries.length };
  await wal.save(hardState, entries, true);
  const storage = new MemoryStorage();
  storage.setHardState(hardState);
  storage.append(entries);
  return assemble(cfg, { backend, wal, storage, snapDir, memberId, clusterId, members, confState: { voters: [], learners: [] }, snapshotIndex: 0 });
}

async function restartMember(cfg: BootstrapConfig, backend: Backend, snapDir: string): Promise<MemberState> {
  const snapshotter = new Snapshotter(snapDir);
  const walSnaps = await WAL.validSnapshotEntries(cfg.walDir);
  const snap = await snapshotter.loadNewestAvailable(walSnaps);
  const walSnap = snap ? { index: snap.metadata.index, term: snap.metadata.term } : { index: 0, term: 0 };
  const wal = await WAL.open(cfg.walDir, walSnap);
  const { metadata, hardState, entries } = await wal.readAll();
  const meta = Metadata.decode(metadata);
  const memberId = meta.NodeID ?? 0n;
  const clusterId = meta.ClusterID ?? 0n;
  cfg.logger.info(
    { 'local-member-id': idToHex(memberId), 'cluster-id': idToHex(clusterId), commit: hardState.commit, 'snapshot-index': walSnap.index },
    'restarting local member',
  );
  const storage = new MemoryStorage();
  if (snap) storage.applySnapshot(snap);
  storage.setHardState(hardState);
  storage.append(entries);
  const members = loadMembers(backend);
  const confState = snap ? snap.metadata.confState : { voters: [], learners: [] };
  return assemble(cfg, { backend, wal, storage, snapDir, memberId, clusterId, members, confState, snapshotIndex: walSnap.index });
}

function loadMembers(backend: Backend): Map<bigint, Member> {
  const members = new Map<bigint, Member>();
  backend.read((tx) => {
    for (const [k, v] of tx.range(MEMBERS_BUCKET, Buffer.alloc(0))) {
      const id = BigInt('0x' + k.toString());
      const attrs = JSON.parse(v.toString()) as { peerURLs?: string[]; isLearner?: boolean };
      members.set(id, { id, name: '', peerURLs: attrs.peerURLs ?? [], clientURLs: [], isLearner: attrs.isLearner ?? false });
    }
  });
  return members;
}

interface Parts {
  backend: Backend;
  wal: WAL;
  storage: MemoryStorage;
  snapDir: string;
  memberId: bigint;
  clusterId: bigint;
  members: Map<bigint, Member>;
  confState: ConfState;
  snapshotIndex: number;
}

function assemble(cfg: BootstrapConfig, p: Parts): MemberState {
  const kv = new WatchableStore(p.backend);
  const lessor = new Lessor({
    minTTL: Math.ceil((3 * cfg.electionMs) / 1000),
    now: () => Date.now(),
    store: {
      save: (l) => p.backend.write((tx) => tx.put(LEASE_BUCKET, leaseKey(l.id), encodeLeaseRecord(l))),
      delete: (id) => p.backend.write((tx) => tx.delete(LEASE_BUCKET, leaseKey(id))),
      loadAll: () => p.backend.read((tx) => [...tx.range(LEASE_BUCKET, Buffer.alloc(0))].map(([, v]) => decodeLeaseRecord(v))),
    },
  });
  lessor.recover();
  // Keys remember their lease; the lessor learns the attachments back from mvcc.
  kv.forEachLeasedKey((key, lease) => lessor.attach(lease, [key]));
  const alarms = new AlarmStore({
    put: (k, v) => p.backend.write((tx) => tx.put(ALARM_BUCKET, k, v)),
    delete: (k) => p.backend.write((tx) => tx.delete(ALARM_BUCKET, k)),
    keys: () => p.backend.read((tx) => [...tx.range(ALARM_BUCKET, Buffer.alloc(0))].map(([k]) => k)),
  });
  const state = new MemberState({
    memberId: p.memberId,
    clusterId: p.clusterId,
    backend: p.backend,
    kv,
    lessor,
    alarms,
    storage: p.storage,
    wal: p.wal,
    snapshotter: new Snapshotter(p.snapDir),
    members: p.members,
    confState: p.confState,
    snapshotIndex: p.snapshotIndex,
    snapshotCount: cfg.snapshotCount,
    maxTxnOps: cfg.maxTxnOps,
    reqIdGen: new IdGenerator(p.memberId, Date.now()),
    logger: cfg.logger,
  });
  state.raft = new RaftNode({
    id: p.memberId,
    storage: p.storage,
    wal: p.wal,
    applied: p.snapshotIndex,
    heartbeatMs: cfg.heartbeatMs,
    electionMs: cfg.electionMs,
    logger: cfg.logger,
    apply: (entries) => state.apply(entries),
    send: () => {},
    readStates: (states) => state.onReadStates(states),
    onLeaderChange: (lead) => state.onLeaderChange(lead),
    onFatal: (err) => {
      cfg.logger.fatal({ error: err.message }, 'raft loop failed; stopping the member');
      process.exitCode = 1;
    },
  });
  return state;
}

function leaseKey(id: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(id);
  return b;
}
