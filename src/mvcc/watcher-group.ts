// A set of watchers that finds, for a key, the watchers interested in it (mvcc/watcher_group.go).
// Single-key watchers are found by a map lookup; range watchers by a scan, which is fine for the
// number of range watchers a member serves (etcd uses an interval tree).
import { rangeEnd } from './kvstore-txn.js';

export interface WatchTarget {
  key: Buffer;
  /** Same conventions as range: undefined/empty = single key, `\0` = key and everything after. */
  end: Buffer | undefined;
}

export function targetContains(t: WatchTarget, key: Buffer): boolean {
  const e = rangeEnd(t.end);
  if (e === 'single') return t.key.equals(key);
  if (Buffer.compare(key, t.key) < 0) return false;
  return e === 'open' || Buffer.compare(key, e) < 0;
}

export class WatcherGroup<W extends WatchTarget> {
  private readonly singles = new Map<string, Set<W>>();
  private readonly ranges = new Set<W>();
  private count = 0;

  add(w: W): void {
    if (rangeEnd(w.end) === 'single') {
      const id = w.key.toString('latin1');
      let set = this.singles.get(id);
      if (!set) this.singles.set(id, (set = new Set()));
      set.add(w);
    } else {
      this.ranges.add(w);
    }
    this.count++;
  }

  delete(w: W): boolean {
    let removed: boolean;
    if (rangeEnd(w.end) === 'single') {
      const id = w.key.toString('latin1');
      const set = this.singles.get(id);
      removed = set?.delete(w) ?? false;
      if (set && set.size === 0) this.singles.delete(id);
    } else {
      removed = this.ranges.delete(w);
    }
    if (removed) this.count--;
    return removed;
  }

  size(): number {
    return this.count;
  }

  /** The watchers interested in `key`. */
  *matching(key: Buffer): Generator<W> {
    const set = this.singles.get(key.toString('latin1'));
    if (set) yield* set;
    for (const w of this.ranges) if (targetContains(w, key)) yield w;
  }

  *all(): Generator<W> {
    for (const set of this.singles.values()) yield* set;
    yield* this.ranges;
  }
}
