// The last EVENT_HISTORY_CAPACITY events, so a watch with a waitIndex in the recent past is
// answered from history (etcd: v2store/event_history.go, event_queue.go). The ring buffer's
// fields are kept as etcd's are, because they are written into snapshots.
import { type V2Event, eventIndex } from './event.js';
import { EcodeEventIndexCleared, V2Error } from './errors.js';

/** etcd keeps 1000 events (newWatchHub(1000)). */
export const EVENT_HISTORY_CAPACITY = 1000;

export class EventHistory {
  /** Ring buffer; unused slots are null (etcd's JSON shows them as null too). */
  events: Array<V2Event | null>;
  size = 0;
  front = 0;
  back = 0;
  startIndex = 0;
  lastIndex = 0;

  constructor(readonly capacity = EVENT_HISTORY_CAPACITY) {
    this.events = new Array<V2Event | null>(capacity).fill(null);
  }

  add(e: V2Event): void {
    this.events[this.back] = e;
    this.back = (this.back + 1) % this.capacity;
    if (this.size === this.capacity) this.front = (this.front + 1) % this.capacity;
    else this.size++;
    this.lastIndex = eventIndex(e);
    this.startIndex = eventIndex(this.events[this.front]!);
  }

  /**
   * The first event at or after `index` that a watcher on `key` would see, undefined when
   * none happened yet; 401 EventIndexCleared when `index` fell out of the history.
   */
  scan(key: string, recursive: boolean, index: number): V2Event | undefined {
    if (index < this.startIndex) {
      throw new V2Error(EcodeEventIndexCleared, `the requested history has been cleared [${this.startIndex}/${index}]`, 0);
    }
    if (index > this.lastIndex) return undefined;
    let i = (this.front + (index - this.startIndex)) % this.capacity;
    for (;;) {
      const e = this.events[i]!;
      if (e.refresh !== true && matches(e, key, recursive)) return e;
      i = (i + 1) % this.capacity;
      if (i === this.back) return undefined;
    }
  }

  /** A copy sharing the (never mutated) events. */
  clone(): EventHistory {
    const copy = new EventHistory(this.capacity);
    copy.events = [...this.events];
    copy.size = this.size;
    copy.front = this.front;
    copy.back = this.back;
    copy.startIndex = this.startIndex;
    copy.lastIndex = this.lastIndex;
    return copy;
  }
}

function matches(e: V2Event, key: string, recursive: boolean): boolean {
  if (e.node.key === key) return true;
  if (recursive) {
    const dirKey = key.endsWith('/') ? key : `${key}/`;
    if (e.node.key.startsWith(dirKey)) return true;
  }
  // A deleted or expired directory takes everything under it along.
  const deletedDir = (e.action === 'delete' || e.action === 'expire') && e.prevNode?.dir === true;
  return deletedDir && key.startsWith(e.prevNode!.key);
}
