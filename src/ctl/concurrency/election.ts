// Leader election over plain KV (clientv3/concurrency Election): campaigners queue as
// `<name>/<lease hex>` keys on their session's lease; the oldest is the leader and its value
// the proclaimed proposal. Observers follow the leader key's changes.
import { Event_EventType, type KeyValue } from '../../proto/mvcc/mvccpb/kv.js';
import { RangeResponse, type ResponseHeader, type TxnResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { prefixRangeEnd } from '../keys.js';
import type { Session } from './session.js';
import { createRevisionIs, getKey, opDelete, opPut, opRange, topByCreate } from './requests.js';
import { waitDeletes } from './wait-deletes.js';
import { watchResponses } from './watch.js';

export class ElectionNotLeaderError extends Error {
  constructor() {
    super('election: not leader');
  }
}

function firstRangeKv(resp: TxnResponse): KeyValue | undefined {
  const r = resp.responses[0]?.response;
  return r?.$case === 'response_range' ? r.value.kvs[0] : undefined;
}

export class Election {
  private readonly pfx: string;
  private leaderKey = '';
  private leaderRev = 0n;
  private leading = false;
  private hdr: ResponseHeader | undefined;

  constructor(
    private readonly session: Session,
    name: string,
  ) {
    this.pfx = name + '/';
  }

  /** This campaigner's key (set by campaign). */
  get key(): string {
    return this.leaderKey;
  }

  get header(): ResponseHeader | undefined {
    return this.hdr;
  }

  /** Enters the queue with `value` and waits until elected; on abort, resigns and throws. */
  async campaign(value: string, signal?: AbortSignal): Promise<void> {
    const client = this.session.client;
    const key = `${this.pfx}${this.session.lease.toString(16)}`;
    const resp = await client.unary('kv', 'txn', {
      compare: [createRevisionIs(key, 0n)],
      success: [opPut(key, value, this.session.lease)],
      failure: [opRange(getKey(key))],
    });
    this.leaderKey = key;
    this.leaderRev = resp.header!.revision;
    this.leading = true;
    if (!resp.succeeded) {
      // This session already campaigns: keep its place in the queue, update the value.
      const kv = firstRangeKv(resp)!;
      this.leaderRev = kv.create_revision;
      if (kv.value.toString() !== value) {
        try {
          await this.proclaim(value);
        } catch (err) {
          await this.resign().catch(() => undefined);
          throw err;
        }
      }
    }
    try {
      await waitDeletes(client, this.pfx, this.leaderRev - 1n, signal);
    } catch (err) {
      if (signal?.aborted) await this.resign().catch(() => undefined);
      else this.leading = false;
      throw err;
    }
    this.hdr = resp.header;
  }

  /** Changes the leader's value without a new election. */
  async proclaim(value: string): Promise<void> {
    if (!this.leading) throw new ElectionNotLeaderError();
    const resp = await this.session.client.unary('kv', 'txn', {
      compare: [createRevisionIs(this.leaderKey, this.leaderRev)],
      success: [opPut(this.leaderKey, value, this.session.lease)],
      failure: [],
    });
    if (!resp.succeeded) {
      this.leaderKey = '';
      throw new ElectionNotLeaderError();
    }
    this.hdr = resp.header;
  }

  /** Gives up leadership (deletes our key if it is still the one we created). */
  async resign(): Promise<void> {
    if (!this.leading) return;
    try {
      const resp = await this.session.client.unary('kv', 'txn', { compare: [createRevisionIs(this.leaderKey, this.leaderRev)], success: [opDelete(this.leaderKey)], failure: [] });
      this.hdr = resp.header;
    } finally {
      this.leaderKey = '';
      this.leading = false;
    }
  }

  /**
   * The current leader and every change to it, as Get responses of one key: the leader's key
   * when there is one (or the first put under the prefix), then each put to it until it is
   * deleted, then the next leader. Ends when the signal aborts or a watch is lost.
   */
  async *observe(signal?: AbortSignal): AsyncGenerator<RangeResponse> {
    const client = this.session.client;
    const pfx = Buffer.from(this.pfx);
    while (!signal?.aborted) {
      const resp = await client.unary('kv', 'range', topByCreate(this.pfx, 'first'));
      let kv = resp.kvs[0];
      let hdr = resp.header!;
      if (!kv) {
        // No leader yet: wait for the first put under the prefix (a delete would make us spin).
        for await (const wr of watchResponses(client, pfx, { rangeEnd: prefixRangeEnd(pfx), startRevision: hdr.revision, signal })) {
          if (wr.canceled) return;
          const put = wr.events.find((ev) => ev.type === Event_EventType.PUT);
          if (put?.kv) {
            kv = put.kv;
            // The batch may hold several revisions: the header is the put's.
            hdr = { ...wr.header!, revision: put.kv.mod_revision };
            break;
          }
        }
        if (!kv) return;
      }
      yield RangeResponse.fromPartial({ header: hdr, kvs: [kv] });
      let deleted = false;
      for await (const wr of watchResponses(client, kv.key, { startRevision: hdr.revision + 1n, signal })) {
        if (wr.canceled) return;
        for (const ev of wr.events) {
          if (ev.type === Event_EventType.DELETE) {
            deleted = true;
            break;
          }
          yield RangeResponse.fromPartial({ header: wr.header, kvs: [ev.kv!] });
        }
        if (deleted) break;
      }
      if (!deleted) return;
    }
  }
}
