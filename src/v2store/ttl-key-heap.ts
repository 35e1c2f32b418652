// The min-heap of nodes with a TTL, ordered by expiration (etcd: v2store/ttl_key_heap.go). It
// follows Go's container/heap step for step, so keys with equal expirations expire in the same
// order as in etcd, and the same order on every member.
import type { V2Node } from './node.js';

export class TtlKeyHeap {
  private readonly array: V2Node[] = [];
  private readonly positions = new Map<V2Node, number>();

  get size(): number {
    return this.array.length;
  }

  top(): V2Node | undefined {
    return this.array[0];
  }

  push(n: V2Node): void {
    this.positions.set(n, this.array.length);
    this.array.push(n);
    this.up(this.array.length - 1);
  }

  pop(): V2Node | undefined {
    if (this.array.length === 0) return undefined;
    const last = this.array.length - 1;
    this.swap(0, last);
    this.down(0, last);
    return this.removeLast();
  }

  /** Re-position a node whose expiration changed (no-op when not in the heap). */
  update(n: V2Node): void {
    if (!this.positions.has(n)) return;
    this.remove(n);
    this.push(n);
  }

  remove(n: V2Node): void {
    const i = this.positions.get(n);
    if (i === undefined) return;
    const last = this.array.length - 1;
    if (i !== last) {
      this.swap(i, last);
      if (!this.down(i, last)) this.up(i);
    }
    this.removeLast();
  }

  private removeLast(): V2Node {
    const n = this.array.pop()!;
    this.positions.delete(n);
    return n;
  }

  private less(i: number, j: number): boolean {
    return this.array[i]!.expireTime < this.array[j]!.expireTime;
  }

  private swap(i: number, j: number): void {
    const a = this.array[i]!;
    const b = this.array[j]!;
    this.array[i] = b;
    this.array[j] = a;
    this.positions.set(b, i);
    this.positions.set(a, j);
  }

  private up(j: number): void {
    while (j > 0) {
      const i = Math.floor((j - 1) / 2);
      if (!this.less(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private down(i0: number, n: number): boolean {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(j2, j1)) j = j2;
      if (!this.less(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
}
