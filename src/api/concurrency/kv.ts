// The few client operations etcd's concurrency recipes (clientv3/concurrency) need, done
// directly on the member: v3election and v3lock run server-side in etcd too, over an
// in-process client.
import { status } from '@grpc/grpc-js';
import {
  Compare,
  Compare_CompareResult,
  Compare_CompareTarget,
  RangeRequest,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  RequestOp,
  type RangeResponse,
  type TxnResponse,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import type { MemberServer } from '../../server/types.js';
import { RpcStatusError } from '../errors.js';
import { RPC_ERRORS } from '../rpc-errors.js';

/** clientv3/concurrency's default session TTL, used when a request names no lease. */
export const DEFAULT_SESSION_TTL_SECONDS = 60n;

/** What grpc-go answers when the caller's context is canceled. */
export const canceledError = () => new RpcStatusError(status.CANCELLED, 'context canceled');

/** clientv3.GetPrefixRangeEnd: the smallest key after every key with this prefix. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** `<prefix><lease as lowercase hex>`: the key a session owns under an election or lock prefix. */
export function sessionKey(prefix: Buffer, lease: bigint): Buffer {
  return Buffer.concat([prefix, Buffer.from(lease.toString(16))]);
}

/** concurrency.NewSession: the given lease, or a new one with the default TTL. */
export async function sessionLease(server: MemberServer, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  return (await server.leaseGrant({ TTL: DEFAULT_SESSION_TTL_SECONDS, ID: 0n })).ID;
}

export const createRevisionIs = (key: Buffer, rev: bigint): Compare =>
  Compare.fromPartial({
    key,
    result: Compare_CompareResult.EQUAL,
    target: Compare_CompareTarget.CREATE,
    target_union: { $case: 'create_revision', value: rev },
  });

export const opGet = (key: Buffer): RequestOp => ({ request: { $case: 'request_range', value: RangeRequest.fromPartial({ key }) } });
export const opPut = (key: Buffer, value: Buffer, lease: bigint): RequestOp =>
  RequestOp.fromPartial({ request: { $case: 'request_put', value: { key, value, lease } } });
export const opDelete = (key: Buffer): RequestOp => RequestOp.fromPartial({ request: { $case: 'request_delete_range', value: { key } } });

/** withTop(SortByCreateRevision, order): the first or last created key under a prefix. */
export function byCreate(prefix: Buffer, order: 'first' | 'last', maxCreateRevision = 0n): RangeRequest {
  return RangeRequest.fromPartial({
    key: prefix,
    range_end: prefixEnd(prefix),
    limit: 1n,
    sort_target: RangeRequest_SortTarget.CREATE,
    sort_order: order === 'first' ? RangeRequest_SortOrder.ASCEND : RangeRequest_SortOrder.DESCEND,
    max_create_revision: maxCreateRevision,
  });
}

export function rangeOf(resp: TxnResponse, i: number): RangeResponse {
  const r = resp.responses[i]?.response;
  if (r?.$case !== 'response_range') throw new Error('txn response is not a range');
  return r.value;
}

/** Resolves when `key` is deleted at a revision >= rev (concurrency's waitDelete). */
export function waitDelete(server: MemberServer, key: Buffer, rev: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(canceledError());
    let done = false;
    let handle: { cancel(): void } | undefined;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      handle?.cancel();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(canceledError());
    signal.addEventListener('abort', onAbort, { once: true });
    handle = server.watch(
      { key, rangeEnd: Buffer.alloc(0), startRevision: rev, prevKv: false, noPut: true, noDelete: false },
      {
        events: (events) => {
          if (events.some((e) => e.type === Event_EventType.DELETE)) finish();
        },
        compacted: () => finish(new Error(RPC_ERRORS.Compacted.message)),
      },
    );
    // The member may deliver (catch-up) events before watch() returns.
    if (done) handle.cancel();
  });
}

/** Waits until no key under the prefix was created at or before maxCreateRev (waitDeletes). */
export async function waitDeletes(server: MemberServer, prefix: Buffer, maxCreateRev: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    const resp = await server.range(byCreate(prefix, 'last', BigInt(maxCreateRev)));
    const last = resp.kvs[0];
    if (last === undefined) return;
    await waitDelete(server, last.key, Number(resp.header?.revision ?? 0n), signal);
  }
}
