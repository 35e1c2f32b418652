import { applySimpleChange, restoreConfState } from './confchange.js';
import { ErrCompacted, ErrUnavailable } from './errors.js';
import { RaftLog } from './log.js';
import { ProgressState } from './progress.js';
import { validateConfig, type RaftConfig } from './raft-config.js';
import { ReadOnly } from './read-only.js';
import { stepCandidate, stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';
import { ProgressTracker, VoteResult } from './tracker.js';
import {
  EntryType,
  isEmptyHardState,
  isEmptySnapshot,
  makeEntry,
  makeMessage,
  MessageType,
  NONE,
  StateType,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.js';
import { NO_LIMIT } from './util.js';

export type CampaignType = 'CampaignPreElection' | 'CampaignElection' | 'CampaignTransfer';

/**
 * The context of a MsgVote sent on a leader's request (MsgTimeoutNow). It is
 * on the wire and must be etcd's bytes: it lets the vote through the
 * check-quorum lease of the voters.
 */
export const CAMPAIGN_TRANSFER_CTX = Buffer.from('CampaignTransfer');

/** What the caller hands back to advance(): the parts of a Ready raft needs to move its cursors. */
export interface PersistedReady {
  entries: Entry[];
  committedEntries: Entry[];
  snapshot?: Snapshot;
}

/**
 * One raft node's protocol state (etcd's raft struct). It is driven by
 * step(message) and tick() and only ever records its output (msgs,
 * readStates, the log's unstable tail); RawNode turns that into a Ready.
 */
export class Raft {
  readonly id: bigint;
  term = 0;
  vote = NONE;
  readStates: ReadState[] = [];
  readonly log: RaftLog;
  readonly maxMsgSize: number;
  prs: ProgressTracker;
  state = StateType.Follower;
  /** This node is a learner: it replicates but never votes or campaigns. */
  isLearner = false;
  msgs: Message[] = [];
  lead = NONE;
  /** Where leadership is being transferred; proposals are refused meanwhile. */
  leadTransferee = NONE;
  /**
   * The log index of the latest conf change proposed by this leader; a new
   * one is refused until it is applied, so changes happen one at a time.
   */
  pendingConfIndex = 0;
  readOnly: ReadOnly;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  randomizedElectionTimeout = 0;
  /** ReadIndex requests received before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  private readonly rand: () => number;

  constructor(config: RaftConfig) {
    validateConfig(config);
    this.id = config.id;
    this.log = new RaftLog(config.storage, config.maxCommittedSizePerReady ?? NO_LIMIT);
    this.maxMsgSize = config.maxSizePerMsg;
    this.prs = new ProgressTracker(config.maxInflightMsgs);
    this.checkQuorum = config.checkQuorum;
    this.preVote = config.preVote;
    this.heartbeatTimeout = config.heartbeatTick;
    this.electionTimeout = config.electionTick;
    this.readOnly = new ReadOnly(config.readOnlyOption);
    this.rand = config.rand ?? Math.random;

    const { hardState, confState } = config.storage.initialState();
    this.switchToConfig(confState);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (config.applied !== undefined && config.applied > 0) this.log.appliedTo(config.applied);
    this.becomeFollower(this.term, NONE);
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Queues a message, stamping `from` and (except for votes and local forwards) our term. */
  send(m: Message): void {
    m.from = this.id;
    const t = m.type;
    if (t === MessageType.MsgVote || t === MessageType.MsgVoteResp || t === MessageType.MsgPreVote || t === MessageType.MsgPreVoteResp) {
      // Votes carry the term they are for (a pre-vote: our term + 1), set by the caller.
      if (m.term === 0) throw new Error(`term should be set when sending ${MessageType[t]}`);
    } else {
      if (m.term !== 0) throw new Error(`term should not be set when sending ${MessageType[t]} (was ${m.term})`);
      // Proposals and read requests forwarded to the leader are local-like: no term.
      if (t !== MessageType.MsgProp && t !== MessageType.MsgReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  sendAppend(to: bigint): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends `to` the entries it lacks, or a snapshot when they were compacted.
   * Returns whether a message was sent; with sendIfEmpty false, nothing is
   * sent when there are no new entries.
   */
  maybeSendAppend(to: bigint, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;

    let prevTerm: number | undefined;
    let ents: Entry[] | undefined;
    try {
      prevTerm = this.log.term(pr.next - 1);
      ents = this.log.entries(pr.next, this.maxMsgSize);
    } catch (err) {
      if (err !== ErrCompacted && err !== ErrUnavailable) throw err;
    }
    if (ents !== undefined && ents.length === 0 && !sendIfEmpty) return false;

    if (prevTerm === undefined || ents === undefined) {
      // The follower needs entries we no longer have: send the snapshot instead.
      if (!pr.recentActive) return false;
      const snapshot = this.log.snapshot();
      if (isEmptySnapshot(snapshot)) throw new Error('need non-empty snapshot');
      pr.becomeSnapshot(snapshot.metadata.index);
      this.send(makeMessage({ type: MessageType.MsgSnap, to, snapshot }));
      return true;
    }

    const prevIndex = pr.next - 1; // before the optimistic update below moves next
    if (ents.length > 0) {
      const last = ents[ents.length - 1]!.index;
      if (pr.state === ProgressState.Replicate) {
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === ProgressState.Probe) {
        pr.probeSent = true;
      } else {
        throw new Error(`${this.id} is sending append in unhandled state ${pr.state}`);
      }
    }
    this.send(
      makeMessage({ type: MessageType.MsgApp, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed }),
    );
    return true;
  }

  /** A heartbeat never advances a follower's commit beyond what it is known to have. */
  sendHeartbeat(to: bigint, ctx: Buffer | undefined): void {
    const commit = Math.min(this.prs.progress.get(to)!.match, this.log.committed);
    this.send(makeMessage({ type: MessageType.MsgHeartbeat, to, commit, ...(ctx ? { context: ctx } : {}) }));
  }

  bcastAppend(): void {
    this.prs.visit((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  /** Heartbeats carry the newest pending ReadIndex context, so they also confirm reads. */
  bcastHeartbeat(ctx: Buffer | undefined = this.readOnly.lastPendingRequestCtx()): void {
    this.prs.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  /**
   * The caller persisted and applied what a Ready held. A leader counts its
   * own log only once persisted, so that is also when a single voter commits.
   */
  advance(rd: PersistedReady): void {
    const appliedCursor = rd.committedEntries.length > 0 ? rd.committedEntries[rd.committedEntries.length - 1]!.index : rd.snapshot?.metadata.index ?? 0;
    this.log.appliedTo(appliedCursor);
    if (rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot)) this.log.stableSnapTo(rd.snapshot.metadata.index);
    const last = rd.entries[rd.entries.length - 1];
    if (last === undefined) return;
    this.log.stableTo(last.index, last.term);
    if (this.state === StateType.Leader && this.log.matchTerm(last.index, last.term)) {
      const self = this.prs.progress.get(this.id);
      if (self?.maybeUpdate(last.index) && this.maybeCommit()) {
        this.releasePendingReadIndexMessages();
        this.bcastAppend();
      }
    }
  }

  /** Commits what a quorum of voters has, if it is from this term. */
  maybeCommit(): boolean {
    return this.log.maybeCommit(this.prs.committed(), this.term);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.prs.resetVotes();
    const lastIndex = this.log.lastIndex();
    this.prs.visit((id, pr) => {
      pr.becomeProbe();
      pr.match = id === this.id ? lastIndex : 0;
      pr.next = lastIndex + 1;
      pr.recentActive = false;
    });
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly(this.readOnly.option);
    this.pendingReadIndexMessages = [];
  }

  /** Appends entries proposed to this leader; followers learn them through MsgApp. */
  appendEntry(ents: Entry[]): void {
    const li = this.log.lastIndex();
    ents.forEach((e, i) => {
      e.term = this.term;
      e.index = li + 1 + i;
    });
    this.log.append(ents);
  }

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(makeMessage({ type: MessageType.MsgHup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(makeMessage({ type: MessageType.MsgCheckQuorum, from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader) this.leadTransferee = NONE;
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(makeMessage({ type: MessageType.MsgBeat, from: this.id }));
    }
  }

  becomeFollower(term: number, lead: bigint): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  private becomeCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  /** A pre-candidate keeps its term and vote: nothing changes unless the pre-vote is won. */
  private becomePreCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('invalid transition [leader -> pre-candidate]');
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
  }

  becomeLeader(): void {
    if (this.state === StateType.Follower) throw new Error('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.prs.progress.get(this.id)?.becomeReplicate();
    this.prs.progress.get(this.id)!.recentActive = true;
    // Any conf change in the log may be uncommitted: no new one until it is applied.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of the new term, so that older entries can commit (Figure 8) and ReadIndex can be served.
    this.appendEntry([makeEntry()]);
  }

  campaign(t: CampaignType): void {
    if (!this.promotable()) return;
    let term: number;
    let voteMsg: MessageType;
    if (t === 'CampaignPreElection') {
      this.becomePreCandidate();
      voteMsg = MessageType.MsgPreVote;
      term = this.term + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.MsgVote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      // A single voter wins at once.
      if (t === 'CampaignPreElection') this.campaign('CampaignElection');
      else this.becomeLeader();
      return;
    }
    for (const id of this.prs.voterIds()) {
      if (id === this.id) continue;
      this.send(
        makeMessage({
          type: voteMsg,
          to: id,
          term,
          index: this.log.lastIndex(),
          logTerm: this.log.lastTerm(),
          ...(t === 'CampaignTransfer' ? { context: CAMPAIGN_TRANSFER_CTX } : {}),
        }),
      );
    }
  }

  poll(id: bigint, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes().result;
  }

  /** The entry point for every message, local or from a peer. Throws ErrProposalDropped for refused proposals. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = m.context !== undefined && m.context.equals(CAMPAIGN_TRANSFER_CTX);
        // Check-quorum lease: while we hear from a leader, a disruptive candidate is ignored.
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) return;
      }
      if (m.type === MessageType.MsgPreVote) {
        // Never change our term for a pre-vote.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // A granted pre-vote carries the future term; we switch when we win it.
      } else {
        const fromLeader = m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgSnap;
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)) {
        // A leader cut off by a partition and never hearing a higher term (its
        // MsgVotes are dropped by pre-vote/check-quorum) would never step
        // down; this answer tells it the current term.
        this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from }));
      } else if (m.type === MessageType.MsgPreVote) {
        // Tell a pre-candidate with a stale term that it lost, so it does not wait.
        this.send(makeMessage({ type: MessageType.MsgPreVoteResp, to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case MessageType.MsgHup:
        this.handleHup();
        return;
      case MessageType.MsgVote:
      case MessageType.MsgPreVote:
        this.handleVote(m);
        return;
      default:
        if (this.state === StateType.Leader) stepLeader(this, m);
        else if (this.state === StateType.Follower) stepFollower(this, m);
        else stepCandidate(this, m);
    }
  }

  private handleHup(): void {
    if (this.state === StateType.Leader || !this.promotable()) return;
    // Campaigning with an unapplied conf change could elect us under a configuration we do not know yet.
    const unapplied = this.log.slice(this.log.applied + 1, this.log.committed + 1, NO_LIMIT);
    if (unapplied.some((e) => e.type === EntryType.ConfChange) && this.log.committed > this.log.applied) return;
    this.campaign(this.preVote ? 'CampaignPreElection' : 'CampaignElection');
  }

  private handleVote(m: Message): void {
    const respType = m.type === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.MsgPreVote && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Granted answers carry the candidate's term, so it counts them in that term.
      this.send(makeMessage({ type: respType, to: m.from, term: m.term }));
      if (m.type === MessageType.MsgVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(makeMessage({ type: respType, to: m.from, term: this.term, reject: true }));
    }
  }

  handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: lastNew }));
      return;
    }
    // Reject, hinting the last index whose term is ≤ m.logTerm so the leader
    // can skip a whole conflicting term per round trip.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    const hintTerm = this.log.termOrUndefined(hintIndex) ?? 0;
    this.send(
      makeMessage({ type: MessageType.MsgAppResp, to: m.from, index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm }),
    );
  }

  handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    this.send(makeMessage({ type: MessageType.MsgHeartbeatResp, to: m.from, ...(m.context ? { context: m.context } : {}) }));
  }

  handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    const index = this.restore(s) ? this.log.lastIndex() : this.log.committed;
    this.send(makeMessage({ type: MessageType.MsgAppResp, to: m.from, index }));
  }

  /** Replaces the log with a snapshot; false if it is stale or already covered by our log. */
  private restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.log.committed) return false;
    if (this.state !== StateType.Follower) {
      // Defensive, as etcd: only a follower accepts snapshots; force a new election.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    const cs = s.metadata.confState;
    if (!cs.voters.includes(this.id) && !cs.learners.includes(this.id)) return false;
    if (this.log.matchTerm(s.metadata.index, s.metadata.term)) {
      // We already have the entries: just fast-forward the commit index.
      this.log.commitTo(s.metadata.index);
      return false;
    }
    this.log.restore(s);
    this.prs = new ProgressTracker(this.prs.maxInflight);
    this.switchToConfig(cs);
    const self = this.prs.progress.get(this.id)!;
    self.maybeUpdate(self.next - 1);
    return true;
  }

  /** Voters can campaign; learners and removed nodes cannot. */
  promotable(): boolean {
    const pr = this.prs.progress.get(this.id);
    return pr !== undefined && !pr.isLearner;
  }

  applyConfChange(cc: ConfChange): ConfState {
    applySimpleChange(this.prs, cc, this.log.lastIndex());
    return this.afterConfigChange();
  }

  private switchToConfig(cs: ConfState): void {
    restoreConfState(this.prs, cs, this.log.lastIndex());
    this.afterConfigChange();
  }

  private afterConfigChange(): ConfState {
    const cs = this.prs.confState();
    const pr = this.prs.progress.get(this.id);
    this.isLearner = pr?.isLearner ?? false;
    // A leader that was removed or demoted keeps leading until it steps down
    // (etcd's behaviour); it has nothing more to do here.
    if (this.state !== StateType.Leader || pr === undefined || this.isLearner || cs.voters.length === 0) return cs;
    // The quorum changed: the commit index may move, and new members need entries.
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      this.prs.visit((id) => {
        if (id !== this.id) this.maybeSendAppend(id, false);
      });
    }
    if (this.leadTransferee !== NONE && !this.prs.progress.has(this.leadTransferee)) this.leadTransferee = NONE;
    return cs;
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.log.committed || hs.commit > this.log.lastIndex()) {
      throw new Error(`${this.id} state.commit ${hs.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`);
    }
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.rand() * this.electionTimeout);
  }

  sendTimeoutNow(to: bigint): void {
    this.send(makeMessage({ type: MessageType.MsgTimeoutNow, to }));
  }

  /** Whether this leader has committed an entry of its own term, i.e. knows the true commit index. */
  committedEntryInCurrentTerm(): boolean {
    return this.log.zeroTermOnCompacted(this.log.committed) === this.term;
  }

  /** Answers a ReadIndex request: locally as a ReadState, or to the follower that forwarded it. */
  respondToReadIndex(req: Message, readIndex: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index: readIndex, requestCtx: req.entries[0]!.data });
    } else {
      this.send(makeMessage({ type: MessageType.MsgReadIndexResp, to: req.from, index: readIndex, entries: req.entries }));
    }
  }

  releasePendingReadIndexMessages(): void {
    if (!this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.serveReadIndex(m);
  }

  serveReadIndex(m: Message): void {
    if (this.readOnly.option === 'safe') {
      const ctx = m.entries[0]!.data;
      this.readOnly.addRequest(this.log.committed, m);
      this.readOnly.recvAck(this.id, ctx);
      this.bcastHeartbeat(ctx);
    } else {
      this.respondToReadIndex(m, this.log.committed);
    }
  }
}
