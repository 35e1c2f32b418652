// -w simple: etcdctl's default human format (printer_simple.go).
import type * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { AlarmType, alarmTypeToJSON } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { KeyValue } from '../../proto/mvcc/mvccpb/kv.js';
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import { Permission_Type } from '../../proto/auth/authpb/auth.js';
import { prefixRangeEnd } from '../keys.js';
import { hex, hex16, hexBytes, hexPad16 } from './go-format.js';
import { Printer, type DBStatus, type EndpointHashKV, type EndpointHealth, type EndpointStatus, type Header, type Output } from './printer.js';
import { dbStatusTable, endpointHashKVTable, endpointStatusTable, memberListTable } from './table-rows.js';

export class SimplePrinter extends Printer {
  /** get --print-value-only */
  valueOnly = false;

  constructor(
    o: Output,
    private readonly isHex: boolean,
  ) {
    super(o, 'simple');
  }

  private kv(kv: KeyValue): void {
    const k = this.isHex ? hexBytes(kv.key) : kv.key;
    const v = this.isHex ? hexBytes(kv.value) : kv.value;
    if (!this.valueOnly) {
      this.o.out(k);
      this.o.out('\n');
    }
    this.o.out(v);
    this.o.out('\n');
  }

  override del(r: pb.DeleteRangeResponse): void {
    this.line(String(r.deleted));
    for (const kv of r.prev_kvs) this.kv(kv);
  }
  override get(r: pb.RangeResponse): void {
    for (const kv of r.kvs) this.kv(kv);
  }
  override put(r: pb.PutResponse): void {
    this.line('OK');
    if (r.prev_kv) this.kv(r.prev_kv);
  }
  override txn(r: pb.TxnResponse): void {
    this.line(r.succeeded ? 'SUCCESS' : 'FAILURE');
    for (const op of r.responses) {
      this.line('');
      const resp = op.response;
      if (resp?.$case === 'response_delete_range') this.del(resp.value);
      else if (resp?.$case === 'response_put') this.put(resp.value);
      else if (resp?.$case === 'response_range') this.get(resp.value);
      else this.line(`unexpected response ${JSON.stringify(op)}`);
    }
  }
  override watch(r: pb.WatchResponse): void {
    for (const e of r.events) {
      this.line(e.type === Event_EventType.DELETE ? 'DELETE' : 'PUT');
      if (e.prev_kv) this.kv(e.prev_kv);
      if (e.kv) this.kv(e.kv);
    }
  }
  override grant(r: pb.LeaseGrantResponse): void {
    this.line(`lease ${hex16(r.ID)} granted with TTL(${r.TTL}s)`);
  }
  override revoke(id: bigint): void {
    this.line(`lease ${hex16(id)} revoked`);
  }
  override keepAlive(r: pb.LeaseKeepAliveResponse): void {
    this.line(`lease ${hex16(r.ID)} keepalived with TTL(${r.TTL})`);
  }
  override timeToLive(r: pb.LeaseTimeToLiveResponse, keys: boolean): void {
    if (r.grantedTTL === 0n && r.TTL === -1n) {
      this.line(`lease ${hex16(r.ID)} already expired`);
      return;
    }
    let txt = `lease ${hex16(r.ID)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)`;
    if (keys) txt += `, attached keys([${r.keys.map((k) => k.toString()).join(' ')}])`;
    this.line(txt);
  }
  override leases(r: pb.LeaseLeasesResponse): void {
    this.line(`found ${r.leases.length} leases`);
    for (const l of r.leases) this.line(hex16(l.ID));
  }
  override alarm(r: pb.AlarmResponse): void {
    // %+v of *pb.AlarmMember is its compact text form.
    for (const a of r.alarms) {
      const parts = [];
      if (a.memberID !== 0n) parts.push(`memberID:${BigInt.asUintN(64, a.memberID)} `);
      if (a.alarm !== AlarmType.NONE) parts.push(`alarm:${alarmTypeToJSON(a.alarm)} `);
      this.line(parts.join(''));
    }
  }
  override memberAdd(r: pb.MemberAddResponse): void {
    this.line(`Member ${hexPad16(r.member?.ID ?? 0n)} added to cluster ${hexPad16(r.header?.cluster_id ?? 0n)}`);
  }
  override memberRemove(id: bigint, r: pb.MemberRemoveResponse): void {
    this.line(`Member ${hexPad16(id)} removed from cluster ${hexPad16(r.header?.cluster_id ?? 0n)}`);
  }
  override memberUpdate(id: bigint, r: pb.MemberUpdateResponse): void {
    this.line(`Member ${hexPad16(id)} updated in cluster ${hexPad16(r.header?.cluster_id ?? 0n)}`);
  }
  override memberPromote(id: bigint, r: pb.MemberPromoteResponse): void {
    this.line(`Member ${hexPad16(id)} promoted in cluster ${hexPad16(r.header?.cluster_id ?? 0n)}`);
  }
  override memberList(r: pb.MemberListResponse): void {
    for (const row of memberListTable(r)[1]) this.line(row.join(', '));
  }
  override endpointHealth(hs: EndpointHealth[]): void {
    for (const h of hs) {
      if (h.error === '') this.o.err(`${h.ep} is healthy: successfully committed proposal: took = ${h.took}\n`);
      else this.o.err(`${h.ep} is unhealthy: failed to commit proposal: ${h.error}\n`);
    }
  }
  override endpointStatus(s: EndpointStatus[]): void {
    for (const row of endpointStatusTable(s)[1]) this.line(row.join(', '));
  }
  override endpointHashKV(h: EndpointHashKV[]): void {
    for (const row of endpointHashKVTable(h)[1]) this.line(row.join(', '));
  }
  override dbStatus(s: DBStatus): void {
    for (const row of dbStatusTable(s)[1]) this.line(row.join(', '));
  }
  override moveLeader(leader: bigint, target: bigint): void {
    this.line(`Leadership transferred from ${hex(leader)} to ${hex(target)}`);
  }
  override roleAdd(role: string): void {
    this.line(`Role ${role} created`);
  }
  override roleGet(role: string, r: pb.AuthRoleGetResponse): void {
    this.line(`Role ${role}`);
    const printPerms = (want: Permission_Type) => {
      for (const p of r.perm) {
        if (p.permType !== want && p.permType !== Permission_Type.READWRITE) continue;
        const key = p.key.toString();
        if (p.range_end.length === 0) {
          this.line(`\t${key}`);
          continue;
        }
        const end = p.range_end.toString();
        let s = end !== '\x00' ? `\t[${key}, ${end})` : `\t[${key}, <open ended>`;
        if (prefixRangeEnd(p.key).equals(p.range_end)) s += ` (prefix ${key})`;
        this.line(s);
      }
    };
    this.line('KV Read:');
    printPerms(Permission_Type.READ);
    this.line('KV Write:');
    printPerms(Permission_Type.WRITE);
  }
  override roleList(r: pb.AuthRoleListResponse): void {
    for (const role of r.roles) this.line(role);
  }
  override roleDelete(role: string): void {
    this.line(`Role ${role} deleted`);
  }
  override roleGrantPermission(role: string): void {
    this.line(`Role ${role} updated`);
  }
  override roleRevokePermission(role: string, key: string, end: string): void {
    if (end.length === 0) this.line(`Permission of key ${key} is revoked from role ${role}`);
    else if (end !== '\x00') this.line(`Permission of range [${key}, ${end}) is revoked from role ${role}`);
    else this.line(`Permission of range [${key}, <open ended> is revoked from role ${role}`);
  }
  override userAdd(user: string): void {
    this.line(`User ${user} created`);
  }
  override userGet(user: string, r: pb.AuthUserGetResponse): void {
    this.line(`User: ${user}`);
    this.line(`Roles:${r.roles.map((x) => ` ${x}`).join('')}`);
  }
  override userChangePassword(): void {
    this.line('Password updated');
  }
  override userGrantRole(user: string, role: string): void {
    this.line(`Role ${role} is granted to user ${user}`);
  }
  override userRevokeRole(user: string, role: string): void {
    this.line(`Role ${role} is revoked from user ${user}`);
  }
  override userDelete(user: string, _r: Header): void {
    this.line(`User ${user} deleted`);
  }
  override userList(r: pb.AuthUserListResponse): void {
    for (const u of r.users) this.line(u);
  }
}
