import { ErrProposalDropped } from './errors.js';
import { ProgressState } from './progress.js';
import type { Raft } from './raft.js';
import { VoteResult } from './tracker.js';
import { EntryType, makeEntry, MessageType, NONE, type Message } from './types.js';

/** A leader's handling of every message that is not a vote (etcd's stepLeader). */
export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.MsgBeat:
      r.bcastHeartbeat();
      return;
    case MessageType.MsgCheckQuorum:
      checkQuorum(r);
      return;
    case MessageType.MsgProp:
      propose(r, m);
      return;
    case MessageType.MsgReadIndex:
      readIndex(r, m);
      return;
  }

  const pr = r.prs.progress.get(m.from);
  if (pr === undefined) return;
  switch (m.type) {
    case MessageType.MsgAppResp:
      pr.recentActive = true;
      if (m.reject) {
        // With a term hint, skip straight past the follower's conflicting term.
        const nextProbe = m.logTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === ProgressState.Replicate) pr.becomeProbe();
          r.sendAppend(m.from);
        }
        return;
      }
      appendAccepted(r, m);
      return;
    case MessageType.MsgHeartbeatResp:
      heartbeatResponse(r, m);
      return;
    case MessageType.MsgSnapStatus:
      if (pr.state !== ProgressState.Snapshot) return;
      // Success or failure, probe next: on success the follower's MsgAppResp
      // moves it on; on failure we retry from scratch. Wait for that answer
      // (probeSent) rather than sending appends blindly.
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      pr.probeSent = true;
      return;
    case MessageType.MsgUnreachable:
      // Stop pipelining into a black hole; probe until it answers.
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      return;
    case MessageType.MsgTransferLeader:
      transferLeader(r, m.from);
      return;
  }
}

function checkQuorum(r: Raft): void {
  const self = r.prs.progress.get(r.id);
  if (self) self.recentActive = true;
  if (!r.prs.quorumActive()) r.becomeFollower(r.term, NONE);
  r.prs.visit((id, pr) => {
    if (id !== r.id) pr.recentActive = false;
  });
}

function propose(r: Raft, m: Message): void {
  if (m.entries.length === 0) throw new Error(`${r.id} stepped empty MsgProp`);
  // Removed from the configuration, or handing leadership over: refuse.
  if (!r.prs.progress.has(r.id) || r.leadTransferee !== NONE) throw ErrProposalDropped;

  m.entries.forEach((e, i) => {
    if (e.type !== EntryType.ConfChange && e.type !== EntryType.ConfChangeV2) return;
    if (r.pendingConfIndex > r.log.applied) {
      // One change at a time: the previous one may not be applied yet. The
      // entry stays (callers wait on its index) but as a no-op.
      m.entries[i] = makeEntry();
    } else {
      r.pendingConfIndex = r.log.lastIndex() + i + 1;
    }
  });
  r.appendEntry(m.entries);
  r.bcastAppend();
}

function readIndex(r: Raft, m: Message): void {
  if (r.prs.isSingleton()) {
    r.respondToReadIndex(m, r.log.committed);
    return;
  }
  // Until an entry of this term commits, our commit index may be behind the
  // true one: a read served now could miss a committed write.
  if (!r.committedEntryInCurrentTerm()) {
    r.pendingReadIndexMessages.push(m);
    return;
  }
  r.serveReadIndex(m);
}

function appendAccepted(r: Raft, m: Message): void {
  const pr = r.prs.progress.get(m.from)!;
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
    // The follower caught up through the snapshot (or despite it).
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) {
    pr.inflights.freeLE(m.index);
  }

  if (r.maybeCommit()) {
    r.releasePendingReadIndexMessages();
    r.bcastAppend();
  } else if (wasPaused) {
    // Flow control opened up again: continue where we stopped.
    r.sendAppend(m.from);
  }
  // Pipeline whatever else fits into the inflight window.
  while (r.maybeSendAppend(m.from, false)) {
    // each call sends one MsgApp
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) r.sendTimeoutNow(m.from);
}

function heartbeatResponse(r: Raft, m: Message): void {
  const pr = r.prs.progress.get(m.from)!;
  pr.recentActive = true;
  pr.probeSent = false;
  // The follower is alive; if all acks were lost, let one more append through.
  if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex()) r.sendAppend(m.from);

  if (r.readOnly.option !== 'safe' || m.context === undefined || m.context.length === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined) return;
  const votes = new Map<bigint, boolean>([...acks].map((id) => [id, true]));
  if (r.prs.voteResult(votes) !== VoteResult.Won) return;
  for (const rs of r.readOnly.advance(m.context)) r.respondToReadIndex(rs.req, rs.index);
}

function transferLeader(r: Raft, transferee: bigint): void {
  const pr = r.prs.progress.get(transferee)!;
  if (pr.isLearner) return;
  if (r.leadTransferee !== NONE) {
    if (r.leadTransferee === transferee) return; // already in progress
    r.leadTransferee = NONE;
  }
  if (transferee === r.id) return; // already the leader
  // The transfer must finish within an election timeout (tickHeartbeat aborts it).
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.log.lastIndex()) {
    r.sendTimeoutNow(transferee);
  } else {
    r.sendAppend(transferee);
  }
}

