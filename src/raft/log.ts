import { ErrCompacted, ErrUnavailable } from './errors.js';
import { UnstableLog } from './log-unstable.js';
import type { Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';
import { limitSize, NO_LIMIT } from './util.js';

/**
 * The raft log as raft sees it: the caller's stable Storage followed by the
 * unstable tail, plus the committed and applied cursors
 * (firstIndex-1 ≤ applied ≤ committed ≤ lastIndex).
 */
export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;

  constructor(
    readonly storage: Storage,
    private readonly maxNextEntsSize: number = NO_LIMIT,
  ) {
    const first = storage.firstIndex();
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  /**
   * The follower side of AppendEntries: if our entry at `index` has `logTerm`,
   * append `ents` (truncating a conflicting suffix) and return the index of
   * the last new entry; undefined when the log does not match.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(`entry ${ci} conflict with committed entry [committed(${this.committed})]`);
      }
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) {
      throw new Error(`after(${after}) is out of range [committed(${this.committed})]`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry of `ents` that is new or whose term differs
   * from ours, 0 if all are already present.
   */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ index whose term is ≤ term: where a leader whose
   * entry at `index` has `term` may usefully probe next (etcd 3.5's fast
   * conflict backtracking; skips whole terms instead of one entry per round trip).
   */
  findConflictByTerm(index: number, term: number): number {
    const li = this.lastIndex();
    if (index > li) return index;
    for (;;) {
      const t = this.termOrUndefined(index);
      if (t === undefined || t <= term) return index;
      index--;
    }
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet applied (may include unstable ones: persist before applying). */
  nextEnts(): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) return this.slice(off, this.committed + 1, this.maxNextEntsSize);
    return [];
  }

  hasNextEnts(): boolean {
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  commitTo(toCommit: number): void {
    if (this.committed >= toCommit) return;
    if (this.lastIndex() < toCommit) {
      throw new Error(`tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
    }
    this.committed = toCommit;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(`applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /**
   * The term of entry i: 0 outside [firstIndex-1, lastIndex]; throws
   * ErrCompacted / ErrUnavailable from storage.
   */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return 0;
    return this.unstable.maybeTerm(i) ?? this.storage.term(i);
  }

  /** term(i), or undefined where the entry was compacted away. */
  termOrUndefined(i: number): number | undefined {
    try {
      return this.term(i);
    } catch (err) {
      if (err === ErrCompacted || err === ErrUnavailable) return undefined;
      throw err;
    }
  }

  /** term(i), with 0 for a compacted entry (etcd's zeroTermOnErrCompacted). */
  zeroTermOnCompacted(i: number): number {
    try {
      return this.term(i);
    } catch (err) {
      if (err === ErrCompacted) return 0;
      throw err;
    }
  }

  /** Entries from i to the end, throws ErrCompacted if i was compacted. */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), NO_LIMIT);
  }

  /** The election restriction: is a log ending at (lasti, term) at least as up to date as ours? */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  matchTerm(i: number, term: number): boolean {
    return this.termOrUndefined(i) === term;
  }

  /** Commits maxIndex only if it is from `term`: the leader never counts replicas of older terms (Figure 8). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.zeroTermOnCompacted(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries in [lo, hi) up to maxSize bytes (at least one); throws ErrCompacted if lo was compacted. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    this.checkOutOfBounds(lo, hi);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    const offset = this.unstable.offset;
    if (lo < offset) {
      const storedHi = Math.min(hi, offset);
      let stored: Entry[];
      try {
        stored = this.storage.entries(lo, storedHi, maxSize);
      } catch (err) {
        if (err === ErrUnavailable) throw new Error(`entries[${lo}:${storedHi}) is unavailable from storage`);
        throw err;
      }
      // Storage hit the size limit: the unstable part would exceed it too.
      if (stored.length < storedHi - lo) return stored;
      ents = stored;
    }
    if (hi > offset) {
      ents = ents.concat(this.unstable.slice(Math.max(lo, offset), hi));
    }
    return limitSize(ents, maxSize);
  }

  private checkOutOfBounds(lo: number, hi: number): void {
    if (lo > hi) throw new RangeError(`invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) throw ErrCompacted;
    if (hi > this.lastIndex() + 1) {
      throw new RangeError(`slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
    }
  }
}
