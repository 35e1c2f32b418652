// Starting a member from its data dir: a new single-member cluster is created with etcd's
// layout and IDs; an existing data dir is recovered (backend + newest raft snapshot + the WAL
// after it), and the entries after the backend's consistent index are re-applied.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { copyFile, rename, rm } from 'node:fs/promises';
import { fsyncDir } from '../wal/file-util.js';
import { Backend, detectDbFormat } from '../backend/index.js';
import { KVStore, WatchableStore } from '../mvcc/index.js';
import { Lessor, LEASE_BUCKET, encodeLeaseKey, encodeLeaseRecord, decodeLeaseRecord, minLeaseTtl } from '../lease/index.js';
import { MemoryStorage, decodeEntry, decodeSnapshot, decodeConfChange, encodeConfChange, encodeEntry, ConfChangeType, EntryType, type ConfState, type Entry, type Peer, type Snapshot } from '../raft/index.js';
import { WAL } from '../wal/index.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { V2Store } from '../v2store/index.js';
import { fetchMembers } from '../transport/index.js';
import { AuthStore, newTokenProvider } from '../auth/index.js';
import { Metadata } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { IdGenerator } from '../util/idutil.js';
import { AlarmStore } from './alarms.js';
import { ClusterStore } from './cluster-store.js';
import { computeClusterId, computeMemberId, idToHex, memberToJson, type Member } from './membership.js';
import { MemberState, attachLeasedKeys } from './member-state.js';
import { RaftNode } from './raft-node.js';
import type { Logger } from './logger.js';

export interface BootstrapConfig {
  name: string;
  dataDir: string;
  walDir: string;
  initialCluster: Map<string, string[]>;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  /** --initial-advertise-peer-urls (checked against this member's --initial-cluster entry). */
  advertisePeerUrls: string[];
  /** --force-new-cluster: restart as the only member of the cluster (disaster recovery). */
  forceNewCluster: boolean;
  snapshotCount: number;
  /** --auth-token, --auth-token-ttl (s), --bcrypt-cost. */
  authToken: string;
  authTokenTtl: number;
  bcryptCost: number;
  heartbeatMs: number;
  electionMs: number;
  maxSnapshots: number;
  maxWals: number;
  logger: Logger;
  /** Called when the raft loop fails (a persistence error): the member must stop. */
  onFatal(err: Error): void;
}

export class BootstrapError extends Error {}

export async function bootstrapMember(cfg: BootstrapConfig): Promise<MemberState> {
  const memberDir = join(cfg.dataDir, 'member');
  const snapDir = join(memberDir, 'snap');
  const haveWal = existsSync(cfg.walDir) && readdirSync(cfg.walDir).some((f) => f.endsWith('.wal'));
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(snapDir, { recursive: true, mode: 0o700 });
  const dbPath = join(snapDir, 'db');
  let format = detectDbFormat(dbPath);
  if (format === 'bbolt') {
    await importEtcdDb(dbPath, cfg.logger);
    format = detectDbFormat(dbPath);
  }
  if (format === 'unknown') throw new BootstrapError(`${dbPath}: not a tetcd database (corrupt or foreign file); refusing to start`);
  const backend = Backend.open(dbPath);
  try {
    return haveWal ? await restartMember(cfg, backend, snapDir) : await newMember(cfg, backend, snapDir);
  } catch (err) {
    await backend.close();
    throw err;
  }
}

async function newMember(cfg: BootstrapConfig, backend: Backend, snapDir: string): Promise<MemberState> {
  const local = cfg.initialCluster.get(cfg.name);
  if (!local) {
    throw new BootstrapError(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
  }
  checkAdvertisedPeerUrls(cfg, local);
  if (cfg.initialClusterState === 'existing') return joinMember(cfg, backend, snapDir, local);
  const members: Member[] = [];
  for (const [name, urls] of cfg.initialCluster) {
    const id = computeMemberId(urls, cfg.initialClusterToken);
    if (members.some((m) => m.id === id)) throw new BootstrapError(`member count is unequal: duplicate peer URLs in --initial-cluster (${urls.join(',')})`);
    members.push({ id, name: name === cfg.name ? '' : name, peerURLs: [...urls].sort(), clientURLs: [], isLearner: false });
  }
  const memberId = computeMemberId(local, cfg.initialClusterToken);
  const clusterId = computeClusterId(members.map((m) => m.id));
  cfg.logger.info(
    {
      'local-member-id': idToHex(memberId),
      'cluster-id': idToHex(clusterId),
      'initial-cluster': [...cfg.initialCluster].map(([n, u]) => u.map((x) => `${n}=${x}`).join(',')).join(','),
    },
    'starting a new member',
  );
  const metadata = Buffer.from(Metadata.encode({ NodeID: memberId, ClusterID: clusterId }).finish());
  const wal = await WAL.create(cfg.walDir, metadata);
  const storage = new MemoryStorage();
  const state = assemble(cfg, { backend, wal, storage, snapDir, memberId, clusterId, confState: { voters: [], learners: [] }, snapshotIndex: 0, v2: newV2Store() });
  // As etcd's raft bootstrap: one committed ConfChange AddNode entry per initial member at
  // term 1, persisted and applied by the first pass of the raft loop.
  const peers: Peer[] = members.map((m) => ({ id: m.id, context: Buffer.from(memberToJson(m)) }));
  state.raft.node.bootstrap(peers);
  return state;
}

/**
 * An etcd 3.4 data dir (or one written by the real `etcdctl snapshot restore`): its WAL and .snap
 * files are in the format tetcd uses, its bbolt db is imported once into LMDB. The original is
 * kept next to it as `db.etcd-bbolt`; the import is written aside and renamed into place, so a
 * crash during it leaves the original untouched and the import is simply done again.
 */
async function importEtcdDb(dbPath: string, logger: Logger): Promise<void> {
  const kept = `${dbPath}.etcd-bbolt`;
  const tmp = `${dbPath}.importing`;
  logger.info({ path: dbPath, kept }, 'importing an etcd (bbolt) backend into tetcd');
  await rm(tmp, { force: true });
  await rm(`${tmp}-lock`, { force: true });
  const { importBolt } = await import('../backup/bolt-import.js');
  const { backend, result } = await importBolt(dbPath, tmp);
  await backend.sync();
  await backend.close();
  await rm(`${tmp}-lock`, { force: true });
  await copyFile(dbPath, kept);
  await rename(tmp, dbPath);
  await fsyncDir(dirname(dbPath));
  logger.info({ keys: result.counts.get('key') ?? 0, kept }, 'imported the etcd backend; the original is kept');
}


/** etcd's check that this member's --initial-advertise-peer-urls are its --initial-cluster entry. */
function checkAdvertisedPeerUrls(cfg: BootstrapConfig, local: string[]): void {
  if (cfg.advertisePeerUrls.length === 0) return;
  const adv = [...cfg.advertisePeerUrls].sort();
  const want = [...local].sort();
  if (adv.join(',') !== want.join(',')) {
    throw new BootstrapError(
      `--initial-cluster has ${cfg.name}=${want.join(',')} but missing from --initial-advertise-peer-urls=${adv.join(',')} ` +
        `("${adv.join(',')}"(resolved from "${adv.join(',')}") != "${want.join(',')}"(resolved from "${want.join(',')}"))`,
    );
  }
}

/**
 * --initial-cluster-state existing: the member was added with `member add`; it learns the
 * cluster's ID and its own member ID from the running members (their peer /members endpoint),
 * starts with an empty log and no configuration, and is brought up to date by the leader.
 */
async function joinMember(cfg: BootstrapConfig, backend: Backend, snapDir: string, local: string[]): Promise<MemberState> {
  const peers = [...cfg.initialCluster].filter(([name]) => name !== cfg.name).flatMap(([, urls]) => urls);
  if (peers.length === 0) throw new BootstrapError('cannot fetch cluster info from peer urls: --initial-cluster names no other member');
  const remote = await fetchRemoteCluster(peers);
  if (!remote) throw new BootstrapError(`cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs (${peers.join(',')})`);
  const want = [...local].sort().join(',');
  const self = remote.members.find((m) => [...m.peerURLs].sort().join(',') === want);
  if (!self) {
    throw new BootstrapError(`error validating peerURLs: member with peer URLs ${want} is not in the cluster: add it with 'member add' first`);
  }
  cfg.logger.info({ 'local-member-id': idToHex(self.id), 'cluster-id': idToHex(remote.clusterId), 'remote-members': remote.members.length }, 'joining an existing cluster');
  const metadata = Buffer.from(Metadata.encode({ NodeID: self.id, ClusterID: remote.clusterId }).finish());
  const wal = await WAL.create(cfg.walDir, metadata);
  const state = assemble(cfg, { backend, wal, storage: new MemoryStorage(), snapDir, memberId: self.id, clusterId: remote.clusterId, confState: { voters: [], learners: [] }, snapshotIndex: 0, v2: newV2Store() });
  state.remotePeers = remote.members;
  return state;
}

/** GET <peer>/members from each peer URL until one answers (etcd's GetClusterFromRemotePeers). */
async function fetchRemoteCluster(urls: string[]): Promise<{ clusterId: bigint; members: Member[] } | undefined> {
  for (const u of urls) {
    try {
      const { clusterId, members } = await fetchMembers(u, undefined, 2000);
      return { clusterId, members: members.map((m) => ({ ...m, isLearner: false })) };
    } catch {
      // try the next URL
    }
  }
  return undefined;
}

async function restartMember(cfg: BootstrapConfig, backend: Backend, snapDir: string): Promise<MemberState> {
  const snapshotter = new Snapshotter(snapDir);
  const walSnaps = await WAL.validSnapshotEntries(cfg.walDir);
  const loaded = await snapshotter.loadNewestAvailable(walSnaps);
  const snap = loaded ? decodeSnapshot(loaded.data) : undefined;
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
  let hs = hardState;
  let ents = entries.map((e) => decodeEntry(e.encoded));
  if (cfg.forceNewCluster) ({ hs, ents } = await forceNewCluster(cfg, wal, memberId, snap, hs, ents));
  storage.setHardState(hs);
  storage.append(ents);
  const confState = snap ? snap.metadata.confState : { voters: [], learners: [] };
  const v2 = newV2Store();
  if (snap && snap.data.length > 0) {
    v2.recover(snap.data.toString());
    cfg.logger.info({ 'snapshot-index': walSnap.index }, 'recovered v2 store from snapshot');
  }
  return assemble(cfg, { backend, wal, storage, snapDir, memberId, clusterId, confState, snapshotIndex: walSnap.index, v2 });
}

/**
 * --force-new-cluster (etcd's restartAsStandaloneNode): uncommitted entries are discarded, and
 * committed ConfChange entries removing every other member (adding this one if needed) are
 * appended, so the member restarts as the only voter of its cluster, with all its data.
 */
async function forceNewCluster(
  cfg: BootstrapConfig,
  wal: WAL,
  self: bigint,
  snap: Snapshot | undefined,
  hardState: { term: number; vote: bigint; commit: number },
  entries: Entry[],
): Promise<{ hs: { term: number; vote: bigint; commit: number }; ents: Entry[] }> {
  const kept = entries.filter((e) => e.index <= hardState.commit);
  if (kept.length < entries.length) cfg.logger.info({ 'discarded-entries': entries.length - kept.length }, 'discarding uncommitted WAL entries');
  const ids = new Set<bigint>([...(snap?.metadata.confState.voters ?? []), ...(snap?.metadata.confState.learners ?? [])]);
  for (const e of kept) {
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode) ids.delete(cc.nodeId);
    else if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode) ids.add(cc.nodeId);
  }
  let index = kept.length > 0 ? kept[kept.length - 1]!.index : (snap?.metadata.index ?? 0);
  const term = hardState.term;
  const added: Entry[] = [];
  for (const id of [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (id === self) continue;
    added.push({ term, index: ++index, type: EntryType.ConfChange, data: encodeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id, context: Buffer.alloc(0), id: 0n }) });
  }
  if (!ids.has(self)) {
    const peerURLs = cfg.advertisePeerUrls;
    const context = Buffer.from(memberToJson({ id: self, name: cfg.name, peerURLs, clientURLs: [], isLearner: false }));
    added.push({ term, index: ++index, type: EntryType.ConfChange, data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: self, context, id: 0n }) });
  }
  const hs = { term, vote: hardState.vote, commit: index };
  await wal.save(hs, added.map((e) => ({ index: e.index, term: e.term, encoded: encodeEntry(e) })), true);
  cfg.logger.warn({ 'local-member-id': idToHex(self), 'removed-members': [...ids].filter((i) => i !== self).map(idToHex), commit: index }, 'forcing restart member as a standalone (one-member) cluster');
  return { hs, ents: [...kept, ...added] };
}

interface Parts {
  backend: Backend;
  wal: WAL;
  storage: MemoryStorage;
  snapDir: string;
  memberId: bigint;
  clusterId: bigint;
  confState: ConfState;
  snapshotIndex: number;
  v2: V2Store;
}

function assemble(cfg: BootstrapConfig, p: Parts): MemberState {
  const backend = p.backend;
  ensureAuthRevision(backend);
  const kv = KVStore.open(backend);
  const watchable = new WatchableStore(kv);
  const lessor = new Lessor({
    minTTL: minLeaseTtl(cfg.electionMs, cfg.heartbeatMs),
    now: () => Date.now(),
    store: {
      save: (l) => backend.write((tx) => tx.put(LEASE_BUCKET, encodeLeaseKey(l.id), encodeLeaseRecord(l))),
      delete: (id) => backend.write((tx) => tx.delete(LEASE_BUCKET, encodeLeaseKey(id))),
      loadAll: () => [...backend.range(LEASE_BUCKET, Buffer.alloc(0))].map(({ value }) => decodeLeaseRecord(value)),
    },
  });
  lessor.recover();
  attachLeasedKeys(kv, lessor, cfg.logger);
  // a simple token names the index of its Authenticate entry: judge it only once applied
  let waitApplied: (index: number) => Promise<void> = async () => undefined;
  const tokens = newTokenProvider(cfg.authToken, { ttlSeconds: cfg.authTokenTtl, waitApplied: (i) => waitApplied(i) });
  const auth = new AuthStore(backend, { tokenProvider: tokens, bcryptCost: cfg.bcryptCost });
  const alarms = new AlarmStore({
    put: (k, v) => backend.write((tx) => tx.put('alarm', k, v)),
    delete: (k) => backend.write((tx) => tx.delete('alarm', k)),
    keys: () => [...backend.range('alarm', Buffer.alloc(0))].map(({ key }) => key),
  });
  const state = new MemberState({
    memberId: p.memberId,
    clusterId: p.clusterId,
    backend,
    kv,
    watchable,
    lessor,
    alarms,
    cluster: new ClusterStore(backend),
    auth,
    v2: p.v2,
    storage: p.storage,
    wal: p.wal,
    snapshotter: new Snapshotter(p.snapDir),
    confState: p.confState,
    snapshotIndex: p.snapshotIndex,
    snapshotCount: cfg.snapshotCount,
    maxSnapshots: cfg.maxSnapshots,
    maxWals: cfg.maxWals,
    dataDir: cfg.dataDir,
    reqIdGen: new IdGenerator(p.memberId, Date.now()),
    logger: cfg.logger,
  });
  waitApplied = (i) => state.appliedWait.wait(i);
  state.raft = new RaftNode({
    id: p.memberId,
    storage: p.storage,
    wal: p.wal,
    applied: p.snapshotIndex,
    heartbeatMs: cfg.heartbeatMs,
    electionMs: cfg.electionMs,
    logger: cfg.logger,
    apply: (entries) => state.apply(entries),
    send: (msgs) => state.send(msgs),
    installSnapshot: (snap) => state.installSnapshot(snap, join(p.snapDir, `${snap.metadata.index.toString(16).padStart(16, '0')}.snap.db`)),
    readStates: (states) => state.onReadStates(states),
    onLeaderChange: (lead) => state.onLeaderChange(lead),
    onFatal: (err) => cfg.onFatal(err),
  });
  return state;
}

/**
 * etcd's auth store writes auth/authRevision = 1 when it first opens a backend; a snapshot of a
 * fresh member holds that key, so ours does too.
 */
function ensureAuthRevision(backend: Backend): void {
  const key = Buffer.from('authRevision');
  if (backend.get('auth', key)) return;
  const rev = Buffer.alloc(8);
  rev.writeBigUInt64BE(1n);
  backend.write((tx) => tx.put('auth', key, rev));
}

/** etcd's v2 store: /0 for the cluster's own keys, /1 for the keys clients see under /v2/keys. */
function newV2Store(): V2Store {
  return new V2Store({ namespaces: ['/0', '/1'] });
}
