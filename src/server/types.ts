// The member as the API layer sees it. api/ talks to a member only through this interface and
// never reaches into mvcc/, lease/ or raft/. Every method returns etcd's generated response types
// with the header already filled; failures are thrown as `EtcdError` (see errors.ts) whose
// message is etcd's exact text, which api/ maps to the gRPC status with RPC_ERRORS.
import type {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DefragmentResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
  MoveLeaderResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnRequest,
  TxnResponse,
} from '../proto/etcdserver/etcdserverpb/rpc.js';
import type { Event } from '../proto/mvcc/mvccpb/kv.js';
import type { V2Member } from '../api/v2/types.js';

/** What a watch asks for; revisions are numbers (below 2^53). */
export interface WatchSpec {
  key: Buffer;
  /** Empty: the single key; `\0`: every key >= key; otherwise [key, rangeEnd). */
  rangeEnd: Buffer;
  /** 0 means "from the next revision". */
  startRevision: number;
  prevKv: boolean;
  noPut: boolean;
  noDelete: boolean;
}

/** Callbacks of one watcher. Events of one revision always arrive in one call. */
export interface WatchSink {
  events(events: Event[], revision: number): void;
  /** The start revision was compacted: the watcher is gone. */
  compacted(compactRevision: number): void;
}

export interface WatchHandle {
  cancel(): void;
}

export interface MemberServer {
  readonly memberId: bigint;
  /** The v2 API of this member; undefined unless --enable-v2 (etcd 3.4's default: off). */
  readonly v2?: V2Member;
  readonly clusterId: bigint;
  header(revision?: number): ResponseHeader;

  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  compact(req: CompactionRequest): Promise<CompactionResponse>;

  watch(spec: WatchSpec, sink: WatchSink): WatchHandle;
  /** Rejects (with etcd's auth error) when the caller may not watch [key, rangeEnd). */
  authorizeWatch?(key: Buffer, rangeEnd: Buffer): Promise<void>;
  /** Current revision, for progress notifications. */
  currentRevision(): number;

  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse>;
  /** Returns the new TTL in seconds. */
  leaseRenew(id: bigint): Promise<number>;
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<LeaseLeasesResponse>;

  status(): Promise<StatusResponse>;
  hash(): Promise<HashResponse>;
  hashKV(revision: number): Promise<HashKVResponse>;
  defragment(): Promise<DefragmentResponse>;
  alarm(req: AlarmRequest): Promise<AlarmResponse>;
  /**
   * The backend as an etcd bbolt file: its size in bytes and its chunks. The caller sends
   * remaining_bytes from `size` and appends the sha256 trailer of the bytes as etcd does.
   */
  snapshot(): Promise<{ size: number; chunks: AsyncIterable<Buffer> }>;
  moveLeader(target: bigint): Promise<MoveLeaderResponse>;

  memberList(): Promise<MemberListResponse>;
  /** Cluster membership changes, through raft (etcd's Cluster service). */
  memberAdd(peerURLs: string[], isLearner: boolean): Promise<MemberAddResponse>;
  memberRemove(id: bigint): Promise<MemberRemoveResponse>;
  memberUpdate(id: bigint, peerURLs: string[]): Promise<MemberUpdateResponse>;
  memberPromote(id: bigint): Promise<MemberPromoteResponse>;

  /** `/health`: true when the member has a leader and no alarm. */
  health(): Promise<{ health: boolean; reason?: string }>;
}
