import { ErrProposalDropped } from './errors.js';
import type { Raft } from './raft.js';
import { VoteResult } from './tracker.js';
import { MessageType, NONE, StateType, type Message } from './types.js';

/** A follower's handling of every message that is not a vote (etcd's stepFollower). */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.MsgProp:
      if (r.lead === NONE) throw ErrProposalDropped;
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgApp:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleAppendEntries(m);
      return;
    case MessageType.MsgHeartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleHeartbeat(m);
      return;
    case MessageType.MsgSnap:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleSnapshot(m);
      return;
    case MessageType.MsgTransferLeader:
      if (r.lead !== NONE) r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgTimeoutNow:
      // The leader asks us to take over: campaign at once, even within its lease.
      r.campaign('CampaignTransfer');
      return;
    case MessageType.MsgReadIndex:
      if (r.lead !== NONE) r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgReadIndexResp:
      if (m.entries.length !== 1) return;
      r.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
      return;
  }
}

/** A (pre-)candidate's handling of every message that is not a vote (etcd's stepCandidate). */
export function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp = r.state === StateType.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
  switch (m.type) {
    case MessageType.MsgProp:
      throw ErrProposalDropped;
    case MessageType.MsgApp:
      // Someone won this term (m.term === r.term here).
      r.becomeFollower(m.term, m.from);
      r.handleAppendEntries(m);
      return;
    case MessageType.MsgHeartbeat:
      r.becomeFollower(m.term, m.from);
      r.handleHeartbeat(m);
      return;
    case MessageType.MsgSnap:
      r.becomeFollower(m.term, m.from);
      r.handleSnapshot(m);
      return;
    case myVoteResp: {
      const result = r.poll(m.from, !m.reject);
      if (result === VoteResult.Won) {
        if (r.state === StateType.PreCandidate) {
          r.campaign('CampaignElection');
        } else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (result === VoteResult.Lost) {
        // A pre-candidate that lost returns to follower in its old term.
        r.becomeFollower(r.term, NONE);
      }
      return;
    }
  }
}
