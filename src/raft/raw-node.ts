import { encodeConfChange } from './codec.js';
import { ErrStepLocalMsg, ErrStepPeerNotFound } from './errors.js';
import { ProgressState } from './progress.js';
import { Raft } from './raft.js';
import type { RaftConfig } from './raft-config.js';
import {
  ConfChangeType,
  EntryType,
  hardStateEqual,
  isEmptyHardState,
  isEmptySnapshot,
  isLocalMessage,
  isResponseMessage,
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

/**
 * Everything raft wants done, in order: persist `snapshot`, `entries` and
 * `hardState` (fsync if `mustSync`), then send `messages`, then apply
 * `committedEntries`, then call advance(ready).
 */
export interface Ready {
  /** Present when leader or role changed; never needs persisting. */
  softState?: SoftState;
  /** Present when term, vote or commit changed. */
  hardState?: HardState;
  /** Answers to ReadIndex requests, to be served once applied ≥ index. */
  readStates: ReadState[];
  /** Entries to append to stable storage (may overwrite a conflicting suffix). */
  entries: Entry[];
  /** A snapshot to install in stable storage. */
  snapshot?: Snapshot;
  /** Entries to apply to the state machine, in order. */
  committedEntries: Entry[];
  /** Messages to send once entries and hardState are persisted. */
  messages: Message[];
  /** Whether term/vote or entries changed, i.e. the write must reach the disk before messages go out. */
  mustSync: boolean;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  recentActive: boolean;
  isLearner: boolean;
  pendingSnapshot: number;
  inflight: number;
}

export interface Status {
  id: bigint;
  term: number;
  vote: bigint;
  commit: number;
  lead: bigint;
  raftState: StateType;
  applied: number;
  leadTransferee: bigint;
  confState: ConfState;
  /** Every member's replication progress; only on the leader. */
  progress?: Map<bigint, ProgressStatus>;
}

/** A peer given to bootstrap(): its ID and the context of its ConfChangeAddNode (etcd puts the member JSON here). */
export interface Peer {
  id: bigint;
  context?: Buffer;
}

/**
 * The application's handle on one raft node (etcd's RawNode): a synchronous,
 * single-threaded API. Feed it tick() and step(); whenever hasReady(), take
 * ready(), act on it, and advance().
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  /**
   * Starts a brand-new cluster's log, as etcd does: one committed
   * ConfChangeAddNode entry per peer at term 1, which the first Ready asks to
   * persist and apply. The storage must be empty.
   */
  bootstrap(peers: Peer[]): void {
    if (peers.length === 0) throw new Error('must provide at least one peer to bootstrap');
    if (this.raft.log.storage.lastIndex() !== 0) throw new Error("can't bootstrap a nonempty Storage");
    // Make the first Ready carry the HardState even if it equals the initial one.
    this.prevHardState = { term: 0, vote: NONE, commit: 0 };
    this.raft.becomeFollower(1, NONE);
    const ents = peers.map((p, i) => {
      const cc: ConfChange = { type: ConfChangeType.AddNode, nodeId: p.id, context: p.context ?? Buffer.alloc(0), id: 0n };
      return makeEntry({ type: EntryType.ConfChange, term: 1, index: i + 1, data: encodeConfChange(cc) });
    });
    this.raft.log.append(ents);
    this.raft.log.committed = ents.length;
    for (const p of peers) {
      this.raft.applyConfChange({ type: ConfChangeType.AddNode, nodeId: p.id, context: Buffer.alloc(0), id: 0n });
    }
  }

  /** Advances the logical clock by one tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaign(): void {
    this.raft.step(makeMessage({ type: MessageType.MsgHup }));
  }

  /** Proposes data to be appended to the log. Throws ErrProposalDropped when there is no leader to take it. */
  propose(data: Buffer): void {
    this.raft.step(makeMessage({ type: MessageType.MsgProp, from: this.raft.id, entries: [makeEntry({ data })] }));
  }

  /** Proposes a membership change; it takes effect when the caller applies it with applyConfChange(). */
  proposeConfChange(cc: ConfChange): void {
    const data = encodeConfChange(cc);
    this.raft.step(
      makeMessage({ type: MessageType.MsgProp, from: this.raft.id, entries: [makeEntry({ type: EntryType.ConfChange, data })] }),
    );
  }

  /** Applies a committed membership change to raft's configuration and returns the new one. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Delivers a message from a peer. Throws ErrStepLocalMsg for messages raft
   * only makes itself and ErrStepPeerNotFound for a response from a node not in
   * the configuration (both safe to ignore), ErrProposalDropped for a refused proposal.
   */
  step(m: Message): void {
    if (isLocalMessage(m.type)) throw ErrStepLocalMsg;
    if (this.raft.prs.progress.has(m.from) || !isResponseMessage(m.type)) {
      this.raft.step(m);
      return;
    }
    throw ErrStepPeerNotFound;
  }

  /**
   * Requests a linearizable read point. The answer arrives as a ReadState
   * with this ctx in a later Ready (ctx must be unique among pending requests).
   */
  readIndex(ctx: Buffer): void {
    this.raft.step(makeMessage({ type: MessageType.MsgReadIndex, entries: [makeEntry({ data: ctx })] }));
  }

  /** Asks the leader to hand leadership to `to`, once it is caught up. */
  transferLeader(to: bigint): void {
    this.raft.step(makeMessage({ type: MessageType.MsgTransferLeader, from: to }));
  }

  /** Tells the leader that a message to `id` could not be delivered. */
  reportUnreachable(id: bigint): void {
    this.raft.step(makeMessage({ type: MessageType.MsgUnreachable, from: id }));
  }

  /** Tells the leader whether sending a snapshot to `id` succeeded. */
  reportSnapshot(id: bigint, ok: boolean): void {
    this.raft.step(makeMessage({ type: MessageType.MsgSnapStatus, from: id, reject: !ok }));
  }

  hasReady(): boolean {
    const r = this.raft;
    const ss = r.softState();
    if (ss.lead !== this.prevSoftState.lead || ss.raftState !== this.prevSoftState.raftState) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) return true;
    if (!isEmptySnapshot(r.log.unstable.snapshot)) return true;
    return r.msgs.length > 0 || r.log.unstableEntries().length > 0 || r.log.hasNextEnts() || r.readStates.length > 0;
  }

  /**
   * Collects what is to be done. Messages and read states are handed over
   * (not returned again); entries to persist and apply are returned again
   * until advance() is called with this Ready.
   */
  ready(): Ready {
    const r = this.raft;
    const hs = r.hardState();
    const ss = r.softState();
    const rd: Ready = {
      readStates: r.readStates,
      entries: [...r.log.unstableEntries()],
      committedEntries: r.log.nextEnts(),
      messages: r.msgs,
      mustSync: false,
    };
    if (ss.lead !== this.prevSoftState.lead || ss.raftState !== this.prevSoftState.raftState) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    if (!hardStateEqual(hs, this.prevHardState)) rd.hardState = hs;
    const snap = r.log.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    // Term, vote and the log must be durable before we vote or acknowledge;
    // a commit index alone may be lost (it is re-learned from the leader).
    rd.mustSync = rd.entries.length > 0 || hs.vote !== this.prevHardState.vote || hs.term !== this.prevHardState.term;
    r.readStates = [];
    r.msgs = [];
    return rd;
  }

  /** The caller has persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    if (rd.hardState !== undefined && !isEmptyHardState(rd.hardState)) this.prevHardState = rd.hardState;
    this.raft.advance(rd);
  }

  /** The commit index, without building a whole Status (asked on every proposal). */
  commitIndex(): number {
    return this.raft.log.committed;
  }

  status(): Status {
    const r = this.raft;
    const status: Status = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      lead: r.lead,
      raftState: r.state,
      applied: r.log.applied,
      leadTransferee: r.leadTransferee,
      confState: r.prs.confState(),
    };
    if (r.state === StateType.Leader) {
      status.progress = new Map();
      r.prs.visit((id, pr) => {
        status.progress!.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          pendingSnapshot: pr.pendingSnapshot,
          inflight: pr.inflights.count(),
        });
      });
    }
    return status;
  }
}
