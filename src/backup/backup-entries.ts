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

/** The bytes of length-delimited field `field` at the top level of a protobuf message. */
function topLevelField(data: Buffer, field: number): Buffer | undefined {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; i < data.length && shift < 64; shift += 7) {
      const b = data[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return -1;
  };
  while (i < data.length) {
    const tag = varint();
    if (tag < 0) return undefined;
    const wire = tag % 8;
    if (wire === 0) {
      if (varint() < 0) return undefined;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (len < 0 || i + len > data.length) return undefined;
      if (Math.floor(tag / 8) === field) return data.subarray(i, i + len);
      i += len;
    } else return undefined;
  }
  return undefined;
}
