// Request checks done before a request is proposed (etcdserver/api/v3rpc/key.go): they depend
// only on the request, so a bad request is refused without going through raft. The txn op limit
// is the member's --max-txn-ops (etcd's default 128).
import type {
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { EtcdError } from './errors.js';

export const DEFAULT_MAX_TXN_OPS = 128;

export function checkRangeRequest(r: RangeRequest): void {
  if (r.key.length === 0) throw new EtcdError('EmptyKey');
}

export function checkPutRequest(r: PutRequest): void {
  if (r.key.length === 0) throw new EtcdError('EmptyKey');
  if (r.ignore_value && r.value.length !== 0) throw new EtcdError('ValueProvided');
  if (r.ignore_lease && r.lease !== 0n) throw new EtcdError('LeaseProvided');
}

export function checkDeleteRequest(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw new EtcdError('EmptyKey');
}

/** etcd's checkTxnRequest: op counts per level against what the levels above left over. */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length);
  if (opc > maxTxnOps) throw new EtcdError('TooManyOps');
  for (const c of r.compare) if (c.key.length === 0) throw new EtcdError('EmptyKey');
  for (const op of [...r.success, ...r.failure]) checkRequestOp(op, maxTxnOps - opc);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  const req = op.request;
  switch (req?.$case) {
    case 'request_range':
      return checkRangeRequest(req.value);
    case 'request_put':
      return checkPutRequest(req.value);
    case 'request_delete_range':
      return checkDeleteRequest(req.value);
    case 'request_txn':
      return checkTxnRequest(req.value, maxTxnOps);
    default:
      // an empty op
      throw new EtcdError('KeyNotFound');
  }
}

/**
 * A half-open key interval; `end` undefined is the single key. etcd treats an empty end as +inf,
 * but a delete's `\0` end is NOT special here: etcd 3.4 builds [key, "\0") for it, which contains
 * no key, so a put under a from-key delete is not reported. Kept for compatibility.
 */
interface Interval {
  begin: string;
  end: string | undefined;
}

function intersects(iv: Interval, key: string): boolean {
  if (iv.end === undefined) return iv.begin === key;
  return iv.begin <= key && (iv.end === '' || key < iv.end);
}

/** Keys as latin1 strings compare byte-wise, like Go strings. */
const str = (b: Buffer) => b.toString('latin1');

/**
 * etcd's checkIntervals: within one branch list, no key may be put twice, and no put may fall
 * in a range deleted at the same or an enclosing level; puts in a nested txn's then and else
 * may repeat a key since only one of them runs.
 */
export function checkIntervals(reqs: RequestOp[]): { puts: Set<string>; dels: Interval[] } {
  let dels: Interval[] = [];
  for (const op of reqs) {
    if (op.request?.$case !== 'request_delete_range') continue;
    const d = op.request.value;
    dels.push({ begin: str(d.key), end: d.range_end.length !== 0 ? str(d.range_end) : undefined });
  }
  const hitsDel = (k: string) => dels.some((iv) => intersects(iv, k));
  const puts = new Set<string>();
  for (const op of reqs) {
    if (op.request?.$case !== 'request_txn') continue;
    const then = checkIntervals(op.request.value.success);
    const otherwise = checkIntervals(op.request.value.failure);
    for (const k of then.puts) {
      if (puts.has(k) || hitsDel(k)) throw new EtcdError('DuplicateKey');
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if (puts.has(k) && !then.puts.has(k)) throw new EtcdError('DuplicateKey');
      if (hitsDel(k)) throw new EtcdError('DuplicateKey');
      puts.add(k);
    }
    dels = dels.concat(then.dels, otherwise.dels);
  }
  for (const op of reqs) {
    if (op.request?.$case !== 'request_put') continue;
    const k = str(op.request.value.key);
    if (puts.has(k) || hitsDel(k)) throw new EtcdError('DuplicateKey');
    puts.add(k);
  }
  return { puts, dels };
}

/** All checks etcd's KV server makes on a txn before proposing it. */
export function validateTxn(r: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): void {
  checkTxnRequest(r, maxTxnOps);
  checkIntervals(r.success);
  checkIntervals(r.failure);
}
