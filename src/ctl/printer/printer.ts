// One printer per output format (-w simple|json|fields|table|protobuf), each answering the
// same calls as etcdctl's printer interface (ctlv3/command/printer.go).
import type * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { CtlError, ExitCode } from '../cli/command.js';

export interface EndpointHealth {
  readonly ep: string;
  readonly health: boolean;
  readonly took: string;
  readonly error: string;
}
export interface EndpointStatus {
  readonly ep: string;
  readonly resp: pb.StatusResponse;
}
export interface EndpointHashKV {
  readonly ep: string;
  readonly resp: pb.HashKVResponse;
}
/** snapshot.Status of clientv3/snapshot. */
export interface DBStatus {
  readonly hash: number;
  readonly revision: bigint;
  readonly totalKey: number;
  readonly totalSize: number;
}

export interface Output {
  out(s: string | Uint8Array): void;
  err(s: string): void;
}

type Header = { header: pb.ResponseHeader | undefined };

/** The calls commands make; every format implements the ones etcdctl's does, the rest fail as etcdctl's. */
export abstract class Printer {
  constructor(
    protected readonly o: Output,
    private readonly format: string,
  ) {}

  /** etcdctl's answer for a response type this format cannot print. */
  protected unsupported(): never {
    throw new CtlError(`${this.format} not supported as output format`, ExitCode.badFeature);
  }

  protected line(s = ''): void {
    this.o.out(s + '\n');
  }

  del(_r: pb.DeleteRangeResponse): void { this.unsupported(); }
  get(_r: pb.RangeResponse): void { this.unsupported(); }
  put(_r: pb.PutResponse): void { this.unsupported(); }
  txn(_r: pb.TxnResponse): void { this.unsupported(); }
  watch(_r: pb.WatchResponse): void { this.unsupported(); }
  grant(_r: pb.LeaseGrantResponse): void { this.unsupported(); }
  revoke(_id: bigint, _r: pb.LeaseRevokeResponse): void { this.unsupported(); }
  keepAlive(_r: pb.LeaseKeepAliveResponse): void { this.unsupported(); }
  timeToLive(_r: pb.LeaseTimeToLiveResponse, _keys: boolean): void { this.unsupported(); }
  leases(_r: pb.LeaseLeasesResponse): void { this.unsupported(); }
  memberAdd(_r: pb.MemberAddResponse): void { this.unsupported(); }
  memberRemove(_id: bigint, _r: pb.MemberRemoveResponse): void { this.unsupported(); }
  memberUpdate(_id: bigint, _r: pb.MemberUpdateResponse): void { this.unsupported(); }
  memberPromote(_id: bigint, _r: pb.MemberPromoteResponse): void { this.unsupported(); }
  memberList(_r: pb.MemberListResponse): void { this.unsupported(); }
  endpointHealth(_h: EndpointHealth[]): void { this.unsupported(); }
  endpointStatus(_s: EndpointStatus[]): void { this.unsupported(); }
  endpointHashKV(_h: EndpointHashKV[]): void { this.unsupported(); }
  moveLeader(_leader: bigint, _target: bigint, _r: pb.MoveLeaderResponse): void { this.unsupported(); }
  alarm(_r: pb.AlarmResponse): void { this.unsupported(); }
  dbStatus(_s: DBStatus): void { this.unsupported(); }
  roleAdd(_role: string, _r: Header): void { this.unsupported(); }
  roleGet(_role: string, _r: pb.AuthRoleGetResponse): void { this.unsupported(); }
  roleDelete(_role: string, _r: Header): void { this.unsupported(); }
  roleList(_r: pb.AuthRoleListResponse): void { this.unsupported(); }
  roleGrantPermission(_role: string, _r: Header): void { this.unsupported(); }
  roleRevokePermission(_role: string, _key: string, _end: string, _r: Header): void { this.unsupported(); }
  userAdd(_user: string, _r: Header): void { this.unsupported(); }
  userGet(_user: string, _r: pb.AuthUserGetResponse): void { this.unsupported(); }
  userList(_r: pb.AuthUserListResponse): void { this.unsupported(); }
  userChangePassword(_r: Header): void { this.unsupported(); }
  userGrantRole(_user: string, _role: string, _r: Header): void { this.unsupported(); }
  userRevokeRole(_user: string, _role: string, _r: Header): void { this.unsupported(); }
  userDelete(_user: string, _r: Header): void { this.unsupported(); }
}

export type { Header };
