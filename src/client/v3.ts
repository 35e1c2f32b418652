// A typed etcd v3 client over grpc-js with endpoint failover: used by tetcdctl, the backup tool,
// tests and benchmarks. It talks to any etcd v3 endpoint, tetcd or etcd.
import { credentials, Metadata, status, type ChannelCredentials, type Client, type ServiceError } from '@grpc/grpc-js';
import {
  KVClient,
  LeaseClient,
  RangeRequest,
  PutRequest,
  DeleteRangeRequest,
  TxnRequest,
  CompactionRequest,
  LeaseGrantRequest,
  LeaseRevokeRequest,
  MaintenanceClient,
  ClusterClient,
  type RangeResponse,
  type PutResponse,
  type DeleteRangeResponse,
  type TxnResponse,
  type CompactionResponse,
  type StatusResponse,
  type MemberListResponse,
  type LeaseGrantResponse,
  type LeaseRevokeResponse,
} from '../proto/etcdserver/etcdserverpb/rpc.js';

export interface V3ClientOptions {
  /** host:port or http(s)://host:port, as etcdctl's --endpoints. */
  endpoints: string[];
  dialTimeoutMs?: number;
  commandTimeoutMs?: number;
  credentials?: ChannelCredentials;
}

const DEFAULT_DIAL_TIMEOUT_MS = 2000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

interface Stubs {
  kv: KVClient;
  lease: LeaseClient;
  maintenance: MaintenanceClient;
  cluster: ClusterClient;
}

type Unary<Req, Resp> = (req: Req, md: Metadata, opts: { deadline: Date }, cb: (err: ServiceError | null, resp: Resp) => void) => unknown;

/** Strips the scheme etcdctl accepts in --endpoints; grpc-js wants host:port. */
export function endpointAddress(ep: string): string {
  return ep.replace(/^(https?|unix|unixs):\/\//, '').replace(/\/+$/, '');
}

export class V3Client {
  private readonly stubs: Stubs[];
  private current = 0;
  private readonly commandTimeoutMs: number;

  constructor(opts: V3ClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('no endpoints given');
    const creds = opts.credentials ?? credentials.createInsecure();
    const chOpts = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_receive_message_length': -1 };
    this.stubs = opts.endpoints.map((ep) => {
      const addr = endpointAddress(ep);
      return {
        kv: new KVClient(addr, creds, chOpts),
        lease: new LeaseClient(addr, creds, chOpts),
        maintenance: new MaintenanceClient(addr, creds, chOpts),
        cluster: new ClusterClient(addr, creds, chOpts),
      };
    });
    this.commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    void (opts.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS);
  }

  /** Calls on the current endpoint, moving to the next one when it is unreachable. */
  private async call<Req, Resp>(pick: (s: Stubs) => [Client, Unary<Req, Resp>], req: Req): Promise<Resp> {
    let lastErr: ServiceError | undefined;
    for (let tries = 0; tries < this.stubs.length; tries++) {
      const stubs = this.stubs[this.current]!;
      const [client, fn] = pick(stubs);
      try {
        return await new Promise<Resp>((resolve, reject) => {
          fn.call(client, req, new Metadata(), { deadline: new Date(Date.now() + this.commandTimeoutMs) }, (err, resp) =>
            err ? reject(err) : resolve(resp),
          );
        });
      } catch (err) {
        lastErr = err as ServiceError;
        if (lastErr.code !== status.UNAVAILABLE) throw lastErr;
        this.current = (this.current + 1) % this.stubs.length;
      }
    }
    throw lastErr!;
  }

  range(req: Partial<RangeRequest>): Promise<RangeResponse> {
    return this.call((s) => [s.kv, s.kv.range as unknown as Unary<RangeRequest, RangeResponse>], RangeRequest.fromPartial(req));
  }

  put(req: Partial<PutRequest>): Promise<PutResponse> {
    return this.call((s) => [s.kv, s.kv.put as unknown as Unary<PutRequest, PutResponse>], PutRequest.fromPartial(req));
  }

  deleteRange(req: Partial<DeleteRangeRequest>): Promise<DeleteRangeResponse> {
    return this.call((s) => [s.kv, s.kv.deleteRange as unknown as Unary<DeleteRangeRequest, DeleteRangeResponse>], DeleteRangeRequest.fromPartial(req));
  }

  txn(req: Partial<TxnRequest>): Promise<TxnResponse> {
    return this.call((s) => [s.kv, s.kv.txn as unknown as Unary<TxnRequest, TxnResponse>], TxnRequest.fromPartial(req));
  }

  compact(req: Partial<CompactionRequest>): Promise<CompactionResponse> {
    return this.call((s) => [s.kv, s.kv.compact as unknown as Unary<CompactionRequest, CompactionResponse>], CompactionRequest.fromPartial(req));
  }

  leaseGrant(ttl: number, id = 0n): Promise<LeaseGrantResponse> {
    return this.call((s) => [s.lease, s.lease.leaseGrant as unknown as Unary<object, LeaseGrantResponse>], LeaseGrantRequest.fromPartial({ TTL: BigInt(ttl), ID: id }));
  }

  leaseRevoke(id: bigint): Promise<LeaseRevokeResponse> {
    return this.call((s) => [s.lease, s.lease.leaseRevoke as unknown as Unary<object, LeaseRevokeResponse>], LeaseRevokeRequest.fromPartial({ ID: id }));
  }

  status(): Promise<StatusResponse> {
    return this.call((s) => [s.maintenance, s.maintenance.status as unknown as Unary<object, StatusResponse>], {});
  }

  memberList(): Promise<MemberListResponse> {
    return this.call((s) => [s.cluster, s.cluster.memberList as unknown as Unary<object, MemberListResponse>], {});
  }

  close(): void {
    for (const s of this.stubs) {
      s.kv.close();
      s.lease.close();
      s.maintenance.close();
      s.cluster.close();
    }
  }
}
