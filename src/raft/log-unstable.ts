import type { Entry, Snapshot } from './types.js';

/**
 * The tail of the log not yet persisted by the caller: entries from `offset`
 * on, and possibly an incoming snapshot. Entry i lives at entries[i - offset].
 */
export class UnstableLog {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  /** The index of the first entry, if only the unstable snapshot knows it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      return this.snapshot?.metadata.index === i ? this.snapshot.metadata.term : undefined;
    }
    return this.entries[i - this.offset]?.term;
  }

  /**
   * The caller persisted entries up to i (with term t). A term mismatch means
   * the entry was replaced meanwhile; the new one is still unstable.
   */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === undefined) return;
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot?.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends, replacing any unstable entries at or after ents[0].index. */
  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (after <= this.offset) {
      // Everything unstable is replaced; older stable entries are overwritten
      // in storage when the caller persists these.
      this.offset = after;
      this.entries = [...ents];
    } else {
      this.entries = this.slice(this.offset, after).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    const upper = this.offset + this.entries.length;
    if (lo > hi || lo < this.offset || hi > upper) {
      throw new RangeError(`unstable.slice[${lo},${hi}) out of bound [${this.offset},${upper}]`);
    }
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
