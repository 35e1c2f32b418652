// The JSON shapes etcdctl prints with -w json: Go's encoding/json over the gogo-generated
// structs (snake_case tags, omitempty) and over clientv3's own response types (embedded
// headers, Go field names). Field order is the struct order.
import type * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { KeyValue, Event } from '../../proto/mvcc/mvccpb/kv.js';
import type { Permission } from '../../proto/auth/authpb/auth.js';
import { oe, type GoJson } from './go-format.js';

type Obj = { [k: string]: GoJson | undefined };

/** pb.ResponseHeader, or undefined for a nil header (omitted). */
export function header(h: pb.ResponseHeader | undefined): Obj | undefined {
  if (!h) return undefined;
  return { cluster_id: oe(h.cluster_id), member_id: oe(h.member_id), revision: oe(h.revision), raft_term: oe(h.raft_term) };
}

/** clientv3 responses that embed *pb.ResponseHeader: its fields at the top level. */
function embedded(h: pb.ResponseHeader | undefined): Obj {
  return header(h) ?? {};
}

export function kv(k: KeyValue | undefined): Obj | undefined {
  if (!k) return undefined;
  return { key: oe(k.key), create_revision: oe(k.create_revision), mod_revision: oe(k.mod_revision), version: oe(k.version), value: oe(k.value), lease: oe(k.lease) };
}

export const range = (r: pb.RangeResponse): Obj => ({ header: header(r.header), kvs: oe(r.kvs.map((k) => kv(k)!)), more: oe(r.more), count: oe(r.count) });
export const put = (r: pb.PutResponse): Obj => ({ header: header(r.header), prev_kv: kv(r.prev_kv) });
export const del = (r: pb.DeleteRangeResponse): Obj => ({ header: header(r.header), deleted: oe(r.deleted), prev_kvs: oe(r.prev_kvs.map((k) => kv(k)!)) });

function responseOp(op: pb.ResponseOp): Obj {
  const r = op.response;
  if (r?.$case === 'response_range') return { Response: { ResponseRange: range(r.value) } };
  if (r?.$case === 'response_put') return { Response: { ResponsePut: put(r.value) } };
  if (r?.$case === 'response_delete_range') return { Response: { ResponseDeleteRange: del(r.value) } };
  if (r?.$case === 'response_txn') return { Response: { ResponseTxn: txn(r.value) } };
  return {};
}

export function txn(r: pb.TxnResponse): Obj {
  return { header: header(r.header), succeeded: oe(r.succeeded), responses: oe(r.responses.map(responseOp)) };
}

function event(e: Event): Obj {
  return { type: oe(e.type), kv: kv(e.kv), prev_kv: kv(e.prev_kv) };
}

/** clientv3.WatchResponse: Go field names, a non-pointer header. */
export function watch(r: pb.WatchResponse): Obj {
  return {
    Header: header(r.header) ?? {},
    // clientv3 converts events with make([]*Event, n): an empty list, never null.
    Events: r.events.map(event),
    CompactRevision: r.compact_revision,
    Canceled: r.canceled,
    Created: r.created,
  };
}

export const grant = (r: pb.LeaseGrantResponse): Obj => ({ ...embedded(r.header), ID: r.ID, TTL: r.TTL, Error: r.error });
export const revoke = (r: pb.LeaseRevokeResponse): Obj => ({ header: header(r.header) });
export const keepAlive = (r: pb.LeaseKeepAliveResponse): Obj => ({ ...embedded(r.header), ID: r.ID, TTL: r.TTL });
export const timeToLive = (r: pb.LeaseTimeToLiveResponse): Obj => ({
  ...embedded(r.header),
  id: r.ID,
  ttl: r.TTL,
  'granted-ttl': r.grantedTTL,
  keys: r.keys.length === 0 ? null : r.keys,
});
export const leases = (r: pb.LeaseLeasesResponse): Obj => ({ ...embedded(r.header), leases: r.leases.length === 0 ? null : r.leases.map((l) => ({ id: l.ID })) });

export function member(m: pb.Member | undefined): Obj | undefined {
  if (!m) return undefined;
  return { ID: oe(m.ID), name: oe(m.name), peerURLs: oe(m.peerURLs), clientURLs: oe(m.clientURLs), isLearner: oe(m.isLearner) };
}
const members = (ms: pb.Member[]) => oe(ms.map((m) => member(m)!));
export const memberList = (r: pb.MemberListResponse): Obj => ({ header: header(r.header), members: members(r.members) });
export const memberAdd = (r: pb.MemberAddResponse): Obj => ({ header: header(r.header), member: member(r.member), members: members(r.members) });
export const memberChange = (r: { header: pb.ResponseHeader | undefined; members: pb.Member[] }): Obj => ({ header: header(r.header), members: members(r.members) });

export const alarm = (r: pb.AlarmResponse): Obj => ({ header: header(r.header), alarms: oe(r.alarms.map((a) => ({ memberID: oe(a.memberID), alarm: oe(a.alarm) }))) });

export function status(r: pb.StatusResponse): Obj {
  return {
    header: header(r.header),
    version: oe(r.version),
    dbSize: oe(r.dbSize),
    leader: oe(r.leader),
    raftIndex: oe(r.raftIndex),
    raftTerm: oe(r.raftTerm),
    raftAppliedIndex: oe(r.raftAppliedIndex),
    errors: oe(r.errors),
    dbSizeInUse: oe(r.dbSizeInUse),
    isLearner: oe(r.isLearner),
  };
}

export const hashKV = (r: pb.HashKVResponse): Obj => ({ header: header(r.header), hash: oe(r.hash), compact_revision: oe(r.compact_revision) });
export const headerOnly = (r: { header?: pb.ResponseHeader | undefined }): Obj => ({ header: header(r.header) });

function permission(p: Permission): Obj {
  return { permType: oe(p.permType), key: oe(p.key), range_end: oe(p.range_end) };
}
export const roleGet = (r: pb.AuthRoleGetResponse): Obj => ({ header: header(r.header), perm: oe(r.perm.map(permission)) });
export const userGet = (r: pb.AuthUserGetResponse): Obj => ({ header: header(r.header), roles: oe(r.roles) });
export const roleList = (r: pb.AuthRoleListResponse): Obj => ({ header: header(r.header), roles: oe(r.roles) });
export const userList = (r: pb.AuthUserListResponse): Obj => ({ header: header(r.header), users: oe(r.users) });
