// Linearizable reads, batched as etcd's linearizableReadLoop batches them: every read that arrives
// while no ReadIndex request is in flight joins the next one, so a burst of reads costs one
// leadership confirmation. A read proceeds once the applied index reaches the confirmed index.
import type { AppliedWait } from './wait.js';

/** etcd's readIndexRetryTime: raft drops a ReadIndex it cannot serve yet, so ask again. */
const READ_INDEX_RETRY_MS = 500;

interface Batch {
  ctx: Buffer;
  waiters: Array<{ resolve: () => void; reject: (e: Error) => void }>;
  started: number;
  timer?: NodeJS.Timeout;
}

export class ReadIndexBatcher {
  private next: Batch['waiters'] = [];
  private scheduled = false;
  private readonly inFlight = new Map<string, Batch>();
  private seq = 0n;

  constructor(
    private readonly issue: (ctx: Buffer) => void,
    private readonly applied: AppliedWait,
    private readonly timeoutMs: number,
    private readonly timeoutError: () => Error,
  ) {}

  /** Resolves when a read started now may be served from the local state machine. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.next.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.next.length === 0) return;
    const ctx = Buffer.alloc(8);
    ctx.writeBigUInt64BE(++this.seq);
    const batch: Batch = { ctx, waiters: this.next, started: Date.now() };
    this.next = [];
    this.inFlight.set(ctx.toString('hex'), batch);
    this.send(batch);
  }

  private send(batch: Batch): void {
    const key = batch.ctx.toString('hex');
    if (Date.now() - batch.started > this.timeoutMs) {
      this.inFlight.delete(key);
      const err = this.timeoutError();
      batch.waiters.forEach((w) => w.reject(err));
      return;
    }
    try {
      this.issue(batch.ctx);
    } catch {
      // No leader yet: the retry below asks again until the request times out.
    }
    batch.timer = setTimeout(() => {
      if (this.inFlight.has(key)) this.send(batch);
    }, READ_INDEX_RETRY_MS);
  }

  /** Called with the read states raft confirmed. */
  confirmed(states: Array<{ index: number; requestCtx: Buffer }>): void {
    for (const s of states) {
      const key = s.requestCtx.toString('hex');
      const batch = this.inFlight.get(key);
      if (!batch) continue;
      this.inFlight.delete(key);
      clearTimeout(batch.timer);
      this.applied.wait(s.index).then(
        () => batch.waiters.forEach((w) => w.resolve()),
        (e: Error) => batch.waiters.forEach((w) => w.reject(e)),
      );
    }
  }

  /** Fails every read in flight (leader change, stop): the client retries. */
  failAll(err: Error): void {
    for (const batch of this.inFlight.values()) {
      clearTimeout(batch.timer);
      batch.waiters.forEach((w) => w.reject(err));
    }
    this.inFlight.clear();
    const next = this.next;
    this.next = [];
    next.forEach((w) => w.reject(err));
  }
}
