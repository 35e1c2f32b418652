// etcdctl 3.4's `migrate` (ctlv3/command/migrate_command.go): the v2 keys of a STOPPED member
// (its raft snapshot's v2 store with the WAL's v2 requests applied on top) are written into
// its v3 backend. Each v2 file under /1 becomes a v3 key with create_revision = CreatedIndex,
// mod_revision = ModifiedIndex and version 1, stored at revision {ModifiedIndex, 0} as etcd's
// mvcc.WriteKV does; directories are skipped, TTL keys too with --no-ttl. The consistent index
// is set to the last entry read. etcd's --transformer (an external program) is not supported.
import { join } from 'node:path';
import { Backend, detectDbFormat } from '../backend/index.js';
import { CONSISTENT_INDEX_KEY, INDEX_VERSION_KEY } from '../mvcc/meta.js';
import { revToBytes } from '../mvcc/revision.js';
import { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { ConfChangeType, EntryType, decodeConfChange, decodeEntry, type ConfChange } from '../raft/index.js';
import { idToHex, memberFromJson } from '../server/membership.js';
import { applyV2Request, type NodeExtern, type V2Store } from '../v2store/index.js';
import { v2RequestOf } from './backup-entries.js';
import { BackupError } from './backup-error.js';
import { newV2Store } from './raft-bootstrap.js';
import { hasWal, readSource } from './source.js';

export interface MigrateOptions {
  dataDir: string;
  /** Defaults to `<data-dir>/member/wal`. */
  walDir?: string;
  /** --no-ttl: keys with a TTL are not converted. */
  noTtl: boolean;
}

export interface MigrateResult {
  /** Keys written to the v3 store (0 with "no v2 keys to migrate"). */
  keys: number;
  /** False when the v2 store had no /1 directory at all (etcd: "no v2 keys to migrate"). */
  hadV2Keys: boolean;
}

export async function migrateV2ToV3(opts: MigrateOptions): Promise<MigrateResult> {
  const walDir = opts.walDir || join(opts.dataDir, 'member', 'wal');
  if (!hasWal(walDir)) throw new BackupError(`wal: file not found: no WAL in ${walDir}`);
  const { nodes, index } = await rebuildV2(join(opts.dataDir, 'member', 'snap'), walDir);
  if (nodes === undefined) return { keys: 0, hadV2Keys: false };
  const dbPath = join(opts.dataDir, 'member', 'snap', 'db');
  if (detectDbFormat(dbPath) === 'bbolt') throw new BackupError(`${dbPath} is an etcd (bbolt) database: restore a snapshot of it with 'tetcdctl snapshot restore' first`);
  const backend = Backend.open(dbPath);
  let keys = 0;
  try {
    backend.write((tx) => {
      for (const n of files(nodes)) {
        if (opts.noTtl && (n.ttl ?? 0) !== 0) continue;
        const kv: KeyValue = {
          key: Buffer.from(n.key.slice(2) || '/'),
          value: Buffer.from(n.value ?? ''),
          create_revision: BigInt(n.createdIndex),
          mod_revision: BigInt(n.modifiedIndex),
          version: 1n,
          lease: 0n,
        };
        tx.put('key', revToBytes({ main: n.modifiedIndex, sub: 0 }), Buffer.from(KeyValue.encode(kv).finish()));
        keys++;
      }
      const ci = Buffer.alloc(8);
      ci.writeBigUInt64BE(BigInt(index));
      tx.put('meta', CONSISTENT_INDEX_KEY, ci);
      // tetcd's persisted key index no longer matches the key bucket: have it rebuilt on start
      tx.delete('tetcd_meta', INDEX_VERSION_KEY);
    });
    await backend.sync();
  } finally {
    await backend.close();
  }
  return { keys, hadV2Keys: true };
}

/** The v2 store at the end of the log: its /1 tree (undefined if absent) and the last index read. */
async function rebuildV2(snapDir: string, walDir: string): Promise<{ nodes: NodeExtern[] | undefined; index: number }> {
  const source = await readSource(snapDir, walDir);
  const v2 = newV2Store();
  if (source.snapshot && source.snapshot.data.length > 0) v2.recover(source.snapshot.data.toString());
  let index = source.walSnap.index;
  for (const we of source.entries) {
    const e = decodeEntry(we.encoded);
    if (e.type === EntryType.ConfChange) applyConfChangeToV2(v2, decodeConfChange(e.data));
    const req = v2RequestOf(e);
    if (req) applyV2Request(v2, req);
    index = Math.max(index, we.index);
  }
  try {
    return { nodes: v2.get('/1', true, true).node.nodes ?? [], index };
  } catch {
    return { nodes: undefined, index };
  }
}

function* files(nodes: readonly NodeExtern[]): Generator<NodeExtern> {
  for (const n of nodes) {
    if (n.dir) yield* files(n.nodes ?? []);
    else yield n;
  }
}

/**
 * A membership change as etcd's migrate applies it (applyConf): it writes the member under /0,
 * which moves the v2 store's index, so the v2 indexes (the migrated revisions) come out as the
 * member served them. Changes etcd would refuse (adding a member twice, removing an unknown one)
 * are skipped, as its ValidateConfigurationChange skips them.
 */
function applyConfChangeToV2(v2: V2Store, cc: ConfChange): void {
  const dir = `/0/members/${idToHex(cc.nodeId)}`;
  const exists = (path: string) => {
    try {
      v2.get(path, false, false);
      return true;
    } catch {
      return false;
    }
  };
  if (exists(`/0/removed_members/${idToHex(cc.nodeId)}`)) return;
  if (cc.type === ConfChangeType.RemoveNode) {
    if (!exists(dir)) return;
    v2.delete(dir, true, true);
    v2.create(`/0/removed_members/${idToHex(cc.nodeId)}`, false, '', false, { expireTime: 0n });
    return;
  }
  if (cc.context.length === 0) return;
  const m = memberFromJson(cc.context.toString());
  const raftAttrs = JSON.stringify({ peerURLs: m.peerURLs, ...(m.isLearner ? { isLearner: true } : {}) });
  if (cc.type === ConfChangeType.UpdateNode) {
    if (exists(dir)) v2.set(`${dir}/raftAttributes`, false, raftAttrs, { expireTime: 0n });
    return;
  }
  // AddNode of a learner already there is its promotion; any other add of a known ID is refused
  if (exists(dir)) {
    const wasLearner = (JSON.parse(v2.get(`${dir}/raftAttributes`, false, false).node.value ?? '{}') as { isLearner?: boolean }).isLearner === true;
    if (!(cc.type === ConfChangeType.AddNode && wasLearner && !m.isLearner)) return;
  }
  v2.set(`${dir}/raftAttributes`, false, raftAttrs, { expireTime: 0n });
}
