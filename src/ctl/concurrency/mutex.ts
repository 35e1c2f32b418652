// A distributed lock over plain KV (clientv3/concurrency Mutex): every contender puts
// `<name>/<lease hex>` on its session's lease; the oldest key under the prefix holds the lock,
// and each waiter watches only the key just ahead of it.
import type { ResponseHeader, TxnResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { Session } from './session.js';
import { createRevisionIs, getKey, opPut, opRange, topByCreate } from './requests.js';
import { waitDeletes } from './wait-deletes.js';

function rangeKvs(resp: TxnResponse, i: number) {
  const r = resp.responses[i]?.response;
  return r?.$case === 'response_range' ? r.value.kvs : [];
}

export class Mutex {
  private readonly pfx: string;
  private myKey = '';
  private myRev = -1n;
  private hdr: ResponseHeader | undefined;

  constructor(
    private readonly session: Session,
    name: string,
  ) {
    this.pfx = name + '/';
  }

  /** The key this session holds or waits with: `<name>/<lease in hex>`. */
  get key(): string {
    return this.myKey;
  }

  /** The header of the response that granted the lock (its revision is ETCD_LOCK_REV). */
  get header(): ResponseHeader | undefined {
    return this.hdr;
  }

  /** Waits until this session owns the lock; on abort, leaves the queue and throws. */
  async lock(signal?: AbortSignal): Promise<void> {
    const client = this.session.client;
    this.myKey = `${this.pfx}${this.session.lease.toString(16)}`;
    // One round trip for the uncontended case: enqueue (or find our own key) and read the owner.
    const resp = await client.unary('kv', 'txn', {
      compare: [createRevisionIs(this.myKey, 0n)],
      success: [opPut(this.myKey, '', this.session.lease), opRange(topByCreate(this.pfx, 'first'))],
      failure: [opRange(getKey(this.myKey)), opRange(topByCreate(this.pfx, 'first'))],
    });
    this.myRev = resp.succeeded ? resp.header!.revision : rangeKvs(resp, 0)[0]!.create_revision;
    const owner = rangeKvs(resp, 1)[0];
    if (!owner || owner.create_revision === this.myRev) {
      this.hdr = resp.header;
      return;
    }
    try {
      this.hdr = await waitDeletes(client, this.pfx, this.myRev - 1n, signal);
    } catch (err) {
      await this.unlock().catch(() => undefined);
      throw err;
    }
  }

  /** Deletes this session's key, releasing the lock (or leaving the queue). */
  async unlock(): Promise<void> {
    await this.session.client.unary('kv', 'deleteRange', { key: Buffer.from(this.myKey), range_end: Buffer.alloc(0), prev_kv: false });
    this.myKey = '\x00';
    this.myRev = -1n;
  }
}
