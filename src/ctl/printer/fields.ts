// -w fields: one `"Name" : value` line per field (printer_fields.go).
import type * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { KeyValue } from '../../proto/mvcc/mvccpb/kv.js';
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import { alarmTypeToJSON } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { permission_TypeToJSON } from '../../proto/auth/authpb/auth.js';
import { goQuote } from './go-format.js';
import { Printer, type DBStatus, type EndpointHashKV, type EndpointHealth, type EndpointStatus, type Header, type Output } from './printer.js';

const u64 = (v: bigint) => String(BigInt.asUintN(64, v));

export class FieldsPrinter extends Printer {
  constructor(o: Output) {
    super(o, 'fields');
  }
  private kv(pfx: string, kv: KeyValue): void {
    this.line(`"${pfx}Key" : ${goQuote(kv.key)}`);
    this.line(`"${pfx}CreateRevision" : ${kv.create_revision}`);
    this.line(`"${pfx}ModRevision" : ${kv.mod_revision}`);
    this.line(`"${pfx}Version" : ${kv.version}`);
    this.line(`"${pfx}Value" : ${goQuote(kv.value)}`);
    this.line(`"${pfx}Lease" : ${kv.lease}`);
  }
  private hdr(h: pb.ResponseHeader | undefined): void {
    this.line(`"ClusterID" : ${u64(h?.cluster_id ?? 0n)}`);
    this.line(`"MemberID" : ${u64(h?.member_id ?? 0n)}`);
    this.line(`"Revision" : ${h?.revision ?? 0n}`);
    this.line(`"RaftTerm" : ${u64(h?.raft_term ?? 0n)}`);
  }
  override del(r: pb.DeleteRangeResponse): void {
    this.hdr(r.header);
    this.line(`"Deleted" : ${r.deleted}`);
    for (const kv of r.prev_kvs) this.kv('Prev', kv);
  }
  override get(r: pb.RangeResponse): void {
    this.hdr(r.header);
    for (const kv of r.kvs) this.kv('', kv);
    this.line(`"More" : ${r.more}`);
    this.line(`"Count" : ${r.count}`);
  }
  override put(r: pb.PutResponse): void {
    this.hdr(r.header);
    if (r.prev_kv) this.kv('Prev', r.prev_kv);
  }
  override txn(r: pb.TxnResponse): void {
    this.hdr(r.header);
    this.line(`"Succeeded" : ${r.succeeded}`);
    for (const op of r.responses) {
      const resp = op.response;
      if (resp?.$case === 'response_delete_range') this.del(resp.value);
      else if (resp?.$case === 'response_put') this.put(resp.value);
      else if (resp?.$case === 'response_range') this.get(resp.value);
      else this.line(`"Unknown" : ${goQuote(JSON.stringify(resp))}`);
    }
  }
  override watch(r: pb.WatchResponse): void {
    this.hdr(r.header);
    for (const e of r.events) {
      this.line(`"Type" : ${e.type === Event_EventType.DELETE ? 'DELETE' : 'PUT'}`);
      if (e.prev_kv) this.kv('Prev', e.prev_kv);
      if (e.kv) this.kv('', e.kv);
    }
  }
  override grant(r: pb.LeaseGrantResponse): void {
    this.hdr(r.header);
    this.line(`"ID" : ${r.ID}`);
    this.line(`"TTL" : ${r.TTL}`);
  }
  override revoke(_id: bigint, r: pb.LeaseRevokeResponse): void {
    this.hdr(r.header);
  }
  override keepAlive(r: pb.LeaseKeepAliveResponse): void {
    this.hdr(r.header);
    this.line(`"ID" : ${r.ID}`);
    this.line(`"TTL" : ${r.TTL}`);
  }
  override timeToLive(r: pb.LeaseTimeToLiveResponse): void {
    this.hdr(r.header);
    this.line(`"ID" : ${r.ID}`);
    this.line(`"TTL" : ${r.TTL}`);
    this.line(`"GrantedTTL" : ${r.grantedTTL}`);
    for (const k of r.keys) this.line(`"Key" : ${goQuote(k)}`);
  }
  override leases(r: pb.LeaseLeasesResponse): void {
    this.hdr(r.header);
    for (const l of r.leases) this.line(`"ID" : ${l.ID}`);
  }
  override memberList(r: pb.MemberListResponse): void {
    this.hdr(r.header);
    for (const m of r.members) {
      this.line(`"ID" : ${u64(m.ID)}`);
      this.line(`"Name" : ${goQuote(m.name)}`);
      for (const u of m.peerURLs) this.line(`"PeerURL" : ${goQuote(u)}`);
      for (const u of m.clientURLs) this.line(`"ClientURL" : ${goQuote(u)}`);
      this.line(`"IsLearner" : ${m.isLearner}`);
      this.line();
    }
  }
  override endpointHealth(hs: EndpointHealth[]): void {
    for (const h of hs) {
      this.line(`"Endpoint" : ${goQuote(h.ep)}`);
      this.line(`"Health" : ${h.health}`);
      this.line(`"Took" : ${h.took}`);
      this.line(`"Error" : ${h.error}`);
      this.line();
    }
  }
  override endpointStatus(ss: EndpointStatus[]): void {
    for (const { ep, resp } of ss) {
      this.hdr(resp.header);
      this.line(`"Version" : ${goQuote(resp.version)}`);
      this.line(`"DBSize" : ${resp.dbSize}`);
      this.line(`"Leader" : ${u64(resp.leader)}`);
      this.line(`"IsLearner" : ${resp.isLearner}`);
      this.line(`"RaftIndex" : ${u64(resp.raftIndex)}`);
      this.line(`"RaftTerm" : ${u64(resp.raftTerm)}`);
      this.line(`"RaftAppliedIndex" : ${u64(resp.raftAppliedIndex)}`);
      this.line(`"Errors" : [${resp.errors.join(' ')}]`);
      this.line(`"Endpoint" : ${goQuote(ep)}`);
      this.line();
    }
  }
  override endpointHashKV(hs: EndpointHashKV[]): void {
    for (const { ep, resp } of hs) {
      this.hdr(resp.header);
      this.line(`"Endpoint" : ${goQuote(ep)}`);
      this.line(`"Hash" : ${resp.hash}`);
      this.line();
    }
  }
  override alarm(r: pb.AlarmResponse): void {
    this.hdr(r.header);
    for (const a of r.alarms) {
      this.line(`"MemberID" : ${u64(a.memberID)}`);
      this.line(`"AlarmType" : ${alarmTypeToJSON(a.alarm)}`);
      this.line();
    }
  }
  override dbStatus(s: DBStatus): void {
    this.line(`"Hash" : ${s.hash}`);
    this.line(`"Revision" : ${s.revision}`);
    this.line(`"Keys" : ${s.totalKey}`);
    this.line(`"Size" : ${s.totalSize}`);
  }
  override roleAdd(_role: string, r: Header): void { this.hdr(r.header); }
  override roleGet(_role: string, r: pb.AuthRoleGetResponse): void {
    this.hdr(r.header);
    for (const p of r.perm) {
      this.line(`"PermType" :  ${permission_TypeToJSON(p.permType)}`);
      this.line(`"Key" : ${goQuote(p.key)}`);
      this.line(`"RangeEnd" : ${goQuote(p.range_end)}`);
    }
  }
  override roleDelete(_role: string, r: Header): void { this.hdr(r.header); }
  override roleList(r: pb.AuthRoleListResponse): void {
    this.hdr(r.header);
    this.line(`"Roles" :${r.roles.map((x) => ` ${goQuote(x)}`).join('')}`);
  }
  override roleGrantPermission(_role: string, r: Header): void { this.hdr(r.header); }
  override roleRevokePermission(_role: string, _k: string, _e: string, r: Header): void { this.hdr(r.header); }
  override userAdd(_user: string, r: Header): void { this.hdr(r.header); }
  override userChangePassword(r: Header): void { this.hdr(r.header); }
  override userGrantRole(_u: string, _role: string, r: Header): void { this.hdr(r.header); }
  override userRevokeRole(_u: string, _role: string, r: Header): void { this.hdr(r.header); }
  override userDelete(_user: string, r: Header): void { this.hdr(r.header); }
}
