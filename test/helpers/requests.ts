// Builders for raw gRPC requests, so sequences read like the etcd operations they make.
import {
  Compare,
  Compare_CompareResult,
  Compare_CompareTarget,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  TxnRequest,
  type RequestOp,
} from '../../src/proto/etcdserver/etcdserverpb/rpc.js';

/** A key or value as the Buffer the generated messages take. */
export function b(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** The range_end that makes [prefix, end) cover every key starting with prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all keys: etcd's "\0" range end
}

export function putOp(key: string, value: string, extra: Partial<PutRequest> = {}): RequestOp {
  return { request: { $case: 'request_put', value: PutRequest.fromPartial({ key: b(key), value: b(value), ...extra }) } };
}

export function rangeOp(key: string, extra: Partial<RangeRequest> = {}): RequestOp {
  return { request: { $case: 'request_range', value: RangeRequest.fromPartial({ key: b(key), ...extra }) } };
}

export function deleteOp(key: string, extra: Partial<DeleteRangeRequest> = {}): RequestOp {
  return { request: { $case: 'request_delete_range', value: DeleteRangeRequest.fromPartial({ key: b(key), ...extra }) } };
}

export function txnOp(txn: TxnRequest): RequestOp {
  return { request: { $case: 'request_txn', value: txn } };
}

export function txn(compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): TxnRequest {
  return { compare, success, failure };
}

type CompareOp = '=' | '!=' | '<' | '>';
const RESULTS: Record<CompareOp, Compare_CompareResult> = {
  '=': Compare_CompareResult.EQUAL,
  '!=': Compare_CompareResult.NOT_EQUAL,
  '<': Compare_CompareResult.LESS,
  '>': Compare_CompareResult.GREATER,
};

/** A compare on one key (or [key, rangeEnd)): `cmp('k', 'version', '>', 1n)`, `cmp('k', 'value', '=', 'v')`. */
export function cmp(
  key: string,
  target: 'version' | 'create_revision' | 'mod_revision' | 'lease' | 'value',
  op: CompareOp,
  value: bigint | string,
  rangeEnd?: Buffer,
): Compare {
  const targets = {
    version: Compare_CompareTarget.VERSION,
    create_revision: Compare_CompareTarget.CREATE,
    mod_revision: Compare_CompareTarget.MOD,
    lease: Compare_CompareTarget.LEASE,
    value: Compare_CompareTarget.VALUE,
  };
  const union: Compare['target_union'] =
    target === 'value'
      ? { $case: 'value', value: b(String(value)) }
      : ({ $case: target, value: BigInt(value) } as Compare['target_union']);
  return Compare.fromPartial({ key: b(key), target: targets[target], result: RESULTS[op], target_union: union, range_end: rangeEnd ?? Buffer.alloc(0) });
}
