// The raft side of a restored member, written as etcd's v3Manager.saveWALAndSnap writes it:
// a WAL (metadata = this member's and the cluster's IDs) with one ConfChange AddNode entry per
// member at term 1, indexes 1..N, the hard state {term 1, vote = first member, commit N}, and a
// raft snapshot at N whose ConfState has every member as a voter and whose data is a v2 store
// holding the members under /0/members. On start the member finds a snapshot covering the whole
// log, so it neither replays nor re-applies anything: the cluster starts at raft index N.
import { mkdir } from 'node:fs/promises';
import { ConfChangeType, EntryType, encodeConfChange, encodeEntry, encodeSnapshot } from '../raft/index.js';
import { WAL, type WalEntry } from '../wal/index.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { V2Store } from '../v2store/index.js';
import { Metadata } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { idToHex, memberToJson } from '../server/membership.js';
import type { NewCluster, NewMember } from './initial-cluster.js';

const BOOTSTRAP_TERM = 1;
const PRIVATE_DIR_MODE = 0o700;

/** etcd's v2 store namespaces: /0 for the cluster's own keys, /1 for /v2/keys. */
export function newV2Store(): V2Store {
  return new V2Store({ namespaces: ['/0', '/1'] });
}

/** etcd's membership.mustSaveMemberToStore: /0/members/<hex>/raftAttributes = {"peerURLs":[…]}. */
export function saveMemberToV2(v2: V2Store, m: { id: bigint; peerURLs: string[] }): void {
  v2.create(`/0/members/${idToHex(m.id)}/raftAttributes`, false, JSON.stringify({ peerURLs: m.peerURLs }), false, { expireTime: 0n });
}

/** The ConfChange context etcd marshals for a member: {"id":…,"peerURLs":[…],"name":…}. */
export function memberContext(m: NewMember): Buffer {
  return Buffer.from(memberToJson({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: [], isLearner: false }));
}

export function walMetadata(memberId: bigint, clusterId: bigint): Buffer {
  return Buffer.from(Metadata.encode({ NodeID: memberId, ClusterID: clusterId }).finish());
}

/** Writes the WAL at `walDir` and the .snap in `snapDir` for a new cluster; returns the snapshot index N. */
export async function writeBootstrapRaft(cluster: NewCluster, walDir: string, snapDir: string): Promise<number> {
  const v2 = newV2Store();
  for (const m of cluster.members) saveMemberToV2(v2, m);
  const entries: WalEntry[] = cluster.members.map((m, i) => {
    const index = i + 1;
    const data = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: m.id, context: memberContext(m), id: 0n });
    return { index, term: BOOTSTRAP_TERM, encoded: encodeEntry({ index, term: BOOTSTRAP_TERM, type: EntryType.ConfChange, data }) };
  });
  const commit = entries.length;
  await mkdir(snapDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const wal = await WAL.create(walDir, walMetadata(cluster.local.id, cluster.clusterId));
  try {
    await wal.save({ term: BOOTSTRAP_TERM, vote: cluster.members[0]!.id, commit }, entries, true);
    const snap = encodeSnapshot({
      data: Buffer.from(v2.save()),
      metadata: { index: commit, term: BOOTSTRAP_TERM, confState: { voters: cluster.members.map((m) => m.id), learners: [] } },
    });
    await new Snapshotter(snapDir).save(snap, BOOTSTRAP_TERM, commit);
    await wal.saveSnapshot({ index: commit, term: BOOTSTRAP_TERM });
  } finally {
    await wal.close();
  }
  return commit;
}
