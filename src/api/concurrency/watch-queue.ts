// A member watch read as a sequence of per-revision batches, for recipes written as loops.
import type { Event } from '../../proto/mvcc/mvccpb/kv.js';
import type { MemberServer, WatchHandle } from '../../server/types.js';
import { RPC_ERRORS } from '../rpc-errors.js';
import { canceledError } from './kv.js';

export interface Batch {
  events: Event[];
  revision: number;
}

export class WatchQueue {
  private readonly batches: Batch[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly handle: WatchHandle;

  constructor(
    server: MemberServer,
    spec: { key: Buffer; rangeEnd: Buffer; startRevision: number },
    private readonly signal: AbortSignal,
  ) {
    this.handle = server.watch(
      { ...spec, prevKv: false, noPut: false, noDelete: false },
      {
        events: (events, revision) => this.push({ events, revision }),
        compacted: () => this.fail(new Error(RPC_ERRORS.Compacted.message)),
      },
    );
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The next batch; rejects once the watch is compacted or the signal aborts. */
  async next(): Promise<Batch> {
    for (;;) {
      const b = this.batches.shift();
      if (b !== undefined) return b;
      if (this.failure !== undefined) throw this.failure;
      if (this.signal.aborted) throw canceledError();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  cancel(): void {
    this.handle.cancel();
    this.signal.removeEventListener('abort', this.onAbort);
  }

  private readonly onAbort = () => this.fail(canceledError());

  private push(b: Batch): void {
    this.batches.push(b);
    this.wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }
}
