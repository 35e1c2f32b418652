// -w json (Go's encoding/json of the responses) and -w protobuf (their wire bytes).
import * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { goJson, type GoJson } from './go-format.js';
import * as shape from './json-shapes.js';
import { Printer, type DBStatus, type EndpointHashKV, type EndpointHealth, type EndpointStatus, type Header, type Output } from './printer.js';

export class JsonPrinter extends Printer {
  constructor(o: Output) {
    super(o, 'json');
  }
  private p(v: GoJson): void {
    this.line(goJson(v));
  }
  override del(r: pb.DeleteRangeResponse): void { this.p(shape.del(r)); }
  override get(r: pb.RangeResponse): void { this.p(shape.range(r)); }
  override put(r: pb.PutResponse): void { this.p(shape.put(r)); }
  override txn(r: pb.TxnResponse): void { this.p(shape.txn(r)); }
  override watch(r: pb.WatchResponse): void { this.p(shape.watch(r)); }
  override grant(r: pb.LeaseGrantResponse): void { this.p(shape.grant(r)); }
  override revoke(_id: bigint, r: pb.LeaseRevokeResponse): void { this.p(shape.revoke(r)); }
  override keepAlive(r: pb.LeaseKeepAliveResponse): void { this.p(shape.keepAlive(r)); }
  override timeToLive(r: pb.LeaseTimeToLiveResponse): void { this.p(shape.timeToLive(r)); }
  override leases(r: pb.LeaseLeasesResponse): void { this.p(shape.leases(r)); }
  override memberAdd(r: pb.MemberAddResponse): void { this.p(shape.memberAdd(r)); }
  override memberRemove(_id: bigint, r: pb.MemberRemoveResponse): void { this.p(shape.memberChange(r)); }
  override memberUpdate(_id: bigint, r: pb.MemberUpdateResponse): void { this.p(shape.memberChange(r)); }
  override memberList(r: pb.MemberListResponse): void { this.p(shape.memberList(r)); }
  override alarm(r: pb.AlarmResponse): void { this.p(shape.alarm(r)); }
  override moveLeader(_l: bigint, _t: bigint, r: pb.MoveLeaderResponse): void { this.p(shape.headerOnly(r)); }
  override endpointHealth(hs: EndpointHealth[]): void {
    this.p(hs.map((h) => ({ endpoint: h.ep, health: h.health, took: h.took, error: h.error === '' ? undefined : h.error })));
  }
  override endpointStatus(ss: EndpointStatus[]): void {
    this.p(ss.map((s) => ({ Endpoint: s.ep, Status: shape.status(s.resp) })));
  }
  override endpointHashKV(hs: EndpointHashKV[]): void {
    this.p(hs.map((h) => ({ Endpoint: h.ep, HashKV: shape.hashKV(h.resp) })));
  }
  override dbStatus(s: DBStatus): void {
    this.p({ hash: s.hash, revision: s.revision, totalKey: s.totalKey, totalSize: s.totalSize });
  }
  override roleAdd(_role: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override roleGet(_role: string, r: pb.AuthRoleGetResponse): void { this.p(shape.roleGet(r)); }
  override roleDelete(_role: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override roleList(r: pb.AuthRoleListResponse): void { this.p(shape.roleList(r)); }
  override roleGrantPermission(_role: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override roleRevokePermission(_role: string, _k: string, _e: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override userAdd(_user: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override userGet(_user: string, r: pb.AuthUserGetResponse): void { this.p(shape.userGet(r)); }
  override userList(r: pb.AuthUserListResponse): void { this.p(shape.userList(r)); }
  override userChangePassword(r: Header): void { this.p(shape.headerOnly(r)); }
  override userGrantRole(_u: string, _r: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override userRevokeRole(_u: string, _r: string, r: Header): void { this.p(shape.headerOnly(r)); }
  override userDelete(_user: string, r: Header): void { this.p(shape.headerOnly(r)); }
}

type Encoder<T> = { encode(m: T): { finish(): Uint8Array } };

export class ProtobufPrinter extends Printer {
  constructor(o: Output) {
    super(o, 'protobuf');
  }
  private p<T>(codec: Encoder<T>, m: T): void {
    this.o.out(codec.encode(m).finish());
  }
  /**
   * clientv3's lease responses embed *pb.ResponseHeader, whose Marshal method Go promotes:
   * etcdctl writes the header alone.
   */
  private embeddedHeader(r: Header): void {
    this.p(pb.ResponseHeader, r.header ?? { cluster_id: 0n, member_id: 0n, revision: 0n, raft_term: 0n });
  }
  override del(r: pb.DeleteRangeResponse): void { this.p(pb.DeleteRangeResponse, r); }
  override get(r: pb.RangeResponse): void { this.p(pb.RangeResponse, r); }
  override put(r: pb.PutResponse): void { this.p(pb.PutResponse, r); }
  override txn(r: pb.TxnResponse): void { this.p(pb.TxnResponse, r); }
  override watch(r: pb.WatchResponse): void {
    this.p(pb.WatchResponse, { ...r, watch_id: 0n, cancel_reason: '', fragment: false });
  }
  override grant(r: pb.LeaseGrantResponse): void { this.embeddedHeader(r); }
  override keepAlive(r: pb.LeaseKeepAliveResponse): void { this.embeddedHeader(r); }
  override timeToLive(r: pb.LeaseTimeToLiveResponse): void { this.embeddedHeader(r); }
  override leases(r: pb.LeaseLeasesResponse): void { this.embeddedHeader(r); }
  override revoke(_id: bigint, r: pb.LeaseRevokeResponse): void { this.p(pb.LeaseRevokeResponse, r); }
  override memberAdd(r: pb.MemberAddResponse): void { this.p(pb.MemberAddResponse, r); }
  override memberRemove(_id: bigint, r: pb.MemberRemoveResponse): void { this.p(pb.MemberRemoveResponse, r); }
  override memberUpdate(_id: bigint, r: pb.MemberUpdateResponse): void { this.p(pb.MemberUpdateResponse, r); }
  override memberList(r: pb.MemberListResponse): void { this.p(pb.MemberListResponse, r); }
  override alarm(r: pb.AlarmResponse): void { this.p(pb.AlarmResponse, r); }
  override roleAdd(_role: string, r: Header): void { this.p(pb.AuthRoleAddResponse, r); }
  override roleGet(_role: string, r: pb.AuthRoleGetResponse): void { this.p(pb.AuthRoleGetResponse, r); }
  override roleDelete(_role: string, r: Header): void { this.p(pb.AuthRoleDeleteResponse, r); }
  override roleList(r: pb.AuthRoleListResponse): void { this.p(pb.AuthRoleListResponse, r); }
  override roleGrantPermission(_role: string, r: Header): void { this.p(pb.AuthRoleGrantPermissionResponse, r); }
  override roleRevokePermission(_role: string, _k: string, _e: string, r: Header): void { this.p(pb.AuthRoleRevokePermissionResponse, r); }
  override userAdd(_user: string, r: Header): void { this.p(pb.AuthUserAddResponse, r); }
  override userGet(_user: string, r: pb.AuthUserGetResponse): void { this.p(pb.AuthUserGetResponse, r); }
  override userList(r: pb.AuthUserListResponse): void { this.p(pb.AuthUserListResponse, r); }
  override userChangePassword(r: Header): void { this.p(pb.AuthUserChangePasswordResponse, r); }
  override userGrantRole(_u: string, _r: string, r: Header): void { this.p(pb.AuthUserGrantRoleResponse, r); }
  override userRevokeRole(_u: string, _r: string, r: Header): void { this.p(pb.AuthUserRevokeRoleResponse, r); }
  override userDelete(_user: string, r: Header): void { this.p(pb.AuthUserDeleteResponse, r); }
}
