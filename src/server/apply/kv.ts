// The v3 KV applier (etcdserver/apply.go, applierV3backend): Range, Put, DeleteRange, Txn and
// Compaction as pure functions over the MVCC store and an injected lease view. Top-level
// responses come back without a header (the server fills cluster, member, revision and term);
// range/put/delete responses nested in a txn carry a header with only the revision, and nested
// txn responses an all-zero header, as etcd's do.
import type {
  CompactionRequest,
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { KeyValue } from '../../proto/mvcc/mvccpb/kv.js';
import type { KVStore, TxnRead, TxnWrite } from '../../mvcc/index.js';
import { EtcdError, toEtcdError } from './errors.js';

/** The lessor as the applier sees it (the lessor itself lives in lease/). */
export interface LeaseView {
  exists(id: bigint): boolean;
  attach(id: bigint, key: Buffer): void;
  detach(id: bigint, key: Buffer): void;
}

const NO_LEASE = 0n;

function nestedHeader(revision: number): ResponseHeader {
  return { cluster_id: 0n, member_id: 0n, revision: BigInt(revision), raft_term: 0n };
}

function emptyKv(): KeyValue {
  return { key: Buffer.alloc(0), create_revision: 0n, mod_revision: 0n, version: 0n, value: Buffer.alloc(0), lease: 0n };
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SORTERS: Record<number, (a: KeyValue, b: KeyValue) => number> = {
  [RangeRequest_SortTarget.KEY]: (a, b) => Buffer.compare(a.key, b.key),
  [RangeRequest_SortTarget.VERSION]: (a, b) => compareBigint(a.version, b.version),
  [RangeRequest_SortTarget.CREATE]: (a, b) => compareBigint(a.create_revision, b.create_revision),
  [RangeRequest_SortTarget.MOD]: (a, b) => compareBigint(a.mod_revision, b.mod_revision),
  [RangeRequest_SortTarget.VALUE]: (a, b) => Buffer.compare(a.value, b.value),
};

/** Range with etcd's sort, limit/more, min/max revision filters, keys_only and count_only. */
export function applyRange(txn: TxnRead, r: RangeRequest): RangeResponse {
  return rangeWithRev(txn, r).resp;
}

function rangeWithRev(txn: TxnRead, r: RangeRequest): { resp: RangeResponse; rev: number } {
  const filtered =
    r.sort_order !== RangeRequest_SortOrder.NONE ||
    r.min_mod_revision !== 0n ||
    r.max_mod_revision !== 0n ||
    r.min_create_revision !== 0n ||
    r.max_create_revision !== 0n;
  // one more than asked tells whether there is more; filters and sorting need everything
  const limit = filtered || r.limit <= 0n ? 0 : Number(r.limit) + 1;
  let rr;
  try {
    rr = txn.range(r.key, r.range_end, { limit, rev: Number(r.revision), countOnly: r.count_only });
  } catch (err) {
    toEtcdError(err);
  }
  let kvs = rr.kvs;
  if (r.max_mod_revision !== 0n) kvs = kvs.filter((kv) => kv.mod_revision <= r.max_mod_revision);
  if (r.min_mod_revision !== 0n) kvs = kvs.filter((kv) => kv.mod_revision >= r.min_mod_revision);
  if (r.max_create_revision !== 0n) kvs = kvs.filter((kv) => kv.create_revision <= r.max_create_revision);
  if (r.min_create_revision !== 0n) kvs = kvs.filter((kv) => kv.create_revision >= r.min_create_revision);

  let order = r.sort_order;
  if (r.sort_target !== RangeRequest_SortTarget.KEY && order === RangeRequest_SortOrder.NONE) {
    order = RangeRequest_SortOrder.ASCEND;
  }
  const sorter = SORTERS[r.sort_target];
  if (sorter && order === RangeRequest_SortOrder.ASCEND) kvs.sort(sorter);
  else if (sorter && order === RangeRequest_SortOrder.DESCEND) kvs.sort((a, b) => sorter(b, a));

  let more = false;
  if (r.limit > 0n && kvs.length > Number(r.limit)) {
    kvs = kvs.slice(0, Number(r.limit));
    more = true;
  }
  if (r.keys_only) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
  return { resp: { header: undefined, kvs, more, count: BigInt(rr.count) }, rev: rr.rev };
}

/**
 * Put with prev_kv, ignore_value and ignore_lease. Everything that can fail is checked before
 * the write, so a failed put changes nothing.
 */
export function applyPut(txn: TxnWrite, p: PutRequest, leases: LeaseView): PutResponse {
  return putWithRev(txn, p, leases).resp;
}

function putWithRev(txn: TxnWrite, p: PutRequest, leases: LeaseView): { resp: PutResponse; rev: number } {
  let value = p.value;
  let lease = p.lease;
  if (lease !== NO_LEASE && !leases.exists(lease)) throw new EtcdError('LeaseNotFound');
  let prev: KeyValue | undefined;
  if (p.ignore_value || p.ignore_lease || p.prev_kv) {
    prev = txn.range(p.key, undefined).kvs[0];
    if ((p.ignore_value || p.ignore_lease) && !prev) throw new EtcdError('KeyNotFound');
  }
  if (p.ignore_value) value = prev!.value;
  if (p.ignore_lease) lease = prev!.lease;
  const res = txn.put(p.key, value, lease);
  if (res.prev && res.prev.lease !== NO_LEASE) leases.detach(res.prev.lease, p.key);
  if (lease !== NO_LEASE) leases.attach(lease, p.key);
  return { resp: { header: undefined, prev_kv: p.prev_kv ? prev : undefined }, rev: res.rev };
}

export function applyDeleteRange(txn: TxnWrite, dr: DeleteRangeRequest, leases: LeaseView): DeleteRangeResponse {
  return deleteWithRev(txn, dr, leases).resp;
}

function deleteWithRev(txn: TxnWrite, dr: DeleteRangeRequest, leases: LeaseView) {
  const res = txn.deleteRange(dr.key, dr.range_end);
  for (const prev of res.prevKvs) if (prev.lease !== NO_LEASE) leases.detach(prev.lease, prev.key);
  const resp: DeleteRangeResponse = {
    header: undefined,
    deleted: BigInt(res.deleted),
    prev_kvs: dr.prev_kv ? res.prevKvs : [],
  };
  return { resp, rev: res.rev };
}

/** etcd's compareKV: how one key-value compares to the target. */
function compareKV(c: Compare, kv: KeyValue): boolean {
  let result: number;
  const u = c.target_union;
  switch (c.target) {
    case Compare_CompareTarget.VALUE:
      result = Buffer.compare(kv.value, u?.$case === 'value' ? u.value : Buffer.alloc(0));
      break;
    case Compare_CompareTarget.CREATE:
      result = compareBigint(kv.create_revision, u?.$case === 'create_revision' ? u.value : 0n);
      break;
    case Compare_CompareTarget.MOD:
      result = compareBigint(kv.mod_revision, u?.$case === 'mod_revision' ? u.value : 0n);
      break;
    case Compare_CompareTarget.VERSION:
      result = compareBigint(kv.version, u?.$case === 'version' ? u.value : 0n);
      break;
    case Compare_CompareTarget.LEASE:
      result = compareBigint(kv.lease, u?.$case === 'lease' ? u.value : 0n);
      break;
    default:
      result = 0;
  }
  switch (c.result) {
    case Compare_CompareResult.EQUAL:
      return result === 0;
    case Compare_CompareResult.NOT_EQUAL:
      return result !== 0;
    case Compare_CompareResult.GREATER:
      return result > 0;
    case Compare_CompareResult.LESS:
      return result < 0;
    default:
      return true;
  }
}

/**
 * etcd's applyCompare: every key in the compare's range must satisfy it. A missing key compares
 * as a zero KeyValue, except that a VALUE compare on a missing key always fails.
 */
function applyCompare(rv: TxnRead, c: Compare): boolean {
  let kvs: KeyValue[];
  try {
    kvs = rv.range(c.key, c.range_end).kvs;
  } catch {
    return false;
  }
  if (kvs.length === 0) return c.target !== Compare_CompareTarget.VALUE && compareKV(c, emptyKv());
  return kvs.every((kv) => compareKV(c, kv));
}

/** The outcome of every compare of the txn and its nested txns, depth first (etcd's txnPath). */
function compareToPath(rv: TxnRead, rt: TxnRequest): boolean[] {
  const ok = rt.compare.every((c) => applyCompare(rv, c));
  const path = [ok];
  for (const op of ok ? rt.success : rt.failure) {
    if (op.request?.$case === 'request_txn') path.push(...compareToPath(rv, op.request.value));
  }
  return path;
}

export function isTxnReadonly(rt: TxnRequest): boolean {
  for (const op of [...rt.success, ...rt.failure]) {
    const r = op.request;
    if (r?.$case === 'request_put' || r?.$case === 'request_delete_range') return false;
    if (r?.$case === 'request_txn' && !isTxnReadonly(r.value)) return false;
  }
  return true;
}

/** Visits the ops that will run, with the number of path entries each nested txn consumed. */
function checkRequests(rv: TxnRead, rt: TxnRequest, path: boolean[], check: (op: RequestOp) => void): number {
  let txns = 0;
  let rest = path;
  for (const op of rest[0] ? rt.success : rt.failure) {
    if (op.request?.$case === 'request_txn') {
      const n = checkRequests(rv, op.request.value, rest.slice(1), check);
      txns += n + 1;
      rest = rest.slice(n + 1);
      continue;
    }
    check(op);
  }
  return txns;
}

function checkPutOp(rv: TxnRead, op: RequestOp, leases: LeaseView): void {
  if (op.request?.$case !== 'request_put') return;
  const p = op.request.value;
  if ((p.ignore_value || p.ignore_lease) && rv.range(p.key, undefined).kvs.length === 0) {
    throw new EtcdError('KeyNotFound');
  }
  if (p.lease !== NO_LEASE && !leases.exists(p.lease)) throw new EtcdError('LeaseNotFound');
}

function checkRangeOp(rv: TxnRead, op: RequestOp): void {
  if (op.request?.$case !== 'request_range') return;
  const rev = Number(op.request.value.revision);
  if (rev === 0) return;
  if (rev > rv.rev()) throw new EtcdError('FutureRev');
  if (rev < rv.firstRev()) throw new EtcdError('Compacted');
}

/**
 * Txn: evaluates every compare first, checks the ops that will run (so nothing fails midway),
 * then runs them in one write transaction. Returns the response and the txn's revision (the
 * new one if anything changed), which the server puts in the header.
 */
export function applyTxn(kv: KVStore, consistentIndex: number, rt: TxnRequest, leases: LeaseView): { resp: TxnResponse; rev: number } {
  const rv = kv.read();
  const path = compareToPath(rv, rt);
  const write = !isTxnReadonly(rt);
  if (write) checkRequests(rv, rt, path, (op) => checkPutOp(rv, op, leases));
  checkRequests(rv, rt, path, (op) => checkRangeOp(rv, op));
  if (!write) {
    const resp = runTxn(rv, rt, path, leases).resp;
    return { resp, rev: rv.rev() };
  }
  return kv.write(consistentIndex, (txn) => {
    const { resp } = runTxn(txn, rt, path, leases);
    return { resp, rev: txn.changes().length > 0 ? txn.rev() + 1 : txn.rev() };
  });
}

/** Runs the chosen branch; returns the response and how many path entries nested txns used. */
function runTxn(txn: TxnRead, rt: TxnRequest, path: boolean[], leases: LeaseView): { resp: TxnResponse; used: number } {
  const succeeded = path[0]!;
  let rest = path.slice(1);
  let used = 0;
  const responses: ResponseOp[] = [];
  for (const op of succeeded ? rt.success : rt.failure) {
    const r = op.request;
    switch (r?.$case) {
      case 'request_range': {
        const { resp, rev } = rangeWithRev(txn, r.value);
        responses.push({ response: { $case: 'response_range', value: { ...resp, header: nestedHeader(rev) } } });
        break;
      }
      case 'request_put': {
        const { resp, rev } = putWithRev(txn as TxnWrite, r.value, leases);
        responses.push({ response: { $case: 'response_put', value: { ...resp, header: nestedHeader(rev) } } });
        break;
      }
      case 'request_delete_range': {
        const { resp, rev } = deleteWithRev(txn as TxnWrite, r.value, leases);
        responses.push({ response: { $case: 'response_delete_range', value: { ...resp, header: nestedHeader(rev) } } });
        break;
      }
      case 'request_txn': {
        // etcd leaves a nested txn's header empty (revision 0)
        const nested = runTxn(txn, r.value, rest, leases);
        responses.push({ response: { $case: 'response_txn', value: { ...nested.resp, header: nestedHeader(0) } } });
        rest = rest.slice(nested.used + 1);
        used += nested.used + 1;
        break;
      }
      default:
        responses.push({ response: undefined });
    }
  }
  return { resp: { header: undefined, succeeded, responses }, used };
}

/**
 * Compaction. Returns the revision for the header (the current one) and a promise for the
 * physical compaction, which the server awaits when the request asked for `physical`.
 */
export function applyCompaction(kv: KVStore, req: CompactionRequest): { rev: number; done: Promise<void> } {
  let done: Promise<void>;
  try {
    done = kv.compact(Number(req.revision));
  } catch (err) {
    toEtcdError(err);
  }
  return { rev: kv.rev(), done };
}
