// One Watch RPC stream with etcd 3.4's semantics (v3rpc/watch.go + mvcc's watchStream): many
// watchers per stream, IDs chosen by the client or assigned 0, 1, 2, ... per stream, a
// `created` response before any event of a watcher, events batched per revision, cancel,
// compaction, progress notifications, fragmentation. The member pushes events; a client that
// reads too slowly gets its stream closed (UNAVAILABLE, so clients resume) instead of this
// process buffering without bound.
import {
  WatchCreateRequest,
  WatchCreateRequest_FilterType as FilterType,
  WatchRequest,
  WatchResponse,
  type ResponseHeader,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { Event } from '../../proto/mvcc/mvccpb/kv.js';
import type { MemberServer, WatchHandle } from '../../server/types.js';
import { watchCancelReason } from '../../server/auth-guard.js';
import { rpcError } from '../errors.js';
import type { BidiSession, StreamOut } from '../method.js';
import { RPC_ERRORS } from '../rpc-errors.js';
import { fragmentWatchResponse } from './fragment.js';

export interface WatchStreamOptions {
  maxRequestBytes: number;
  progressNotifyIntervalMs: number;
  /** Estimated bytes queued for a slow client before the stream is closed. */
  maxPendingBytes: number;
}

/** mvcc's AutoWatchID: a create with watch_id 0 gets the next free ID of the stream. */
const AUTO_WATCH_ID = 0n;
/** clientv3.InvalidWatchID: the ID of responses that belong to no watcher. */
const INVALID_WATCH_ID = -1n;
/** Per-response overhead counted for the slow-client bound, besides keys and values. */
const RESPONSE_OVERHEAD_BYTES = 64;

const ERR_EMPTY_RANGE = 'mvcc: watcher range is empty';
const ERR_DUPLICATE_ID = 'mvcc: duplicate watch ID provided on the WatchStream';

interface Watcher {
  readonly id: bigint;
  handle: WatchHandle | undefined;
  readonly fragment: boolean;
  readonly progressNotify: boolean;
  /** Responses that arrived before the `created` response went out. */
  pending: WatchResponse[] | undefined;
  /** The watcher has delivered everything up to the current revision (mvcc: synced group). */
  synced: boolean;
  /** Events went out since the last progress tick: no notification needed (etcd: progress[id]). */
  sentSinceTick: boolean;
}

export class WatchStream implements BidiSession<WatchRequest> {
  private readonly watchers = new Map<bigint, Watcher>();
  private nextId = 0n;
  private pendingBytes = 0;
  private closed = false;
  private readonly progressTimer: NodeJS.Timeout;

  constructor(
    private readonly server: MemberServer,
    private readonly out: StreamOut<WatchResponse>,
    private readonly opts: WatchStreamOptions,
  ) {
    this.progressTimer = setInterval(() => this.progressTick(), opts.progressNotifyIntervalMs);
    this.progressTimer.unref();
  }

  message(req: WatchRequest): void {
    if (this.closed) return;
    // With auth a create waits for its permission check; later requests of the stream wait
    // behind it so that answers keep the order of the requests.
    if (this.server.authorizeWatch !== undefined) {
      this.queue = this.queue.then(() => this.handle(req)).catch(() => undefined);
      return;
    }
    void this.handle(req);
  }

  private queue: Promise<void> = Promise.resolve();

  private async handle(req: WatchRequest): Promise<void> {
    if (this.closed) return;
    const u = req.request_union;
    switch (u?.$case) {
      case 'create_request':
        if (this.server.authorizeWatch !== undefined) {
          const c = u.value;
          try {
            await this.server.authorizeWatch(c.key.length === 0 ? Buffer.from([0]) : c.key, c.range_end);
          } catch (err) {
            if (this.closed) return;
            return this.send({ ...this.response(this.server.currentRevision()), watch_id: INVALID_WATCH_ID, created: true, canceled: true, cancel_reason: watchCancelReason(err) });
          }
          if (this.closed) return;
        }
        return this.create(u.value);
      case 'cancel_request':
        return this.cancel(u.value.watch_id);
      case 'progress_request':
        // 3.4 answers at once with the current revision, for no watcher in particular.
        return this.send({ ...this.response(this.server.currentRevision()), watch_id: INVALID_WATCH_ID });
      default:
        // etcd ignores requests it does not know rather than ending the stream.
        return;
    }
  }

  /** etcd keeps sending events after the client half-closes (the gateway always does). */
  halfClose(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.progressTimer);
    for (const w of this.watchers.values()) w.handle?.cancel();
    this.watchers.clear();
  }

  private create(creq: WatchCreateRequest): void {
    const key = creq.key.length === 0 ? Buffer.from([0]) : creq.key;
    const rangeEnd = creq.range_end;
    const fromKey = rangeEnd.length === 1 && rangeEnd[0] === 0;
    const wsrev = this.server.currentRevision();
    const refuse = (reason: string) =>
      this.send({ ...this.response(wsrev), watch_id: INVALID_WATCH_ID, created: true, canceled: true, cancel_reason: reason });
    if (rangeEnd.length !== 0 && !fromKey && Buffer.compare(key, rangeEnd) >= 0) return refuse(ERR_EMPTY_RANGE);

    let id = creq.watch_id;
    if (id === AUTO_WATCH_ID) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watchers.has(id)) {
      return refuse(ERR_DUPLICATE_ID);
    }
    const startRevision = Number(creq.start_revision);
    const w: Watcher = {
      id,
      handle: undefined,
      fragment: creq.fragment,
      progressNotify: creq.progress_notify,
      pending: [],
      synced: startRevision === 0 || startRevision > wsrev,
      sentSinceTick: false,
    };
    this.watchers.set(id, w);
    const noPut = creq.filters.includes(FilterType.NOPUT);
    const noDelete = creq.filters.includes(FilterType.NODELETE);
    try {
      w.handle = this.server.watch(
        { key, rangeEnd, startRevision, prevKv: creq.prev_kv, noPut, noDelete },
        {
          events: (events, revision) => this.onEvents(w, events, revision),
          compacted: (compactRevision) => this.onCompacted(w, compactRevision),
        },
      );
    } catch (err) {
      this.watchers.delete(id);
      return refuse(err instanceof Error ? err.message : String(err));
    }
    this.send({ ...this.response(wsrev), watch_id: id, created: true });
    const early = w.pending ?? [];
    w.pending = undefined;
    for (const r of early) this.sendFor(w, r);
  }

  private cancel(id: bigint): void {
    const w = this.watchers.get(id);
    if (w === undefined) return; // etcd answers nothing for an unknown ID
    w.handle?.cancel();
    this.watchers.delete(id);
    this.send({ ...this.response(this.server.currentRevision()), watch_id: id, canceled: true });
  }

  private onEvents(w: Watcher, events: Event[], revision: number): void {
    if (this.closed || this.watchers.get(w.id) !== w) return;
    if (revision >= this.server.currentRevision()) w.synced = true;
    this.sendFor(w, { ...this.response(revision), watch_id: w.id, events });
  }

  private onCompacted(w: Watcher, compactRevision: number): void {
    if (this.closed || this.watchers.get(w.id) !== w) return;
    // mvcc's compacted response carries no revision, so neither does etcd's header.
    this.sendFor(w, { ...this.response(0), watch_id: w.id, compact_revision: BigInt(compactRevision), canceled: true });
    this.watchers.delete(w.id);
  }

  private sendFor(w: Watcher, r: WatchResponse): void {
    if (w.pending !== undefined) {
      w.pending.push(r);
      return;
    }
    if (r.events.length > 0) w.sentSinceTick = true;
    const parts = w.fragment ? fragmentWatchResponse(r, this.opts.maxRequestBytes) : [r];
    for (const p of parts) this.send(p);
  }

  /** etcd's progress ticker: a watcher that got no events since the last tick is told the revision. */
  private progressTick(): void {
    if (this.closed) return;
    for (const w of this.watchers.values()) {
      if (!w.progressNotify || w.pending !== undefined) continue;
      if (!w.sentSinceTick && w.synced) this.send({ ...this.response(this.server.currentRevision()), watch_id: w.id });
      w.sentSinceTick = false;
    }
  }

  private response(revision: number): WatchResponse {
    return {
      header: this.header(revision),
      watch_id: 0n,
      created: false,
      canceled: false,
      compact_revision: 0n,
      cancel_reason: '',
      fragment: false,
      events: [],
    };
  }

  private header(revision: number): ResponseHeader {
    return this.server.header(revision);
  }

  private send(r: WatchResponse): void {
    if (this.closed) return;
    const size = estimateSize(r);
    this.pendingBytes += size;
    if (this.pendingBytes > this.opts.maxPendingBytes) {
      this.close();
      this.out.fail(rpcError(RPC_ERRORS.WatchStreamTooSlow));
      return;
    }
    this.out.send(r).then(
      () => {
        this.pendingBytes -= size;
      },
      () => this.close(),
    );
  }
}

function estimateSize(r: WatchResponse): number {
  let n = RESPONSE_OVERHEAD_BYTES;
  for (const ev of r.events) {
    n += RESPONSE_OVERHEAD_BYTES + (ev.kv?.key.length ?? 0) + (ev.kv?.value.length ?? 0);
    n += (ev.prev_kv?.key.length ?? 0) + (ev.prev_kv?.value.length ?? 0);
  }
  return n;
}
