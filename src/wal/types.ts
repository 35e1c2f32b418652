// The WAL's vocabulary. Terms and indexes are plain numbers (project rule: they stay below
// 2^53); the vote is a member ID and therefore a bigint.

/**
 * One raft log entry as the WAL stores it. `encoded` is the complete raftpb.Entry encoding
 * (Type, Term, Index, Data) — exactly the bytes of etcd's entry record — so the WAL never has
 * to know what an entry means. `index` and `term` repeat the values inside `encoded`; the WAL
 * needs them to name segments and to let later records overwrite a conflicting suffix.
 * Build one from raft fields with `encodeWalEntry`. (The field is deliberately not called
 * `data`: a raft entry object {index, term, data: payload} must not pass for a WalEntry.)
 */
export interface WalEntry {
  index: number;
  term: number;
  encoded: Buffer;
}

/** raftpb.HardState with number term/commit. All zeros is the empty state, which is never written. */
export interface HardState {
  term: number;
  vote: bigint;
  commit: number;
}

/** walpb.Snapshot: the position of a raft snapshot in the log. */
export interface WalSnapshot {
  index: number;
  term: number;
}

export interface WalOptions {
  /** Preallocated size of a segment, and the size at which the log is cut to a new one. */
  segmentSizeBytes?: number;
}

export interface ReadAllResult {
  /** The metadata given to WAL.create (etcd: an etcdserverpb.Metadata with the member and cluster IDs). */
  metadata: Buffer;
  /** The last hard state in the log, or the empty state if none was saved. */
  hardState: HardState;
  /** Entries after the snapshot the WAL was opened at, with overwritten suffixes already dropped. */
  entries: WalEntry[];
}

export const EMPTY_HARD_STATE: Readonly<HardState> = Object.freeze({ term: 0, vote: 0n, commit: 0 });

export function isEmptyHardState(st: HardState): boolean {
  return st.term === 0 && st.vote === 0n && st.commit === 0;
}
