import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable } from './errors.js';
import { emptySnapshot, makeEntry, type ConfState, type Entry, type HardState, type Snapshot } from './types.js';
import { limitSize } from './util.js';

/**
 * What raft reads from the caller's durable log (etcd's raft.Storage). Raft
 * never writes to it: the caller persists Ready.entries/hardState/snapshot
 * into it before calling advance().
 *
 * Methods throw ErrCompacted / ErrUnavailable (by identity) where etcd returns them.
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxSize bytes but at least one entry. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  term(i: number): number;
  lastIndex(): number;
  /** The first index that may be read by entries(); older ones are only in the snapshot. */
  firstIndex(): number;
  snapshot(): Snapshot;
}

/**
 * An in-memory Storage, as etcd's MemoryStorage: ents[0] is a dummy entry
 * holding the index and term of the last compacted entry (or the snapshot).
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: 0n, commit: 0 };
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [makeEntry()];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  setHardState(st: HardState): void {
    this.hardState = { ...st };
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw ErrCompacted;
    if (hi > this.lastIndex() + 1) {
      throw new RangeError(`entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    }
    if (this.ents.length === 1) throw ErrUnavailable;
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(i: number): number {
    const offset = this.ents[0]!.index;
    if (i < offset) throw ErrCompacted;
    const e = this.ents[i - offset];
    if (e === undefined) throw ErrUnavailable;
    return e.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with the snapshot (a follower catching up). */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw ErrSnapOutOfDate;
    this.snap = snap;
    this.ents = [makeEntry({ term: snap.metadata.term, index: snap.metadata.index })];
  }

  /**
   * Records a snapshot of the applied state at index i, so that lagging
   * followers can be sent it. The caller usually compacts the log afterwards.
   */
  createSnapshot(i: number, cs: ConfState | undefined, data: Buffer): Snapshot {
    if (i <= this.snap.metadata.index) throw ErrSnapOutOfDate;
    if (i > this.lastIndex()) throw new RangeError(`snapshot ${i} is out of bound lastindex(${this.lastIndex()})`);
    const offset = this.ents[0]!.index;
    this.snap = {
      data,
      metadata: {
        index: i,
        term: this.ents[i - offset]!.term,
        confState: cs ? cloneConfState(cs) : this.snap.metadata.confState,
      },
    };
    return this.snap;
  }

  /** Discards entries before compactIndex; compactIndex itself becomes the dummy entry. */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw ErrCompacted;
    if (compactIndex > this.lastIndex()) {
      throw new RangeError(`compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    }
    const i = compactIndex - offset;
    const dummy = makeEntry({ index: this.ents[i]!.index, term: this.ents[i]!.term });
    this.ents = [dummy, ...this.ents.slice(i + 1)];
  }

  /**
   * Appends entries, truncating any existing suffix they overwrite (a
   * follower whose uncommitted tail conflicted with the leader's).
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const offset = entries[0]!.index - this.ents[0]!.index;
    if (this.ents.length < offset) {
      throw new RangeError(`missing log entry [last: ${this.lastIndex()}, append at: ${entries[0]!.index}]`);
    }
    // The common case appends at the end: in place, O(new entries). Only a conflicting tail
    // (a follower overwritten by a new leader) truncates first. Nobody holds this array:
    // entries() hands out slices.
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of entries) this.ents.push(e);
  }
}

function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
