// The member as the /v2 HTTP handler sees it (api/v2's V2Member): v2 writes and quorum reads go
// through raft as etcd 3.4 proposes them, plain reads and watches use this member's v2 store.
import type { Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { MembershipError, type MembershipErrorKind, type V2Member, type V2MemberInfo } from '../api/v2/types.js';
import type { V2Error, V2Event, V2Store } from '../v2store/index.js';
import { formatRfc3339Nano } from '../v2store/index.js';
import type { EtcdServer } from './server.js';
import type { MemberState } from './member-state.js';
import { idToHex } from './membership.js';

/** The member's errors as the v2 members API answers them (etcd's membership errors). */
const MEMBERSHIP_ERRORS: Record<string, MembershipErrorKind> = {
  'etcdserver: member ID already exist': 'id-exists',
  'etcdserver: Peer URLs already exists': 'peer-url-exists',
  'etcdserver: member not found': 'id-not-found',
};

async function membership<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const kind = MEMBERSHIP_ERRORS[(err as Error).message];
    throw kind ? new MembershipError(kind) : err;
  }
}

export class V2MemberAdapter implements V2Member {
  readonly v2Store: V2Store;
  readonly clusterId: bigint;
  readonly memberId: bigint;
  private readonly startNs = BigInt(Date.now()) * 1_000_000n;
  private leaderSinceMs = Date.now();
  private leaderSeen = 0n;

  constructor(
    private readonly server: EtcdServer,
    private readonly state: MemberState,
    private readonly name: string,
  ) {
    this.v2Store = state.v2;
    this.clusterId = state.clusterId;
    this.memberId = state.memberId;
  }

  async v2Propose(req: Request): Promise<V2Event | V2Error> {
    const result = await this.server.proposeV2(req);
    if (result === null || result === undefined) throw new Error('etcdserver: unexpected empty v2 apply result');
    return result as V2Event | V2Error;
  }

  raftIndex(): number {
    return this.state.raft.node.commitIndex();
  }

  raftTerm(): number {
    return this.state.raft.currentTerm;
  }

  members(): readonly V2MemberInfo[] {
    return this.state.sortedMembers().map((m) => ({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs }));
  }

  leaderId(): bigint {
    return this.state.raft.leader;
  }

  async addMember(peerURLs: readonly string[]): Promise<V2MemberInfo> {
    const resp = await membership(() => this.server.memberAdd([...peerURLs], false));
    const m = resp.member!;
    return { id: m.ID, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs };
  }

  async removeMember(id: bigint): Promise<void> {
    await membership(() => this.server.memberRemove(id));
  }

  async updateMember(id: bigint, peerURLs: readonly string[]): Promise<void> {
    await membership(() => this.server.memberUpdate(id, [...peerURLs]));
  }

  /** etcd's v2stats.ServerStats JSON. No peer traffic on a single member: the counts stay 0. */
  selfStats(): string {
    const lead = this.state.raft.leader;
    if (lead !== this.leaderSeen) {
      this.leaderSeen = lead;
      this.leaderSinceMs = Date.now();
    }
    const isLeader = lead === this.memberId;
    return JSON.stringify({
      name: this.name,
      id: idToHex(this.memberId),
      state: isLeader ? 'StateLeader' : lead === 0n ? 'StateCandidate' : 'StateFollower',
      startTime: formatRfc3339Nano(this.startNs),
      leaderInfo: {
        leader: idToHex(lead),
        uptime: goDuration(Date.now() - this.leaderSinceMs),
        startTime: formatRfc3339Nano(BigInt(this.leaderSinceMs) * 1_000_000n),
      },
      recvAppendRequestCnt: 0,
      sendAppendRequestCnt: 0,
    });
  }

  leaderStats(): string | null {
    if (!this.server.isLeader()) return null;
    return JSON.stringify({ leader: idToHex(this.memberId), followers: {} });
  }
}

/** Go's time.Duration.String() for a millisecond count (e.g. "1m2.345s", "250ms"). */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}
