// Watches over the KV store (mvcc/watchable_store.go). A watcher is "synced" when it has seen
// everything up to the current revision: it then gets each committed write transaction's events
// right away, one call per revision. A watcher that starts in the past is "unsynced": it catches
// up from the `key` bucket history in bounded batches (whole revisions only), then joins the
// synced group. A watcher whose next revision was compacted away gets the compact revision and
// is dropped, as in etcd.
import { Event_EventType, KeyValue, type Event } from '../proto/mvcc/mvccpb/kv.js';
import type { KVStore } from './kvstore.js';
import { bytesToRev, isTombstone, revToBytes } from './revision.js';
import { targetContains, WatcherGroup, type WatchTarget } from './watcher-group.js';

export interface WatchRequest {
  key: Buffer;
  /** undefined/empty = single key, `\0` = key and everything after, else [key, end). */
  end?: Buffer;
  /** 0: from the next revision. */
  startRev?: number;
  prevKv?: boolean;
  filters?: { noPut?: boolean; noDelete?: boolean };
}

/** Receives events; `rev` is the revision to report in the response header. */
export type EventsCallback = (events: Event[], rev: number) => void;
export type CompactedCallback = (compactRev: number) => void;

export interface Watcher {
  readonly id: number;
  cancel(): void;
  /** Whether the watcher has caught up with the store's history. */
  isSynced(): boolean;
}

export interface WatchableStoreOptions {
  /** `key` bucket entries read per catch-up batch (extended to finish the last revision). */
  syncBatchEntries?: number;
}

const DEFAULT_SYNC_BATCH_ENTRIES = 1000;

class WatcherState implements WatchTarget, Watcher {
  synced = false;
  canceled = false;
  constructor(
    readonly id: number,
    readonly key: Buffer,
    readonly end: Buffer | undefined,
    /** The next revision this watcher must see. */
    public minRev: number,
    readonly prevKv: boolean,
    readonly noPut: boolean,
    readonly noDelete: boolean,
    readonly onEvents: EventsCallback,
    readonly onCompacted: CompactedCallback | undefined,
    private readonly store: WatchableStore,
  ) {}

  cancel(): void {
    this.store.cancel(this);
  }

  isSynced(): boolean {
    return this.synced;
  }

  wants(ev: Event): boolean {
    if (ev.type === Event_EventType.PUT ? this.noPut : this.noDelete) return false;
    return Number(ev.kv!.mod_revision) >= this.minRev && targetContains(this, ev.kv!.key);
  }
}

export class WatchableStore {
  private readonly synced = new WatcherGroup<WatcherState>();
  private readonly unsynced = new Set<WatcherState>();
  private nextId = 0;
  private syncScheduled = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly syncBatchEntries: number;

  constructor(
    readonly kv: KVStore,
    options: WatchableStoreOptions = {},
  ) {
    this.syncBatchEntries = options.syncBatchEntries ?? DEFAULT_SYNC_BATCH_ENTRIES;
    this.unsubscribe = kv.onCommit((changes, rev) => this.notify(changes, rev));
  }

  /**
   * Starts a watcher. Events never arrive synchronously from this call: a catching-up watcher
   * starts on a later turn, so the caller can announce the watcher first.
   */
  watch(req: WatchRequest, onEvents: EventsCallback, onCompacted?: CompactedCallback): Watcher {
    if (this.closed) throw new Error('mvcc: watchable store closed');
    const startRev = req.startRev ?? 0;
    const current = this.kv.rev();
    const synced = startRev === 0 || startRev > current;
    const minRev = synced ? Math.max(current + 1, startRev) : startRev;
    const w = new WatcherState(
      this.nextId++,
      Buffer.from(req.key),
      req.end && req.end.length > 0 ? Buffer.from(req.end) : undefined,
      minRev,
      req.prevKv ?? false,
      req.filters?.noPut ?? false,
      req.filters?.noDelete ?? false,
      onEvents,
      onCompacted,
      this,
    );
    if (synced) {
      w.synced = true;
      this.synced.add(w);
    } else {
      this.unsynced.add(w);
      this.scheduleSync();
    }
    return w;
  }

  /** @internal */
  cancel(w: WatcherState): void {
    w.canceled = true;
    if (!this.synced.delete(w)) this.unsynced.delete(w);
  }

  /** The current revision, for progress notifications. */
  progress(): number {
    return this.kv.rev();
  }

  /** Watchers still catching up. */
  unsyncedCount(): number {
    return this.unsynced.size;
  }

  /**
   * The store's history was replaced (a raft snapshot installed): every watcher catches up again
   * from the revision it needs next, as etcd's watchable store does on restore.
   */
  resync(): void {
    for (const w of [...this.synced.all()]) {
      this.synced.delete(w);
      w.synced = false;
      this.unsynced.add(w);
    }
    if (this.unsynced.size > 0) this.scheduleSync();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const w of [...this.synced.all(), ...this.unsynced]) this.cancel(w);
  }

  private notify(changes: readonly KeyValue[], rev: number): void {
    if (this.synced.size() === 0) return;
    const batches = new Map<WatcherState, Event[]>();
    for (const change of changes) {
      const ev = toEvent(change, rev);
      for (const w of this.synced.matching(change.key)) {
        if (!w.wants(ev)) continue;
        let evs = batches.get(w);
        if (!evs) batches.set(w, (evs = []));
        evs.push(ev);
      }
    }
    for (const [w, evs] of batches) this.deliver(w, evs, rev);
  }

  private deliver(w: WatcherState, events: Event[], rev: number): void {
    if (w.canceled) return;
    const out = w.prevKv ? events.map((ev) => ({ ...ev, prev_kv: this.prevKv(ev) })) : events;
    w.onEvents(out, rev);
  }

  /** The key's value just before the event (etcd's watch server reads it at mod_revision - 1). */
  private prevKv(ev: Event): KeyValue | undefined {
    try {
      return this.kv.range(ev.kv!.key, undefined, { rev: Number(ev.kv!.mod_revision) - 1 }).kvs[0];
    } catch {
      return undefined;
    }
  }

  private scheduleSync(): void {
    if (this.syncScheduled || this.closed) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      if (this.closed) return;
      this.syncOnce();
      if (this.unsynced.size > 0) this.scheduleSync();
    });
  }

  /** One catch-up batch for every unsynced watcher (etcd's syncWatchers). */
  private syncOnce(): void {
    const curRev = this.kv.rev();
    const compactRev = this.kv.compactRev();
    let minRev = Number.MAX_SAFE_INTEGER;
    for (const w of [...this.unsynced]) {
      if (w.minRev < compactRev) {
        this.unsynced.delete(w);
        w.canceled = true;
        w.onCompacted?.(compactRev);
        continue;
      }
      minRev = Math.min(minRev, w.minRev);
    }
    if (this.unsynced.size === 0) return;
    const { events, nextRev } = this.readHistory(minRev, curRev);
    for (const w of [...this.unsynced]) {
      const evs = events.filter((ev) => w.wants(ev));
      if (nextRev === undefined) {
        w.minRev = curRev + 1;
        this.unsynced.delete(w);
        w.synced = true;
        this.synced.add(w);
      } else {
        w.minRev = Math.max(w.minRev, nextRev);
      }
      if (evs.length > 0) this.deliver(w, evs, curRev);
    }
  }

  /**
   * Events of revisions [fromRev, toRev] from the `key` bucket, at most about one batch of them
   * (the last revision is always read whole). `nextRev` is where the next batch starts, or
   * undefined when toRev was reached.
   */
  private readHistory(fromRev: number, toRev: number): { events: Event[]; nextRev: number | undefined } {
    const tx = this.kv.backend.readTx();
    const end = revToBytes({ main: toRev + 1, sub: 0 });
    const entries = [...tx.range('key', revToBytes({ main: fromRev, sub: 0 }), end, this.syncBatchEntries)];
    let nextRev: number | undefined;
    if (entries.length === this.syncBatchEntries) {
      const last = bytesToRev(entries[entries.length - 1]!.key);
      const restEnd = revToBytes({ main: last.main + 1, sub: 0 });
      entries.push(...tx.range('key', revToBytes({ main: last.main, sub: last.sub + 1 }), restEnd));
      if (last.main < toRev) nextRev = last.main + 1;
    }
    const events = entries.map(({ key: rk, value }) => {
      const kv = KeyValue.decode(value);
      if (!isTombstone(rk)) return { type: Event_EventType.PUT, kv, prev_kv: undefined };
      kv.mod_revision = BigInt(bytesToRev(rk).main);
      return { type: Event_EventType.DELETE, kv, prev_kv: undefined };
    });
    return { events, nextRev };
  }
}

function toEvent(change: KeyValue, rev: number): Event {
  if (change.create_revision === 0n) {
    return { type: Event_EventType.DELETE, kv: { ...change, mod_revision: BigInt(rev) }, prev_kv: undefined };
  }
  return { type: Event_EventType.PUT, kv: change, prev_kv: undefined };
}
