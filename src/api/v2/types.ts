// What the /v2 HTTP handler needs from a member. The handler holds no state and knows nothing
// else of the server: writes and quorum reads go through raft via v2Propose, plain reads and
// watches go to the member's own v2 store, membership changes to the member's cluster code.
import type { Request } from '../../proto/etcdserver/etcdserverpb/etcdserver.js';
import type { V2Error, V2Event, V2Store } from '../../v2store/index.js';

/** A cluster member as /v2/members shows it. */
export interface V2MemberInfo {
  readonly id: bigint;
  /** Empty until the member has published its attributes (as etcd shows unstarted members). */
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

/** The membership failures etcd answers with their own HTTP statuses. */
export type MembershipErrorKind = 'id-exists' | 'peer-url-exists' | 'id-removed' | 'id-not-found';

/** etcd's membership error texts (etcdserver/api/membership/errors.go). */
export const MEMBERSHIP_ERROR_MESSAGES: Readonly<Record<MembershipErrorKind, string>> = {
  'id-exists': 'membership: ID exists',
  'peer-url-exists': 'membership: peerURL exists',
  'id-removed': 'membership: ID removed',
  'id-not-found': 'membership: ID not found',
};

/** Thrown (rejected) by V2Member's membership methods; any other error answers 500. */
export class MembershipError extends Error {
  constructor(readonly kind: MembershipErrorKind) {
    super(MEMBERSHIP_ERROR_MESSAGES[kind]);
    this.name = 'MembershipError';
  }
}

export interface V2Member {
  /**
   * Propose a v2 request (Method PUT, POST, DELETE or QGET; Path under "/1"; Expiration as Unix
   * ns already computed) through raft and resolve with what applying it gave (applyV2Request).
   * Reject with an Error when the proposal fails (timeout, stopped): the client then gets
   * 300 "Raft Internal Error" with the error's message as cause, as from etcd.
   * PrevExist/Refresh may be undefined (= not given): put the request in the log with
   * encodeV2Request and read it back with decodeV2Request (v2store) to keep that.
   */
  v2Propose(req: Request): Promise<V2Event | V2Error>;
  /** The member's own v2 store, for serializable GETs, HEAD and watches. */
  readonly v2Store: V2Store;
  /** The committed raft index and current term (X-Raft-Index, X-Raft-Term). */
  raftIndex(): number;
  raftTerm(): number;
  readonly clusterId: bigint;
  readonly memberId: bigint;
  /** All members (learners included). */
  members(): readonly V2MemberInfo[];
  /** The leader's member ID, 0n while there is none. */
  leaderId(): bigint;
  /** Add a member with these (validated) peer URLs; resolves with the new member. */
  addMember(peerURLs: readonly string[]): Promise<V2MemberInfo>;
  removeMember(id: bigint): Promise<void>;
  updateMember(id: bigint, peerURLs: readonly string[]): Promise<void>;
  /** etcd's /v2/stats/self JSON (v2stats.ServerStats). */
  selfStats(): string;
  /** etcd's /v2/stats/leader JSON, or null when this member is not the leader. */
  leaderStats(): string | null;
}
