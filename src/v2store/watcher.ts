// A v2 watcher (etcd: v2store/watcher.go). etcd hands events over a channel of 100; here a
// bounded queue plays that part: a watcher that falls 100 events behind is removed and closed,
// as etcd does, rather than holding up the store.
import { type V2Event, eventIndex } from './event.js';

/** etcd's eventChan capacity. */
export const WATCHER_QUEUE_CAPACITY = 100;

export class V2Watcher {
  private readonly queue: V2Event[] = [];
  private waiter: ((e: V2Event | null) => void) | undefined;
  private closed = false;
  /** Set by the hub while the watcher is registered; removes it from the hub. */
  detach: (() => void) | undefined;

  constructor(
    /** The store index when the watch was made (the X-Etcd-Index a watch answer carries). */
    readonly startIndex: number,
    readonly recursive: boolean,
    readonly stream: boolean,
    readonly sinceIndex: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The next event; null once the watcher is closed and drained. */
  next(): Promise<V2Event | null> {
    const e = this.queue.shift();
    if (e !== undefined) return Promise.resolve(e);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Stop watching: unregister from the hub and end next() with null. Idempotent. */
  remove(): void {
    this.detach?.();
    this.detach = undefined;
    this.close();
  }

  /** Queue an event (from history or the hub). Returns false when the queue overflowed. */
  deliver(e: V2Event): boolean {
    if (this.closed) return false;
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w(e);
      return true;
    }
    if (this.queue.length >= WATCHER_QUEUE_CAPACITY) return false;
    this.queue.push(e);
    return true;
  }

  /**
   * Whether this watcher wants `e`, seen at `path`: the watched path itself, anything below it
   * for recursive watchers, or a deleted ancestor. Never events before sinceIndex.
   */
  interested(e: V2Event, originalPath: boolean, deleted: boolean): boolean {
    return (this.recursive || originalPath || deleted) && eventIndex(e) >= this.sinceIndex;
  }

  private close(): void {
    this.closed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(null);
  }
}
