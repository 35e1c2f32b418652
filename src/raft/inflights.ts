/**
 * Flow control for a follower in replicate state: the last indexes of the
 * MsgApps sent but not yet acknowledged, oldest first. When `size` are in
 * flight the leader stops sending until acknowledgements free some.
 */
export class Inflights {
  private buffer: number[] = [];

  constructor(readonly size: number) {}

  add(lastIndex: number): void {
    if (this.full()) throw new Error('cannot add into a full inflights');
    this.buffer.push(lastIndex);
  }

  /** Frees every inflight message whose last index is ≤ to (acknowledged). */
  freeLE(to: number): void {
    let i = 0;
    while (i < this.buffer.length && this.buffer[i]! <= to) i++;
    if (i > 0) this.buffer = this.buffer.slice(i);
  }

  /** Frees the oldest one: a heartbeat response shows the follower is alive though the acks were lost. */
  freeFirstOne(): void {
    this.buffer = this.buffer.slice(1);
  }

  full(): boolean {
    return this.buffer.length >= this.size;
  }

  count(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = [];
  }
}
