// One tetcd member: the v3 requests of MemberServer turned into raft proposals, applied in log
// order, answered once applied. Reads are served locally after a ReadIndex confirmation
// (linearizable) or straight away (serializable).
import type {
  AlarmMember,
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
  Member as PbMember,
  MoveLeaderResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnResponse,
} from '../proto/etcdserver/etcdserverpb/rpc.js';
import { AlarmRequest_AlarmAction, AlarmType, TxnRequest } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { InternalRaftRequest } from '../proto/etcdserver/etcdserverpb/raft_internal.js';
import { Request, type Request as V2Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { encodeV2Request } from '../v2store/index.js';
import type { V2Member } from '../api/v2/types.js';
import { ETCD_API_VERSION } from '../config/version.js';
import type { MemberServer, WatchHandle, WatchSink, WatchSpec } from './types.js';
import { EtcdServerError, ServerErrors } from './errors.js';
import { ProposalWait, AppliedWait } from './wait.js';
import { ReadIndexBatcher } from './read-index.js';
import { computeMemberId, memberToJson, type Member } from './membership.js';
import { ConfChangeType } from '../raft/index.js';
import type { Logger } from './logger.js';
import type { MemberState } from './member-state.js';
import type { ApplyResult } from './applier.js';
import { checkDeleteRequest, checkPutRequest, checkRangeRequest, validateTxn } from './apply/validate.js';
import { isTxnReadonly } from './apply/kv.js';
import { toEtcdError } from './apply/errors.js';
import { AuthGuard, authenticate } from './auth-guard.js';
import type { AuthServer } from '../auth/index.js';
import type {
  AuthDisableRequest,
  AuthDisableResponse,
  AuthEnableRequest,
  AuthEnableResponse,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthRoleAddRequest,
  AuthRoleAddResponse,
  AuthRoleDeleteRequest,
  AuthRoleDeleteResponse,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleGrantPermissionResponse,
  AuthRoleListRequest,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthRoleRevokePermissionResponse,
  AuthUserAddRequest,
  AuthUserAddResponse,
  AuthUserChangePasswordRequest,
  AuthUserChangePasswordResponse,
  AuthUserDeleteRequest,
  AuthUserDeleteResponse,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserGrantRoleResponse,
  AuthUserListRequest,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
  AuthUserRevokeRoleResponse,
} from '../proto/etcdserver/etcdserverpb/rpc.js';

/** etcd's grpc overhead allowance is on the transport; this is the proposal size limit. */
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const EMPTY_INTERNAL_REQUEST: Readonly<InternalRaftRequest> = Object.freeze(InternalRaftRequest.fromPartial({}));
/** etcd: maxGapBetweenApplyAndCommitIndex — refuse new proposals when apply falls this far behind. */
const MAX_GAP_BETWEEN_APPLY_AND_COMMIT = 5000;
/** etcd's HealthInterval: how long peers must have been connected before a reconfiguration. */
const HEALTH_INTERVAL_MS = 5000;
const PROMOTE_RETRY_MS = 100;
/** How often the leader looks for expired leases (etcd: revokeExpiredLeases every 500 ms). */
const LEASE_EXPIRY_CHECK_MS = 500;

export interface ServerOptions {
  name: string;
  maxRequestBytes: number;
  maxTxnOps: number;
  heartbeatMs: number;
  /** --strict-reconfig-check (default true). */
  strictReconfigCheck: boolean;
  /** --client-cert-auth: a verified client certificate's CN is the user when no token is given. */
  clientCertAuth: boolean;
  quotaBackendBytes: number;
  electionMs: number;
  logger: Logger;
}

/** A member as the leader reports it back for a forwarded promotion. */
export interface PeerMemberInfo {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}

export class EtcdServer implements MemberServer, AuthServer {
  readonly memberId: bigint;
  private readonly guard: AuthGuard;
  /** Set by startServer when --enable-v2 is on. */
  v2?: V2Member;
  /** Followers forward lease renewals to the leader (etcd does it over the peer port). */
  forwardLeaseRenew?: (leader: bigint, id: bigint) => Promise<number>;
  /** Followers forward learner promotions to the leader (POST /members/promote on the peer port). */
  forwardMemberPromote?: (leader: bigint, id: bigint) => Promise<PeerMemberInfo[]>;
  /** Since when the peer stream to a member has been up (etcd's transport ActiveSince). */
  peerActiveSince?: (id: bigint) => Date | undefined;
  readonly clusterId: bigint;
  private readonly wait = new ProposalWait<ApplyResult>();
  private readonly reads: ReadIndexBatcher;
  private leaseTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private syncing = false;

  constructor(
    private readonly state: MemberState,
    private readonly opts: ServerOptions,
  ) {
    this.memberId = state.memberId;
    this.clusterId = state.clusterId;
    this.guard = new AuthGuard(state.auth, { clientCertAuth: opts.clientCertAuth });
    this.reads = new ReadIndexBatcher(
      (ctx) => {
        this.state.raft.node.readIndex(ctx);
        this.state.raft.kick();
      },
      state.appliedWait,
      DEFAULT_REQUEST_TIMEOUT_MS + 2 * opts.electionMs,
      ServerErrors.timeout,
    );
    state.onApplied = (id, result) => this.wait.resolve(id, result);
    state.onReadStates = (states) => this.reads.confirmed(states);
    state.onLeaderChange = (lead) => this.leaderChanged(lead);
    this.leaseTimer = setInterval(() => {
      this.revokeExpiredLeases();
      this.syncV2();
    }, LEASE_EXPIRY_CHECK_MS);
    this.leaseTimer.unref();
  }

  header(revision?: number): ResponseHeader {
    return {
      cluster_id: this.clusterId,
      member_id: this.memberId,
      revision: BigInt(revision ?? this.state.kv.rev()),
      raft_term: BigInt(this.state.raft.currentTerm),
    };
  }

  // ---- proposals ----

  /** Proposes a request through raft and resolves with what its apply produced. */
  /**
   * `asRoot`: the member's own proposals (lease expiry, auto-compaction, the NOSPACE alarm), made
   * with root's authority as etcd's WithRoot does; otherwise the caller's credentials are used.
   */
  private async proposeRaw(req: Partial<InternalRaftRequest>, asRoot = false): Promise<{ response: unknown; rev: number; physicalDone?: Promise<void> }> {
    const id = this.state.nextRequestId();
    const header = asRoot
      ? { ID: id, username: 'root', auth_revision: BigInt(this.state.auth.revision()) }
      : this.state.auth.isEnabled()
        ? await this.guard.proposalHeader(id)
        : { ID: id, username: '', auth_revision: 0n };
    // a shallow merge onto the defaults: fromPartial would deep-copy the request, values included
    const full: InternalRaftRequest = { ...EMPTY_INTERNAL_REQUEST, ...req, header };
    return this.proposeBytes(id, Buffer.from(InternalRaftRequest.encode(full).finish()));
  }

  /**
   * Proposes a v2 request as etcd 3.4 does, a bare etcdserverpb.Request with the request ID in
   * it, and resolves with what applying it gave (a V2Event, a V2Error, or null for SYNC).
   */
  async proposeV2(req: V2Request): Promise<unknown> {
    const id = this.state.nextRequestId();
    const { response } = await this.proposeBytes(id, Buffer.from(encodeV2Request({ ...req, ID: id })));
    return response;
  }

  private async proposeBytes(id: bigint, data: Buffer): Promise<{ response: unknown; rev: number; physicalDone?: Promise<void> }> {
    if (this.closed) throw ServerErrors.stopped();
    const node = this.state.raft.node;
    if (this.state.raft.leader === 0n) throw ServerErrors.noLeader();
    if (node.commitIndex() - this.state.appliedWait.appliedIndex > MAX_GAP_BETWEEN_APPLY_AND_COMMIT) {
      throw ServerErrors.tooManyRequests();
    }
    if (data.length > this.opts.maxRequestBytes) throw ServerErrors.requestTooLarge();
    const done = this.wait.register(id);
    try {
      node.propose(data);
    } catch {
      this.wait.reject(id, ServerErrors.noLeader());
    }
    return this.awaitApplied(id, done);
  }

  /** Kicks the raft loop and waits (bounded) for the proposal's apply result. */
  private async awaitApplied(id: bigint, done: Promise<ApplyResult>): Promise<{ response: unknown; rev: number; physicalDone?: Promise<void> }> {
    this.state.raft.kick();
    const timer = setTimeout(() => this.wait.reject(id, ServerErrors.timeout()), DEFAULT_REQUEST_TIMEOUT_MS + 2 * this.opts.electionMs);
    try {
      const result = await done;
      if ('error' in result) throw result.error;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A proposal whose response gets the usual header, at the revision its apply reported. */
  private async propose<T extends { header?: ResponseHeader }>(req: Partial<InternalRaftRequest>): Promise<T> {
    const { response, rev } = await this.proposeRaw(req);
    return { ...(response as T), header: this.header(rev) };
  }

  private async linearizable(): Promise<void> {
    if (this.closed) throw ServerErrors.stopped();
    await this.reads.wait();
  }

  // ---- KV ----

  async range(req: RangeRequest): Promise<RangeResponse> {
    checkRangeRequest(req);
    if (!req.serializable) await this.linearizable();
    const read = () => {
      const resp = this.state.applyRange(req);
      resp.header = this.header();
      return resp;
    };
    return this.state.auth.isEnabled() ? this.guard.range(req, read) : read();
  }

  async put(req: PutRequest): Promise<PutResponse> {
    checkPutRequest(req);
    this.checkQuota(req.key.length + req.value.length);
    return this.propose<PutResponse>({ put: req });
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    checkDeleteRequest(req);
    return this.propose<DeleteRangeResponse>({ delete_range: req });
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    validateTxn(req, this.opts.maxTxnOps);
    if (isTxnReadonly(req)) {
      await this.linearizable();
      const read = () => {
        const { resp, rev } = this.state.applyReadOnlyTxn(req);
        return { ...resp, header: this.header(rev) };
      };
      return this.state.auth.isEnabled() ? this.guard.readonlyTxn(req, (id) => this.leaseKeys(id), read) : read();
    }
    this.checkQuota(TxnRequest.encode(req).finish().length);
    return this.propose<TxnResponse>({ txn: req });
  }

  async compact(req: CompactionRequest, asRoot = false): Promise<CompactionResponse> {
    const { rev, physicalDone } = await this.proposeRaw({ compaction: req }, asRoot);
    if (req.physical && physicalDone) await physicalDone;
    return { header: this.header(rev) };
  }

  /** Refuses a new watcher the caller may not read (etcd checks at watch creation). */
  async authorizeWatch(key: Buffer, rangeEnd: Buffer): Promise<void> {
    if (this.state.auth.isEnabled()) await this.guard.watch(key, rangeEnd);
  }

  private leaseKeys(id: bigint): Buffer[] {
    return this.state.lessor.exists(id) ? this.state.lessor.timeToLive(id, true).keys : [];
  }

  private async admin(): Promise<void> {
    if (this.state.auth.isEnabled()) await this.guard.admin();
  }

  /**
   * The admin check of the Maintenance calls etcd guards in its authMaintenanceServer (Snapshot,
   * Defragment, Hash, HashKV): etcd returns the auth package's own error there, unconverted, so
   * clients see "auth: permission denied" with code Unknown.
   */
  private async maintenanceAdmin(): Promise<void> {
    try {
      await this.admin();
    } catch (err) {
      const m = /^etcdserver: (.*)$/.exec((err as Error).message);
      throw m ? new Error(`auth: ${m[1]}`) : err;
    }
  }

  // ---- Auth (etcd's Authenticator): through the log, permissions checked when applied ----

  authEnable(req: AuthEnableRequest): Promise<AuthEnableResponse> {
    return this.propose({ auth_enable: req });
  }
  authDisable(req: AuthDisableRequest): Promise<AuthDisableResponse> {
    return this.propose({ auth_disable: req });
  }
  authenticate(req: AuthenticateRequest): Promise<AuthenticateResponse> {
    return authenticate(this.state.auth, req, {
      linearizable: () => this.linearizable(),
      propose: (a) => this.propose<AuthenticateResponse>({ authenticate: a }),
    });
  }
  userAdd(req: AuthUserAddRequest): Promise<AuthUserAddResponse> {
    return this.propose({ auth_user_add: req });
  }
  userGet(req: AuthUserGetRequest): Promise<AuthUserGetResponse> {
    return this.propose({ auth_user_get: req });
  }
  userList(req: AuthUserListRequest): Promise<AuthUserListResponse> {
    return this.propose({ auth_user_list: req });
  }
  userDelete(req: AuthUserDeleteRequest): Promise<AuthUserDeleteResponse> {
    return this.propose({ auth_user_delete: req });
  }
  userChangePassword(req: AuthUserChangePasswordRequest): Promise<AuthUserChangePasswordResponse> {
    return this.propose({ auth_user_change_password: req });
  }
  userGrantRole(req: AuthUserGrantRoleRequest): Promise<AuthUserGrantRoleResponse> {
    return this.propose({ auth_user_grant_role: req });
  }
  userRevokeRole(req: AuthUserRevokeRoleRequest): Promise<AuthUserRevokeRoleResponse> {
    return this.propose({ auth_user_revoke_role: req });
  }
  roleAdd(req: AuthRoleAddRequest): Promise<AuthRoleAddResponse> {
    return this.propose({ auth_role_add: req });
  }
  roleGet(req: AuthRoleGetRequest): Promise<AuthRoleGetResponse> {
    return this.propose({ auth_role_get: req });
  }
  roleList(req: AuthRoleListRequest): Promise<AuthRoleListResponse> {
    return this.propose({ auth_role_list: req });
  }
  roleDelete(req: AuthRoleDeleteRequest): Promise<AuthRoleDeleteResponse> {
    return this.propose({ auth_role_delete: req });
  }
  roleGrantPermission(req: AuthRoleGrantPermissionRequest): Promise<AuthRoleGrantPermissionResponse> {
    return this.propose({ auth_role_grant_permission: req });
  }
  roleRevokePermission(req: AuthRoleRevokePermissionRequest): Promise<AuthRoleRevokePermissionResponse> {
    return this.propose({ auth_role_revoke_permission: req });
  }

  watch(spec: WatchSpec, sink: WatchSink): WatchHandle {
    if (this.closed) throw ServerErrors.stopped();
    return this.state.watch(spec, sink);
  }

  currentRevision(): number {
    return this.state.kv.rev();
  }

  // ---- Lease ----

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    this.checkQuota(0);
    // etcd picks the ID on the member that receives the request, before proposing.
    const ID = req.ID === 0n ? this.state.nextLeaseId() : req.ID;
    return this.propose<LeaseGrantResponse>({ lease_grant: { ID, TTL: req.TTL } });
  }

  async leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse> {
    return this.propose<LeaseRevokeResponse>({ lease_revoke: req });
  }

  async leaseRenew(id: bigint): Promise<number> {
    if (this.closed) throw ServerErrors.stopped();
    const leader = this.state.raft.leader;
    if (leader !== this.memberId) {
      if (leader === 0n || !this.forwardLeaseRenew) throw ServerErrors.noLeader();
      return this.forwardLeaseRenew(leader, id);
    }
    // A renew must not race with a revoke of the same lease still waiting to be applied.
    await this.linearizable();
    return this.state.lessor.renew(id);
  }

  async leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    await this.linearizable();
    const ttl = this.state.lessor.timeToLive(req.ID, req.keys);
    return {
      header: this.header(),
      ID: req.ID,
      TTL: BigInt(ttl.remaining),
      grantedTTL: BigInt(ttl.ttl),
      keys: ttl.keys,
    };
  }

  async leaseLeases(): Promise<LeaseLeasesResponse> {
    await this.linearizable();
    return { header: this.header(), leases: this.state.lessor.leases().map((l) => ({ ID: l.id })) };
  }

  /**
   * Leadership moved: the lessor decides expiry only on the leader (etcd's Promote with one
   * election timeout of grace, Demote on loss), and reads waiting for the old leader fail.
   */
  private leaderChanged(lead: bigint): void {
    if (lead === this.memberId) {
      this.state.lessor.promote(this.opts.electionMs);
    } else {
      this.state.lessor.demote();
      if (lead === 0n) this.reads.failAll(ServerErrors.leaderChanged());
    }
  }

  private revokeExpiredLeases(): void {
    if (this.closed || !this.isLeader()) return;
    for (const id of this.state.lessor.expired()) {
      this.proposeRaw({ lease_revoke: { ID: id } }, true).catch((err: Error) => {
        if (err.message !== ServerErrors.leaseNotFound().message) {
          this.opts.logger.warn({ 'lease-id': id.toString(16), error: err.message }, 'failed to revoke lease');
        }
      });
    }
  }

  // ---- Maintenance ----

  async status(): Promise<StatusResponse> {
    const st = this.state.raft.node.status();
    return {
      header: this.header(),
      version: ETCD_API_VERSION,
      dbSize: BigInt(this.state.backend.size()),
      dbSizeInUse: BigInt(this.state.backend.sizeInUse()),
      leader: this.state.raft.leader,
      raftIndex: BigInt(st.commit),
      raftTerm: BigInt(this.state.raft.currentTerm),
      raftAppliedIndex: BigInt(this.state.appliedWait.appliedIndex),
      errors: this.state.alarms.list().map((a) => `memberID:${a.memberID} alarm:${AlarmType[a.alarm]} `),
      isLearner: false,
    };
  }

  async hash(): Promise<HashResponse> {
    await this.maintenanceAdmin();
    const h = this.state.kv.hash();
    return { header: this.header(h.rev), hash: h.hash };
  }

  async hashKV(revision: number): Promise<HashKVResponse> {
    await this.maintenanceAdmin();
    let h;
    try {
      h = this.state.kv.hashKV(revision);
    } catch (err) {
      toEtcdError(err);
    }
    return { header: this.header(h.rev), hash: h.hash, compact_revision: BigInt(h.compactRevision) };
  }

  async defragment(): Promise<DefragmentResponse> {
    await this.maintenanceAdmin();
    await this.state.defragment();
    return { header: this.header() };
  }

  async alarm(req: AlarmRequest): Promise<AlarmResponse> {
    if (req.action === AlarmRequest_AlarmAction.GET) {
      return { header: undefined, alarms: this.filterAlarms(req) };
    }
    // etcd answers alarms without a header
    const { response } = await this.proposeRaw({ alarm: req });
    return { ...(response as AlarmResponse), header: undefined };
  }

  private filterAlarms(req: AlarmRequest): AlarmMember[] {
    return this.state.alarms
      .list()
      .filter((a) => (req.memberID === 0n || a.memberID === req.memberID) && (req.alarm === AlarmType.NONE || a.alarm === req.alarm));
  }

  async snapshot(): Promise<{ size: number; chunks: AsyncIterable<Buffer> }> {
    await this.maintenanceAdmin();
    if (this.closed) throw ServerErrors.stopped();
    return this.state.snapshotStream();
  }

  async moveLeader(target: bigint): Promise<MoveLeaderResponse> {
    if (!this.isLeader()) throw ServerErrors.notLeader();
    const member = this.state.members.get(target);
    if (!member || member.isLearner) throw ServerErrors.badLeaderTransferee();
    if (target !== this.memberId) {
      this.state.raft.node.transferLeader(target);
      this.state.raft.kick();
      const deadline = Date.now() + DEFAULT_REQUEST_TIMEOUT_MS;
      while (this.state.raft.leader !== target) {
        if (Date.now() > deadline) throw new EtcdServerError('etcdserver: request timed out, leader transfer took too long');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return { header: this.header() };
  }

  async memberList(): Promise<MemberListResponse> {
    const members = this.state.sortedMembers().map((m: Member) => ({
      ID: m.id,
      name: m.name,
      peerURLs: m.peerURLs,
      clientURLs: m.clientURLs,
      isLearner: m.isLearner,
    }));
    // etcd's cluster server header carries no revision
    return { header: { ...this.header(), revision: 0n }, members };
  }

  // ---- membership (etcd's v3 Cluster service; the v2 /members API uses the same) ----

  private pbMembers(): PbMember[] {
    return this.state.sortedMembers().map((m) => toPbMember(m));
  }

  private clusterHeader(): ResponseHeader {
    return { ...this.header(), revision: 0n };
  }

  async memberAdd(peerURLs: string[], isLearner: boolean): Promise<MemberAddResponse> {
    await this.admin();
    const urls = [...peerURLs].sort();
    // etcd: membership.NewMember("", urls, "", now) — the ID mixes in the time of the request
    const id = computeMemberId(urls, '', Math.floor(Date.now() / 1000));
    const member: Member = { id, name: '', peerURLs: urls, clientURLs: [], isLearner };
    const members = [...this.state.members.values()];
    if (isLearner && members.filter((m) => m.isLearner).length >= MAX_LEARNERS) {
      throw new EtcdServerError('etcdserver: too many learner members in cluster');
    }
    if (this.opts.strictReconfigCheck) {
      if (!isLearner && !readyToAddVoter(members)) throw new EtcdServerError('etcdserver: re-configuration failed due to not enough started members');
      // etcd's mayAddMember: every voter must have been connected for a health interval, or
      // the new member could tip an already degraded quorum (learners included).
      const voters = members.filter((m) => !m.isLearner);
      if (this.connectedSince(voters) !== voters.length) throw new EtcdServerError('etcdserver: unhealthy cluster');
    }
    await this.proposeConfChange(isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, id, member);
    return { header: this.clusterHeader(), member: toPbMember(member), members: this.pbMembers() };
  }

  async memberRemove(id: bigint): Promise<MemberRemoveResponse> {
    await this.admin();
    const members = [...this.state.members.values()];
    const target = members.find((m) => m.id === id);
    if (!target) throw ServerErrors.memberNotFound();
    if (this.opts.strictReconfigCheck && !target.isLearner) {
      if (!readyToRemoveVoter(members, id)) throw new EtcdServerError('etcdserver: re-configuration failed due to not enough started members');
      // etcd's mayRemoveMember: a member that is down is safe to remove; otherwise the members
      // connected for a health interval, less the one leaving, must still be a quorum.
      const down = id !== this.memberId && this.peerActiveSince !== undefined && this.peerActiveSince(id) === undefined;
      const voters = members.filter((m) => !m.isLearner);
      if (!down && this.connectedSince(voters) - 1 < 1 + Math.floor((voters.length - 1) / 2)) throw new EtcdServerError('etcdserver: unhealthy cluster');
    }
    await this.proposeConfChange(ConfChangeType.RemoveNode, id, undefined);
    return { header: this.clusterHeader(), members: this.pbMembers() };
  }

  async memberUpdate(id: bigint, peerURLs: string[]): Promise<MemberUpdateResponse> {
    await this.admin();
    const prev = this.state.members.get(id);
    if (!prev) throw ServerErrors.memberNotFound();
    const member: Member = { ...prev, peerURLs: [...peerURLs].sort() };
    await this.proposeConfChange(ConfChangeType.UpdateNode, id, member);
    return { header: this.clusterHeader(), members: this.pbMembers() };
  }

  async memberPromote(id: bigint): Promise<MemberPromoteResponse> {
    await this.admin();
    // Only the leader knows whether the learner has caught up: a follower hands the request over.
    if (!this.isLeader()) return this.forwardPromote(id);
    return this.promoteAsLeader(id);
  }

  /** Runs a promotion on the leader; also what the peer handler calls for forwarded ones. */
  async promoteAsLeader(id: bigint): Promise<MemberPromoteResponse> {
    if (!this.isLeader()) throw ServerErrors.notLeader();
    const prev = this.state.members.get(id);
    if (!prev) throw ServerErrors.memberNotFound();
    if (!prev.isLearner) throw new EtcdServerError('etcdserver: can only promote a learner member');
    // etcd's isLearnerReady: the learner's match index within 90% of the leader's
    const st = this.state.raft.node.status();
    const match = st.progress?.get(id)?.match ?? 0;
    const leaderMatch = st.progress?.get(this.memberId)?.match ?? st.commit;
    if (match < leaderMatch * 0.9) throw new EtcdServerError('etcdserver: can only promote a learner member which is in sync with leader');
    if (this.opts.strictReconfigCheck && !readyToPromote([...this.state.members.values()])) {
      throw new EtcdServerError('etcdserver: re-configuration failed due to not enough started members');
    }
    await this.proposeConfChange(ConfChangeType.AddNode, id, { ...prev, isLearner: false });
    return { header: this.clusterHeader(), members: this.pbMembers() };
  }

  private async forwardPromote(id: bigint): Promise<MemberPromoteResponse> {
    if (!this.forwardMemberPromote) throw ServerErrors.notLeader();
    const deadline = Date.now() + DEFAULT_REQUEST_TIMEOUT_MS + 2 * this.opts.electionMs;
    let lastError: Error | undefined;
    while (Date.now() < deadline && !this.closed) {
      const leader = this.state.raft.leader;
      if (leader !== 0n && leader !== this.memberId) {
        try {
          const members = await this.forwardMemberPromote(leader, id);
          return { header: this.clusterHeader(), members: members.map((m) => toPbMember({ ...m, isLearner: m.isLearner ?? false })) };
        } catch (err) {
          const e = err as Error & { status?: number };
          if (e.name === 'PromoteRefusedError') {
            if (e.status === 404) throw ServerErrors.memberNotFound();
            if (e.status === 408) throw ServerErrors.timeout();
            throw new EtcdServerError(e.message);
          }
          lastError = e;
        }
      } else if (leader === this.memberId) {
        return this.promoteAsLeader(id);
      }
      await new Promise((r) => setTimeout(r, PROMOTE_RETRY_MS));
    }
    this.opts.logger.warn({ error: lastError?.message, 'member-id': id.toString(16) }, 'failed to forward member promotion to the leader');
    throw ServerErrors.timeout();
  }

  /** How many of `members` are this member or peers connected for at least etcd's health interval. */
  private connectedSince(members: Member[]): number {
    const since = Date.now() - HEALTH_INTERVAL_MS;
    let n = 0;
    for (const m of members) {
      if (m.id === this.memberId) n++;
      else {
        const t = this.peerActiveSince?.(m.id);
        if (t !== undefined && t.getTime() < since) n++;
      }
    }
    return n;
  }

  private async proposeConfChange(type: ConfChangeType, nodeId: bigint, member: Member | undefined): Promise<void> {
    if (this.closed) throw ServerErrors.stopped();
    if (this.state.raft.leader === 0n) throw ServerErrors.noLeader();
    const id = this.state.nextRequestId();
    const done = this.wait.register(id);
    try {
      this.state.raft.node.proposeConfChange({ type, nodeId, context: member ? Buffer.from(memberToJson(member)) : Buffer.alloc(0), id });
    } catch {
      this.wait.reject(id, ServerErrors.noLeader());
    }
    await this.awaitApplied(id, done);
  }

  async health(): Promise<{ health: boolean; reason?: string }> {
    if (this.state.alarms.list().length > 0) return { health: false, reason: 'ALARM' };
    if (this.state.raft.leader === 0n) return { health: false, reason: 'NO_LEADER' };
    try {
      // etcd's /health does a linearizable range on a non-existent key to prove the quorum works.
      await this.range({ key: Buffer.from('health'), serializable: false } as RangeRequest);
      return { health: true };
    } catch (err) {
      return { health: false, reason: (err as Error).message };
    }
  }

  // ---- startup ----

  /**
   * Waits for a leader (a single voter campaigns at once rather than sitting out an election
   * timeout, as etcd's initial tick advance does), then publishes this member's attributes and
   * the cluster version through raft, as etcd does before it serves clients.
   */
  async becomeReady(timeoutMs: number, name: string, clientURLs: string[], clusterVersion: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.state.raft.leader === 0n) {
      if (Date.now() > deadline) throw new EtcdServerError('etcdserver: timed out waiting for a leader');
      const st = this.state.raft.node.status();
      if (st.raftState !== 'StateLeader' && this.state.members.size === 1 && this.state.members.has(this.memberId)) {
        this.state.raft.node.campaign();
        this.state.raft.kick();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const attrs = JSON.stringify({ name, clientURLs });
    await this.publishV2('PUT', `/0/members/${this.memberId.toString(16)}/attributes`, attrs);
    this.opts.logger.info(
      { 'local-member-id': this.memberId.toString(16), 'local-member-attributes': `{Name:${name} ClientURLs:[${clientURLs.join(' ')}]}`, 'cluster-id': this.clusterId.toString(16) },
      'published local member to cluster through raft',
    );
    if (!this.state.cluster.clusterVersion) {
      this.opts.logger.info({ 'cluster-version': clusterVersion }, 'setting up initial cluster version');
      await this.publishV2('PUT', '/0/version', clusterVersion);
      this.opts.logger.info({ 'cluster-id': this.clusterId.toString(16), 'local-member-id': this.memberId.toString(16), 'cluster-version': majorMinor(clusterVersion) }, 'set initial cluster version');
    }
    this.opts.logger.info({ 'cluster-version': majorMinor(this.state.cluster.clusterVersion) }, 'enabled capabilities for version');
  }

  /** A v2 write of the cluster's own keys; a V2Error from applying it is an error here. */
  private async publishV2(method: string, path: string, value: string): Promise<void> {
    const result = await this.proposeV2({ ...Request.fromPartial({ Method: method, Path: path, Val: value }), PrevExist: undefined, Refresh: undefined });
    if (result instanceof Error) throw result;
  }

  /**
   * etcd's v2 TTL expiry: the leader proposes SYNC with its clock every 500 ms while the v2
   * store holds keys with a TTL, so every member expires the same keys at the same index.
   */
  private syncV2(): void {
    if (this.closed || !this.isLeader() || !this.state.v2.hasTtlKeys() || this.syncing) return;
    this.syncing = true;
    const now = BigInt(Date.now()) * 1_000_000n;
    this.proposeV2({ ...Request.fromPartial({ Method: 'SYNC', Time: now }), PrevExist: undefined, Refresh: undefined })
      .catch((err: Error) => this.opts.logger.debug({ error: err.message }, 'v2 sync failed'))
      .finally(() => (this.syncing = false));
  }

  // ---- helpers ----

  isLeader(): boolean {
    return this.state.raft.leader === this.memberId;
  }

  /** etcd's quota check: refuse writes that would grow the backend past --quota-backend-bytes. */
  private checkQuota(cost: number): void {
    if (this.state.alarms.hasNoSpace()) throw ServerErrors.noSpace();
    if (this.state.backend.size() + cost > this.opts.quotaBackendBytes) {
      this.proposeRaw({ alarm: { action: AlarmRequest_AlarmAction.ACTIVATE, memberID: this.memberId, alarm: AlarmType.NOSPACE } }, true).catch(() => {});
      throw ServerErrors.noSpace();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.reads.failAll(ServerErrors.stopped());
    await this.state.close();
    this.wait.rejectAll(ServerErrors.stopped());
  }
}

/** etcd 3.4's maxLearners. */
const MAX_LEARNERS = 1;

function toPbMember(m: Member): PbMember {
  return { ID: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

/** A member counts as started once it has published its name (etcd's "started" members). */
function isStarted(m: Member): boolean {
  return m.name !== '';
}

/** etcd's IsReadyToAddVotingMember: after the add, the started voters must still be a quorum. */
function readyToAddVoter(members: Member[]): boolean {
  const voters = members.filter((m) => !m.isLearner);
  const started = voters.filter(isStarted).length;
  const after = voters.length + 1;
  if (started === 1 && after === 2) return true; // etcd: adding to a one-member cluster (restoring one)
  return started >= Math.floor(after / 2) + 1;
}

/** etcd's IsReadyToPromoteMember: the learner counts as a started voter of the new quorum. */
function readyToPromote(members: Member[]): boolean {
  const voters = members.filter((m) => !m.isLearner);
  const n = voters.length + 1;
  const started = voters.filter(isStarted).length + 1;
  return started >= Math.floor(n / 2) + 1;
}

/** etcd's IsReadyToRemoveVotingMember: the started voters left must be a quorum of those left. */
function readyToRemoveVoter(members: Member[], id: bigint): boolean {
  const voters = members.filter((m) => !m.isLearner);
  const left = voters.filter((m) => m.id !== id);
  if (left.length === 0) return false;
  const started = left.filter(isStarted).length;
  return started >= Math.floor(left.length / 2) + 1;
}

/** etcd prints cluster versions as major.minor ("3.4"). */
function majorMinor(v: string): string {
  return v.split('.').slice(0, 2).join('.');
}
