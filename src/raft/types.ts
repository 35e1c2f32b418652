/**
 * The raft layer's own data types, shaped like etcd's raftpb but with
 * idiomatic TypeScript representations: node IDs are bigint (uint64), terms and
 * indexes are plain numbers (the project-wide rule: they stay below 2^53).
 * codec.ts converts them to and from the generated protobuf types.
 */

/** The zero node ID: "no node" (no leader, no vote). */
export const NONE = 0n;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
  ConfChangeV2 = 2,
}

/** etcd's raftpb.MessageType numbering, so values cross the wire unchanged. */
export enum MessageType {
  MsgHup = 0,
  MsgBeat = 1,
  MsgProp = 2,
  MsgApp = 3,
  MsgAppResp = 4,
  MsgVote = 5,
  MsgVoteResp = 6,
  MsgSnap = 7,
  MsgHeartbeat = 8,
  MsgHeartbeatResp = 9,
  MsgUnreachable = 10,
  MsgSnapStatus = 11,
  MsgCheckQuorum = 12,
  MsgTransferLeader = 13,
  MsgTimeoutNow = 14,
  MsgReadIndex = 15,
  MsgReadIndexResp = 16,
  MsgPreVote = 17,
  MsgPreVoteResp = 18,
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Buffer;
}

export interface HardState {
  term: number;
  vote: bigint;
  commit: number;
}

export interface ConfState {
  voters: bigint[];
  learners: bigint[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  data: Buffer;
  metadata: SnapshotMetadata;
}

export interface Message {
  type: MessageType;
  to: bigint;
  from: bigint;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  context?: Buffer;
}

export interface ConfChange {
  type: ConfChangeType;
  nodeId: bigint;
  context: Buffer;
  /** etcd threads its own request ID through here. */
  id: bigint;
}

export enum StateType {
  Follower = 'StateFollower',
  Candidate = 'StateCandidate',
  Leader = 'StateLeader',
  PreCandidate = 'StatePreCandidate',
}

export interface SoftState {
  lead: bigint;
  raftState: StateType;
}

/** The answer to a ReadIndex request: reads at `index` are linearizable once applied ≥ index. */
export interface ReadState {
  index: number;
  requestCtx: Buffer;
}


export function emptySnapshot(): Snapshot {
  return { data: Buffer.alloc(0), metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } } };
}

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

export function isEmptyHardState(h: HardState): boolean {
  return h.term === 0 && h.vote === NONE && h.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** A message with every field at its zero value except those given. */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

export function makeEntry(fields: Partial<Entry> = {}): Entry {
  return { term: 0, index: 0, type: EntryType.Normal, data: Buffer.alloc(0), ...fields };
}

/** Messages raft generates for itself; they never cross the network. */
export function isLocalMessage(t: MessageType): boolean {
  return (
    t === MessageType.MsgHup ||
    t === MessageType.MsgBeat ||
    t === MessageType.MsgUnreachable ||
    t === MessageType.MsgSnapStatus ||
    t === MessageType.MsgCheckQuorum
  );
}

export function isResponseMessage(t: MessageType): boolean {
  return (
    t === MessageType.MsgAppResp ||
    t === MessageType.MsgVoteResp ||
    t === MessageType.MsgHeartbeatResp ||
    t === MessageType.MsgUnreachable ||
    t === MessageType.MsgPreVoteResp
  );
}
