// Pending proposals, keyed by request ID, resolved when their entry is applied. Also the waiters
// for "applied index >= N" that linearizable reads park on.

export class ProposalWait<T> {
  private readonly pending = new Map<bigint, { resolve: (v: T) => void; reject: (e: Error) => void }>();

  register(id: bigint): Promise<T> {
    return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  isPending(id: bigint): boolean {
    return this.pending.has(id);
  }

  resolve(id: bigint, value: T): void {
    const w = this.pending.get(id);
    if (!w) return;
    this.pending.delete(id);
    w.resolve(value);
  }

  reject(id: bigint, err: Error): void {
    const w = this.pending.get(id);
    if (!w) return;
    this.pending.delete(id);
    w.reject(err);
  }

  rejectAll(err: Error): void {
    for (const [id, w] of this.pending) {
      this.pending.delete(id);
      w.reject(err);
    }
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Resolves waiters once the applied index reaches the index they wait for. */
export class AppliedWait {
  private applied = 0;
  // Waiters arrive in roughly ascending index order; a sorted insert keeps trigger() cheap.
  private waiters: Array<{ index: number; resolve: () => void; reject: (e: Error) => void }> = [];

  get appliedIndex(): number {
    return this.applied;
  }

  wait(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1]!.index > index) i--;
      this.waiters.splice(i, 0, { index, resolve, reject });
    });
  }

  trigger(applied: number): void {
    this.applied = applied;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.index <= applied) n++;
    if (n === 0) return;
    const ready = this.waiters.splice(0, n);
    for (const w of ready) w.resolve();
  }

  rejectAll(err: Error): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w.reject(err);
  }
}
