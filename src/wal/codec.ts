// The payloads of entry, state and snapshot records, converted between raftpb/walpb encodings
// and the WAL's number-based types.
import { Entry, HardState as PbHardState, type EntryType } from '../proto/raft/raftpb/raft.js';
import { Snapshot as PbWalSnapshot } from '../proto/wal/walpb/record.js';
import { marshalEntry, marshalHardState, marshalWalSnapshot } from './wire.js';
import type { HardState, WalEntry, WalSnapshot } from './types.js';

/**
 * Builds a WalEntry from raft fields, encoded exactly as etcd encodes a raftpb.Entry: `payload`
 * is the entry's Data (left out when undefined), `type` a raftpb.EntryType (default EntryNormal).
 */
export function encodeWalEntry(e: { index: number; term: number; type?: EntryType; payload?: Buffer }): WalEntry {
  const encoded = Buffer.from(marshalEntry(e.type ?? 0, e.term, e.index, e.payload));
  return { index: e.index, term: e.term, encoded };
}

/** Reads index and term out of a raftpb.Entry encoding (as found in an entry record). */
export function decodeEntryPosition(data: Buffer): { index: number; term: number } {
  const e = Entry.decode(data);
  return { index: toNumber(e.Index, 'entry index'), term: toNumber(e.Term, 'entry term') };
}

export function encodeHardState(st: HardState): Buffer {
  return Buffer.from(marshalHardState(st.term, st.vote, st.commit));
}

export function decodeHardState(data: Buffer): HardState {
  const st = PbHardState.decode(data);
  return { term: toNumber(st.term, 'hard state term'), vote: st.vote ?? 0n, commit: toNumber(st.commit, 'hard state commit') };
}

export function encodeWalSnapshot(s: WalSnapshot): Buffer {
  return Buffer.from(marshalWalSnapshot(s.index, s.term));
}

export function decodeWalSnapshot(data: Buffer): WalSnapshot {
  const s = PbWalSnapshot.decode(data);
  return { index: toNumber(s.index, 'snapshot index'), term: toNumber(s.term, 'snapshot term') };
}

/** Terms and indexes are numbers by project rule; a value past 2^53 is refused, never rounded. */
function toNumber(v: bigint | undefined, what: string): number {
  const n = Number(v ?? 0n);
  if (!Number.isSafeInteger(n)) throw new RangeError(`wal: ${what} ${v} is beyond 2^53`);
  return n;
}
