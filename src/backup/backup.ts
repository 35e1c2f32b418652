// etcdctl's v2 `backup` (ctlv2/command/backup_command.go) for tetcd data dirs: a copy of a
// STOPPED member's data dir that carries its data but not its identity. The copy gets a new
// random member ID and cluster ID (WAL metadata), the newest raft snapshot (its v2 store without
// the old /0/members and /0/removed_members, its ConfState emptied), the committed log after it
// without the old cluster's membership entries (renumbered), the hard state without its vote,
// and a backend (the source's with --with-v3, else an empty one).
//
// etcd leaves the copy to `etcd --force-new-cluster` to become a one-member cluster. tetcd has no
// such flag, so the copy is made startable as a plain restart: one ConfChange AddNode entry for
// the new member ID (with the old member's peer URLs and name) is appended and committed after
// the kept log. Started with `tetcd --data-dir <backup-dir> --name <name>` (plus
// `--wal-dir <backup-wal-dir>` if one was given) it applies that entry, becomes the only voter,
// elects itself, and serves the data as a new single-member cluster.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfChangeType, EntryType, decodeConfChange, decodeEntry, encodeConfChange, encodeSnapshot, type Entry, type Snapshot } from '../raft/index.js';
import { WAL } from '../wal/index.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { memberFromJson, idToHex } from '../server/membership.js';
import { IdGenerator } from '../util/idutil.js';
import { BackupError } from './backup-error.js';
import { writeBackupDb } from './backup-db.js';
import { encodeEntries, filterEntries } from './backup-entries.js';
import { memberContext, walMetadata } from './raft-bootstrap.js';
import { hasWal, readSource, type Source } from './source.js';

export { BackupError };

export interface BackupOptions {
  dataDir: string;
  backupDir: string;
  /** Defaults to `<data-dir>/member/wal`. */
  walDir?: string;
  /** Defaults to `<backup-dir>/member/wal`. */
  backupWalDir?: string;
  withV3: boolean;
}

const PRIVATE_DIR_MODE = 0o700;
/** etcd's default peer URL, for a member whose own URLs the log no longer tells. */
const DEFAULT_PEER_URL = 'http://localhost:2380';

/** Copies the data dir as described above; `log` receives etcdctl's "ignoring …" lines. */
export async function runBackup(opts: BackupOptions, log: (line: string) => void = () => undefined): Promise<void> {
  const srcSnap = join(opts.dataDir, 'member', 'snap');
  const destSnap = join(opts.backupDir, 'member', 'snap');
  const srcWal = opts.walDir || join(opts.dataDir, 'member', 'wal');
  const destWal = opts.backupWalDir || join(opts.backupDir, 'member', 'wal');
  if (!hasWal(srcWal)) throw new BackupError(`wal: file not found: no WAL in ${srcWal}`);
  if (hasWal(destWal)) throw new BackupError(`wal: file already exists: ${destWal}`);
  if (existsSync(join(destSnap, 'db'))) throw new BackupError(`backup db ${join(destSnap, 'db')} already exists`);

  const source = await readSource(srcSnap, srcWal);
  const oldId = source.metadata.NodeID ?? 0n;
  const filtered = filterEntries(source.entries, source.walSnap.index, source.hardState.commit, opts.withV3);
  for (const d of filtered.dropped) {
    log(d.reason === 'conf-change' ? 'ignoring EntryConfChange raft entry' : d.reason === 'v3' ? 'ignoring v3 raft entry' : `ignoring member attribute update on ${d.path}`);
  }
  const ids = new IdGenerator(0n, Date.now());
  const memberId = ids.next();
  const clusterId = ids.next();
  const self = localMember(oldId, source);
  const term = source.hardState.term;
  const joinIndex = filtered.commit + 1;
  const addSelf: Entry = {
    index: joinIndex,
    term,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: memberId, id: 0n, context: memberContext({ id: memberId, name: self.name, peerURLs: self.peerURLs }) }),
  };

  const created = [opts.backupDir, destWal].filter((d) => !existsSync(d));
  try {
    await mkdir(destSnap, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (source.snapshot) {
      const s = withoutMembership(source.snapshot);
      await new Snapshotter(destSnap).save(encodeSnapshot(s), s.metadata.term, s.metadata.index);
    }
    await writeBackupDb(join(srcSnap, 'db'), join(destSnap, 'db'), opts.withV3, filtered.commit, filtered.renumber);
    const wal = await WAL.create(destWal, walMetadata(memberId, clusterId));
    try {
      if (source.walSnap.index > 0) await wal.saveSnapshot(source.walSnap);
      await wal.save({ term, vote: 0n, commit: joinIndex }, encodeEntries([...filtered.entries, addSelf]), true);
    } finally {
      await wal.close();
    }
  } catch (err) {
    for (const d of created) await rm(d, { recursive: true, force: true });
    throw err;
  }
  log(`backup: member ${idToHex(memberId)} of new cluster ${idToHex(clusterId)} (was member ${idToHex(oldId)}), ${filtered.entries.length} entries after snapshot index ${source.walSnap.index}`);
}

/** The old member's peer URLs and name: from its last conf change in the log, else the snapshot's v2 store. */
function localMember(oldId: bigint, source: Source): { name: string; peerURLs: string[] } {
  let found: { name: string; peerURLs: string[] } | undefined;
  for (const we of source.entries) {
    const e = decodeEntry(we.encoded);
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    if (cc.nodeId !== oldId || cc.context.length === 0 || cc.type === ConfChangeType.RemoveNode) continue;
    const m = memberFromJson(cc.context.toString());
    found = { name: m.name || found?.name || '', peerURLs: m.peerURLs };
  }
  if (found) return found;
  const members = source.snapshot ? v2Members(source.snapshot) : {};
  const mine = members[idToHex(oldId)];
  return { name: mine?.name ?? '', peerURLs: mine?.peerURLs?.length ? mine.peerURLs : [DEFAULT_PEER_URL] };
}

interface V2NodeJson {
  Value?: string;
  Children?: Record<string, V2NodeJson> | null;
}

/** /0/members/<hex>/{raftAttributes,attributes} of a snapshot's v2 store JSON. */
function v2Members(snap: Snapshot): Record<string, { name?: string; peerURLs?: string[] }> {
  const out: Record<string, { name?: string; peerURLs?: string[] }> = {};
  if (snap.data.length === 0) return out;
  const root = (JSON.parse(snap.data.toString()) as { Root?: V2NodeJson }).Root;
  const members = root?.Children?.['0']?.Children?.['members']?.Children ?? {};
  for (const [hex, node] of Object.entries(members)) {
    const raft = node.Children?.['raftAttributes']?.Value;
    const attrs = node.Children?.['attributes']?.Value;
    out[hex] = { ...(attrs ? (JSON.parse(attrs) as { name?: string }) : {}), ...(raft ? (JSON.parse(raft) as { peerURLs?: string[] }) : {}) };
  }
  return out;
}

/**
 * The snapshot with the old cluster taken out: no voters or learners in its ConfState, and no
 * /0/members or /0/removed_members in its v2 store (edited as JSON, so the store's index and
 * event history stay exactly as they were).
 */
function withoutMembership(snap: Snapshot): Snapshot {
  let data = snap.data;
  if (data.length > 0) {
    const store = JSON.parse(data.toString()) as { Root?: V2NodeJson };
    const ns0 = store.Root?.Children?.['0'];
    if (ns0?.Children) {
      delete ns0.Children['members'];
      delete ns0.Children['removed_members'];
    }
    data = Buffer.from(JSON.stringify(store));
  }
  return { data, metadata: { index: snap.metadata.index, term: snap.metadata.term, confState: { voters: [], learners: [] } } };
}
