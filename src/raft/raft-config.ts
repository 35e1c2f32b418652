import type { ReadOnlyOption } from './read-only.js';
import type { Storage } from './storage.js';

/** How one raft node is set up (etcd's raft.Config, the subset etcd's server uses). */
export interface RaftConfig {
  /** This node's ID; never 0. */
  id: bigint;
  /** Ticks without hearing from a leader before campaigning (randomized in [electionTick, 2*electionTick)). */
  electionTick: number;
  /** Ticks between a leader's heartbeats; must be < electionTick. */
  heartbeatTick: number;
  /** The persisted log; raft reads it, the caller writes it. */
  storage: Storage;
  /** The last index already applied to the state machine (on restart). */
  applied?: number;
  /** Byte limit of the entries in one MsgApp (at least one entry is always sent). */
  maxSizePerMsg: number;
  /** How many MsgApps may be unacknowledged per follower in replicate state. */
  maxInflightMsgs: number;
  /** A leader steps down if it has not heard from a quorum in an election timeout. */
  checkQuorum: boolean;
  /** Run a pre-election first so that a partitioned node rejoining cannot bump everyone's term. */
  preVote: boolean;
  /** 'safe' confirms ReadIndex with a heartbeat quorum round; 'lease-based' trusts the leader's lease (needs checkQuorum). */
  readOnlyOption: ReadOnlyOption;
  /** A uniform random number in [0, 1) for the election timeout; defaults to Math.random. Inject for determinism. */
  rand?: () => number;
  /** Byte limit of Ready.committedEntries (at least one entry); unlimited by default. */
  maxCommittedSizePerReady?: number;
}

/** Throws on a configuration etcd's raft would refuse. */
export function validateConfig(c: RaftConfig): void {
  if (c.id === 0n) throw new Error('cannot use none as id');
  if (c.heartbeatTick <= 0) throw new Error('heartbeat tick must be greater than 0');
  if (c.electionTick <= c.heartbeatTick) throw new Error('election tick must be greater than heartbeat tick');
  if (c.maxInflightMsgs <= 0) throw new Error('max inflight messages must be greater than 0');
  if (c.readOnlyOption === 'lease-based' && !c.checkQuorum) {
    throw new Error('CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased');
  }
}
