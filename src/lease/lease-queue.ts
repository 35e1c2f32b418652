// Min-heaps of lease times (etcd's lease_queue.go): the expiry queue the leader polls for
// expired leases, with at most one entry per lease so a renew moves the entry instead of adding
// one, and the checkpoint queue of next checkpoint times.

export interface LeaseTime {
  readonly id: bigint;
  /** Milliseconds on the lessor's clock. */
  time: number;
}

export interface Slot extends LeaseTime {
  index: number;
}

/** A binary min-heap by time (ties by ID, so the order is deterministic). */
export class LeaseQueue {
  private readonly heap: Slot[] = [];

  get length(): number {
    return this.heap.length;
  }

  peek(): LeaseTime | undefined {
    return this.heap[0];
  }

  push(item: LeaseTime): Slot {
    const slot: Slot = { id: item.id, time: item.time, index: this.heap.length };
    this.heap.push(slot);
    this.up(slot.index);
    return slot;
  }

  pop(): LeaseTime | undefined {
    const top = this.heap[0];
    if (top) this.removeAt(0);
    return top;
  }

  /** Restores the heap after `slot.time` changed. */
  fix(slot: Slot): void {
    if (!this.up(slot.index)) this.down(slot.index);
  }

  remove(slot: Slot): void {
    this.removeAt(slot.index);
  }

  private removeAt(i: number): void {
    const last = this.heap.length - 1;
    if (i !== last) this.swap(i, last);
    this.heap.pop();
    if (i < this.heap.length && !this.up(i)) this.down(i);
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.time < b.time || (a.time === b.time && a.id < b.id);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.index = j;
    b.index = i;
  }

  /** Moves the item at i up; true if it moved. */
  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.less(right, left) ? right : left;
      if (!this.less(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }
}

/** One entry per lease (etcd's LeaseExpiredNotifier): registering again moves the entry. */
export class LeaseExpiryQueue {
  private readonly queue = new LeaseQueue();
  private readonly slots = new Map<bigint, Slot>();

  get length(): number {
    return this.queue.length;
  }

  registerOrUpdate(id: bigint, time: number): void {
    const slot = this.slots.get(id);
    if (slot) {
      slot.time = time;
      this.queue.fix(slot);
    } else {
      this.slots.set(id, this.queue.push({ id, time }));
    }
  }

  unregister(id: bigint): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.queue.remove(slot);
    this.slots.delete(id);
  }

  /** The earliest entry, left in place. */
  peek(): LeaseTime | undefined {
    return this.queue.peek();
  }
}
