// `snapshot restore`: a new member data dir from a v3 snapshot file (etcd's or tetcd's bbolt db
// with its sha256 trailer), as etcd 3.4's clientv3/snapshot v3Manager.Restore builds one:
//
//   <data-dir>/member/snap/db          the snapshot's buckets in tetcd's LMDB backend, with the
//                                      old cluster's members replaced by the new ones and the
//                                      consistent index set to N (the number of members)
//   <data-dir>/member/snap/1-N.snap    raft snapshot: voters = the members, v2 store with /0/members
//   <wal-dir>                          WAL: metadata {local ID, cluster ID}, AddNode entries 1..N
//
// `tetcd --data-dir <dir> --name <name> --initial-cluster <same>` then restarts from it as the
// first member of a new cluster holding every key, revision, lease and auth setting of the
// snapshot. Unlike etcd, a failed restore removes what it wrote (etcd leaves a partial dir).
//
// Two additions beyond etcd 3.4: etcdutl's --bump-revision/--mark-compacted (revision-bump.ts),
// and loading a v2 keyspace export into the raft snapshot's v2 store (v2-import.ts).
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchTx } from '../backend/index.js';
import { CONSISTENT_INDEX_KEY } from '../mvcc/meta.js';
import { idToHex } from '../server/membership.js';
import { importBolt } from './bolt-import.js';
import { newCluster, type NewCluster } from './initial-cluster.js';
import { silentLog, type ZapLog } from './log.js';
import { writeBootstrapRaft } from './raft-bootstrap.js';
import { verifySnapshotHash } from './snapshot-file.js';
import { bumpRevision, checkBumpFlags } from './revision-bump.js';
import { importV2IntoSnapDir, parseV2Export, type V2ImportResult } from './v2-import.js';

export interface RestoreConfig {
  snapshotPath: string;
  name: string;
  /** Defaults to `<name>.etcd`. */
  dataDir?: string;
  /** Defaults to `<data-dir>/member/wal`. */
  walDir?: string;
  /** --initial-advertise-peer-urls, comma-separated. */
  peerUrls: string;
  initialCluster: string;
  initialClusterToken: string;
  skipHashCheck: boolean;
  /** etcdutl's --bump-revision: how much to raise the latest revision (0 or absent: not at all). */
  revisionBump?: number;
  /** etcdutl's --mark-compacted: required with revisionBump > 0, refused without it. */
  markCompacted?: boolean;
  /** A v2 keyspace export (`GET /v2/keys/?recursive=true` JSON) to load into the v2 store. */
  v2Export?: string;
}

export class RestoreError extends Error {}

export interface RestoreResult {
  dataDir: string;
  walDir: string;
  memberId: bigint;
  clusterId: bigint;
  /** The raft index the new cluster starts at (its member count). */
  index: number;
  /** With revisionBump: the revision the restored store starts at (also its compact revision). */
  bumpedRevision?: number;
  /** With v2Export: what was loaded. */
  v2?: V2ImportResult;
}

export async function restoreSnapshot(cfg: RestoreConfig, log: ZapLog = silentLog): Promise<RestoreResult> {
  checkBumpFlags(cfg.revisionBump ?? 0, cfg.markCompacted ?? false);
  // a bad export is refused before anything is written
  const v2Root = cfg.v2Export !== undefined ? parseV2Export(cfg.v2Export) : undefined;
  const cluster = newCluster({ name: cfg.name, initialCluster: cfg.initialCluster, initialClusterToken: cfg.initialClusterToken, advertisePeerUrls: cfg.peerUrls });
  const dataDir = cfg.dataDir || `${cfg.name}.etcd`;
  if (existsSync(dataDir)) throw new RestoreError(`data-dir ${JSON.stringify(dataDir)} exists`);
  let walDir = cfg.walDir ?? '';
  if (walDir === '') walDir = join(dataDir, 'member', 'wal');
  else if (existsSync(walDir)) throw new RestoreError(`wal-dir ${JSON.stringify(walDir)} exists`);
  const snapDir = join(dataDir, 'member', 'snap');
  const where = { path: cfg.snapshotPath, 'wal-dir': walDir, 'data-dir': dataDir, 'snap-dir': snapDir };
  log('snapshot/v3_snapshot.go:296', 'restoring snapshot', where);
  try {
    await verifySnapshotHash(cfg.snapshotPath, cfg.skipHashCheck);
    const bumpedRevision = await writeBackend(cfg.snapshotPath, join(snapDir, 'db'), cluster, cfg.revisionBump ?? 0, log);
    for (const m of cluster.members) {
      log('membership/cluster.go:392', 'added member', {
        'cluster-id': idToHex(cluster.clusterId),
        'local-member-id': '0',
        'added-peer-id': idToHex(m.id),
        'added-peer-peer-urls': m.peerURLs,
      });
    }
    const index = await writeBootstrapRaft(cluster, walDir, snapDir);
    const result: RestoreResult = { dataDir, walDir, memberId: cluster.local.id, clusterId: cluster.clusterId, index };
    if (bumpedRevision !== undefined) result.bumpedRevision = bumpedRevision;
    if (v2Root !== undefined) {
      result.v2 = await importV2IntoSnapDir(snapDir, v2Root);
      log('backup/v2-import.ts', 'restored v2 store', { nodes: result.v2.nodes, 'nodes-with-ttl': result.v2.withTtl });
    }
    log('snapshot/v3_snapshot.go:309', 'restored snapshot', where);
    return result;
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    if (cfg.walDir) await rm(walDir, { recursive: true, force: true });
    throw err;
  }
}

/** The snapshot's buckets in a new backend, made part of the new cluster; returns the bumped revision if any. */
async function writeBackend(snapshotPath: string, dbPath: string, cluster: NewCluster, revisionBump: number, log: ZapLog): Promise<number | undefined> {
  await mkdir(join(dbPath, '..'), { recursive: true, mode: 0o700 });
  const { backend } = await importBolt(snapshotPath, dbPath);
  try {
    // etcdutl bumps in saveDB, before the members are written and the WAL made
    const bumped = revisionBump > 0 ? await bumpRevision(backend, revisionBump, log) : undefined;
    backend.write((tx) => {
      replaceMembers(tx, cluster);
      tx.put('meta', CONSISTENT_INDEX_KEY, uint64(cluster.members.length));
    });
    await backend.sync();
    return bumped;
  } finally {
    await backend.close();
  }
}

/**
 * The old cluster's members go; the new ones are written where tetcd reads its membership
 * (etcd 3.4 only deletes them and rebuilds its membership from the v2 store in the raft snapshot).
 */
function replaceMembers(tx: BatchTx, cluster: NewCluster): void {
  for (const bucket of ['members', 'members_removed'] as const) {
    for (const { key } of [...tx.range(bucket, Buffer.alloc(0))]) tx.delete(bucket, Buffer.from(key));
  }
  for (const m of cluster.members) tx.put('members', Buffer.from(idToHex(m.id)), Buffer.from(JSON.stringify({ peerURLs: m.peerURLs })));
}

function uint64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
