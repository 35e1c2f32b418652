import type { Message } from './types.js';

export type ReadOnlyOption = 'safe' | 'lease-based';

interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<bigint>;
}

/**
 * Pending ReadIndex requests on a leader using the safe option: each waits
 * for a quorum of heartbeat responses carrying its context. A quorum ack for
 * one request also confirms every request queued before it.
 */
export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  addRequest(index: number, m: Message): void {
    const key = ctxKey(m.entries[0]!.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, req: m, acks: new Set() });
    this.queue.push(key);
  }

  /** Records a heartbeat ack and returns who has acked that request (undefined if unknown). */
  recvAck(id: bigint, context: Buffer): Set<bigint> | undefined {
    const rs = this.pending.get(ctxKey(context));
    rs?.acks.add(id);
    return rs?.acks;
  }

  /** Dequeues the request with this context and all older ones. */
  advance(context: Buffer): { req: Message; index: number }[] {
    const key = ctxKey(context);
    const i = this.queue.indexOf(key);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    return done.map((k) => {
      const rs = this.pending.get(k)!;
      this.pending.delete(k);
      return { req: rs.req, index: rs.index };
    });
  }

  lastPendingRequestCtx(): Buffer | undefined {
    const last = this.queue[this.queue.length - 1];
    return last === undefined ? undefined : Buffer.from(last, 'hex');
  }
}

function ctxKey(ctx: Buffer): string {
  return ctx.toString('hex');
}
