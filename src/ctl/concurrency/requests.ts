// The request shapes clientv3's concurrency helpers build (Compare, OpPut, OpGet with
// WithFirstCreate/WithLastCreate), as plain protobuf objects.
import { Compare_CompareResult, Compare_CompareTarget, RangeRequest, RangeRequest_SortOrder, RangeRequest_SortTarget, type Compare, type RequestOp } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { prefixRangeEnd } from '../keys.js';

/** Compare(CreateRevision(key), "=", rev). */
export function createRevisionIs(key: string, rev: bigint): Compare {
  return { result: Compare_CompareResult.EQUAL, target: Compare_CompareTarget.CREATE, key: Buffer.from(key), target_union: { $case: 'create_revision', value: rev }, range_end: Buffer.alloc(0) };
}

export function opPut(key: string, value: string, lease: bigint): RequestOp {
  return { request: { $case: 'request_put', value: { key: Buffer.from(key), value: Buffer.from(value), lease, prev_kv: false, ignore_value: false, ignore_lease: false } } };
}

export function opDelete(key: string): RequestOp {
  return { request: { $case: 'request_delete_range', value: { key: Buffer.from(key), range_end: Buffer.alloc(0), prev_kv: false } } };
}

export function opRange(req: RangeRequest): RequestOp {
  return { request: { $case: 'request_range', value: req } };
}

/** OpGet(key). */
export function getKey(key: string): RangeRequest {
  return RangeRequest.fromPartial({ key: Buffer.from(key) });
}

/**
 * The key under `pfx` created first (WithFirstCreate) or last (WithLastCreate), optionally only
 * among keys created at or before `maxCreateRev` (WithMaxCreateRev).
 */
export function topByCreate(pfx: string, order: 'first' | 'last', maxCreateRev = 0n): RangeRequest {
  const key = Buffer.from(pfx);
  return RangeRequest.fromPartial({
    key,
    range_end: prefixRangeEnd(key),
    limit: 1n,
    sort_target: RangeRequest_SortTarget.CREATE,
    sort_order: order === 'first' ? RangeRequest_SortOrder.ASCEND : RangeRequest_SortOrder.DESCEND,
    max_create_revision: maxCreateRev,
  });
}
