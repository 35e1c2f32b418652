/**
 * etcd's raft sentinel errors. They are shared instances so callers can test
 * identity (`err === ErrCompacted`) exactly as etcd code compares errors.
 */

export class RaftError extends Error {
  override readonly name = 'RaftError';
}

/** The requested index is older than the storage's first index (compacted away). */
export const ErrCompacted = new RaftError('requested index is unavailable due to compaction');
/** The requested index is newer than the storage's last index. */
export const ErrUnavailable = new RaftError('requested entry at index is unavailable');
/** The snapshot is not newer than the one already held. */
export const ErrSnapOutOfDate = new RaftError('requested index is older than the existing snapshot');
/** A proposal was dropped: no leader, a leader transfer is in progress, or the node was removed. */
export const ErrProposalDropped = new RaftError('raft proposal dropped');
/** RawNode.step was given a message that raft only generates internally. */
export const ErrStepLocalMsg = new RaftError('raft: cannot step raft local message');
/** RawNode.step was given a response from a node that is not in the configuration. */
export const ErrStepPeerNotFound = new RaftError('raft: cannot step as peer not found');
