// Watchers by watched path, plus the event history (etcd: v2store/watcher_hub.go).
import { cloneEvent, type V2Event } from './event.js';
import { EventHistory } from './event-history.js';
import { V2Watcher } from './watcher.js';

export class WatcherHub {
  /** Watched path → watchers in registration order. */
  private readonly watchers = new Map<string, Set<V2Watcher>>();
  private watcherCount = 0;

  constructor(public history: EventHistory = new EventHistory()) {}

  get count(): number {
    return this.watcherCount;
  }

  /**
   * A watcher for changes at key (below it too when recursive) from sinceIndex on. When the
   * history already holds a matching event, the watcher gets it at once and is not registered.
   * Throws 401 EventIndexCleared (with the store index) when sinceIndex is too old.
   */
  watch(key: string, recursive: boolean, stream: boolean, sinceIndex: number, storeIndex: number): V2Watcher {
    let past: V2Event | undefined;
    try {
      past = this.history.scan(key, recursive, sinceIndex);
    } catch (err) {
      (err as { index: number }).index = storeIndex;
      throw err;
    }
    const w = new V2Watcher(storeIndex, recursive, stream, sinceIndex);
    if (past !== undefined) {
      const e = cloneEvent(past);
      e.etcdIndex = storeIndex;
      w.deliver(e);
      return w;
    }
    let set = this.watchers.get(key);
    if (set === undefined) this.watchers.set(key, (set = new Set()));
    const watchers = set;
    set.add(w);
    this.watcherCount++;
    w.detach = () => {
      if (!watchers.delete(w)) return;
      this.watcherCount--;
      if (watchers.size === 0 && this.watchers.get(key) === watchers) this.watchers.delete(key);
    };
    return w;
  }

  /** Record an event in the history without telling watchers (TTL refreshes). */
  add(e: V2Event): void {
    this.history.add(e);
  }

  /** Record an event and tell the watchers of its key and of every ancestor ("/", "/foo", ...). */
  notify(e: V2Event): void {
    this.history.add(e);
    let curr = '';
    for (const segment of e.node.key.split('/')) {
      if (segment === '') {
        if (curr === '') this.notifyWatchers(e, (curr = '/'), false);
        continue;
      }
      curr = curr === '/' ? `/${segment}` : `${curr}/${segment}`;
      this.notifyWatchers(e, curr, false);
    }
  }

  /** Tell the watchers registered at exactly nodePath; one-shot watchers are removed once fired. */
  notifyWatchers(e: V2Event, nodePath: string, deleted: boolean): void {
    const set = this.watchers.get(nodePath);
    if (set === undefined) return;
    const originalPath = e.node.key === nodePath;
    for (const w of set) {
      if (!originalPath && isHidden(nodePath, e.node.key)) continue;
      if (!w.interested(e, originalPath, deleted)) continue;
      if (!w.deliver(e)) w.remove();
      else if (!w.stream) w.detach?.();
    }
  }

  /** A hub with a copy of the history and no watchers (etcd's clone for snapshots). */
  clone(): WatcherHub {
    return new WatcherHub(this.history.clone());
  }
}

/** Whether keyPath lies in a hidden node relative to watchPath (etcd's isHidden). */
export function isHidden(watchPath: string, keyPath: string): boolean {
  if (watchPath.length > keyPath.length) return false;
  const after = cleanPath(`/${keyPath.slice(watchPath.length)}`);
  return after.includes('/_');
}

/** Go's path.Clean for absolute slash paths: no empty, "." or ".." segments, no trailing slash. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}
