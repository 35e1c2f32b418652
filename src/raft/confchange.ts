import { Progress } from './progress.js';
import type { ProgressTracker } from './tracker.js';
import { ConfChangeType, type ConfChange, type ConfState } from './types.js';

/**
 * Applies one membership change to the tracker (etcd's confchange.Changer.Simple
 * for a single change). A change that would leave no voter is refused, and the
 * tracker is then left as it was.
 *
 * New members start probing at lastIndex, recently active so a check-quorum
 * round right after the change does not count them as dead.
 */
export function applySimpleChange(tracker: ProgressTracker, cc: Pick<ConfChange, 'type' | 'nodeId'>, lastIndex: number): void {
  const id = cc.nodeId;
  if (id === 0n) return; // etcd: a change for node 0 is a no-op (used to clear pending conf state)
  switch (cc.type) {
    case ConfChangeType.AddNode:
      makeVoter(tracker, id, lastIndex);
      break;
    case ConfChangeType.AddLearnerNode:
      makeLearner(tracker, id, lastIndex);
      break;
    case ConfChangeType.RemoveNode:
      if (tracker.voters.size === 1 && tracker.voters.has(id)) throw new Error('removed all voters');
      tracker.voters.delete(id);
      tracker.learners.delete(id);
      tracker.progress.delete(id);
      break;
    case ConfChangeType.UpdateNode:
      break;
    default:
      throw new Error(`unexpected conf change type ${String(cc.type)}`);
  }
}

function makeVoter(tracker: ProgressTracker, id: bigint, lastIndex: number): void {
  const pr = tracker.progress.get(id);
  if (pr === undefined) {
    tracker.progress.set(id, newProgress(tracker, lastIndex, false));
  } else {
    pr.isLearner = false;
    tracker.learners.delete(id);
  }
  tracker.voters.add(id);
}

function makeLearner(tracker: ProgressTracker, id: bigint, lastIndex: number): void {
  const pr = tracker.progress.get(id);
  if (pr === undefined) {
    tracker.progress.set(id, newProgress(tracker, lastIndex, true));
  } else if (!pr.isLearner) {
    if (tracker.voters.size === 1 && tracker.voters.has(id)) throw new Error('removed all voters');
    tracker.voters.delete(id);
    pr.isLearner = true;
  }
  tracker.learners.add(id);
}

function newProgress(tracker: ProgressTracker, lastIndex: number, isLearner: boolean): Progress {
  const pr = new Progress(Math.max(lastIndex, 1), tracker.maxInflight, isLearner);
  pr.recentActive = true;
  return pr;
}

/** Rebuilds the configuration from a ConfState (start-up or snapshot restore). */
export function restoreConfState(tracker: ProgressTracker, cs: ConfState, lastIndex: number): void {
  for (const id of cs.voters) makeVoter(tracker, id, lastIndex);
  for (const id of cs.learners) {
    if (tracker.voters.has(id)) throw new Error(`${id} is in both voters and learners`);
    makeLearner(tracker, id, lastIndex);
  }
}
