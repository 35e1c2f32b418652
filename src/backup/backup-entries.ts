// Which raft entries a v2 `backup` keeps, as etcdctl's loadWAL decides: membership changes
// (ConfChange entries and the PUT /0/members/<id>/attributes v2 requests) belong to the old
// cluster and go; v3 requests go too unless --with-v3 (then the backend they were applied to
// comes along). The kept entries are renumbered to close the gaps, as etcd does.
//
// Unlike etcd, entries past the commit index are dropped as well (etcd's --force-new-cluster
// drops them at start; tetcd starts the copy as a plain restart, which must not commit them).
import { EntryType, decodeEntry, encodeEntry, type Entry } from '../raft/index.js';
import { decodeV2Request } from '../v2store/index.js';
import type { WalEntry } from '../wal/index.js';
import type { Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { topLevelField } from '../util/protowire.js';

const MEMBER_ATTRS_PATH = /^\/0\/members\/[0-9a-fA-F]{1,16}\/attributes$/;
/** InternalRaftRequest fields: the nested v2 request, and the header every v3 request carries. */
const V2_FIELD = 2;
const HEADER_FIELD = 100;

export type DropReason = 'conf-change' | 'member-attributes' | 'v3';

export interface FilteredLog {
  /** Kept committed entries, renumbered from `snapshotIndex + 1`. */
  entries: Entry[];
  /** The index of the last kept entry (the new commit). */
  commit: number;
  /** Maps an old index (>= snapshotIndex) to the new index of the last kept entry at or before it. */
  renumber(oldIndex: number): number;
  dropped: Array<{ index: number; reason: DropReason; path?: string }>;
}

export function filterEntries(walEntries: readonly WalEntry[], snapshotIndex: number, commit: number, withV3: boolean): FilteredLog {
  const entries: Entry[] = [];
  const dropped: FilteredLog['dropped'] = [];
  /** old index → new index, for the kept ones. */
  const keptOld: number[] = [];
  for (const we of walEntries) {
    if (we.index > commit) break;
    const e = decodeEntry(we.encoded);
    const drop = dropReason(e, withV3);
    if (drop) {
      dropped.push({ index: e.index, ...drop });
      continue;
    }
    keptOld.push(e.index);
    entries.push({ ...e, index: snapshotIndex + entries.length + 1 });
  }
  const renumber = (oldIndex: number): number => {
    if (oldIndex <= snapshotIndex) return oldIndex;
    let n = 0;
    while (n < keptOld.length && keptOld[n]! <= oldIndex) n++;
    return snapshotIndex + n;
  };
  return { entries, commit: snapshotIndex + entries.length, renumber, dropped };
}

/**
 * The v2 request a normal entry carries: a bare etcdserverpb.Request (etcd 3.4's v2 proposals)
 * or one nested in an InternalRaftRequest; undefined for v3 requests and empty entries.
 */
export function v2RequestOf(e: Entry): Request | undefined {
  if (e.type !== EntryType.Normal || e.data.length === 0) return undefined;
  const isInternal = topLevelField(e.data, HEADER_FIELD) !== undefined;
  const v2Bytes = isInternal ? topLevelField(e.data, V2_FIELD) : e.data;
  return v2Bytes === undefined ? undefined : decodeV2Request(v2Bytes);
}

function dropReason(e: Entry, withV3: boolean): { reason: DropReason; path?: string } | undefined {
  if (e.type === EntryType.ConfChange || e.type === EntryType.ConfChangeV2) return { reason: 'conf-change' };
  if (e.data.length === 0) return undefined;
  const req = v2RequestOf(e);
  if (req !== undefined) {
    if (req.Method === 'PUT' && MEMBER_ATTRS_PATH.test(req.Path ?? '')) return { reason: 'member-attributes', path: req.Path };
    return undefined;
  }
  return withV3 ? undefined : { reason: 'v3' };
}

export function encodeEntries(entries: readonly Entry[]): WalEntry[] {
  return entries.map((e) => ({ index: e.index, term: e.term, encoded: encodeEntry(e) }));
}

