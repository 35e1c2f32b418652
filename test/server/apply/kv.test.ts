import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Compare,
  Compare_CompareResult as R,
  Compare_CompareTarget as T,
  RangeRequest,
  RangeRequest_SortOrder as Order,
  RangeRequest_SortTarget as SortBy,
  PutRequest,
  DeleteRangeRequest,
  RequestOp,
  TxnRequest,
} from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import {
  applyCompaction,
  applyDeleteRange,
  applyPut,
  applyRange,
  applyTxn,
  type LeaseView,
} from '../../../src/server/apply/kv.js';
import { EtcdError } from '../../../src/server/apply/errors.js';
import { b, openEnv } from '../../mvcc/helpers.js';
import type { KVStore } from '../../../src/mvcc/index.js';

/** A lessor stand-in that records attachments (the real lessor is lease/'s). */
class Leases implements LeaseView {
  readonly live = new Set<bigint>([10n, 20n]);
  readonly attached = new Map<string, bigint>();
  exists(id: bigint) {
    return this.live.has(id);
  }
  attach(id: bigint, key: Buffer) {
    this.attached.set(key.toString(), id);
  }
  detach(id: bigint, key: Buffer) {
    assert.equal(this.attached.get(key.toString()), id, 'detach from the lease the key had');
    this.attached.delete(key.toString());
  }
}

let ci = 0;
function put(kv: KVStore, leases: Leases, req: Partial<PutRequest>) {
  return kv.write(++ci, (t) => applyPut(t, PutRequest.fromPartial(req), leases));
}
function range(kv: KVStore, req: Partial<RangeRequest>) {
  return applyRange(kv.read(), RangeRequest.fromPartial(req));
}
const keys = (r: { kvs: Array<{ key: Buffer }> }) => r.kvs.map((x) => x.key.toString());
const cmp = (key: string, target: T, result: R, union: Compare['target_union'], rangeEnd = '') =>
  Compare.fromPartial({ key: b(key), target, result, target_union: union, range_end: b(rangeEnd) });
const putOp = (k: string, v: string) => RequestOp.fromPartial({ request: { $case: 'request_put', value: { key: b(k), value: b(v) } } });
const getOp = (k: string, end = '') => RequestOp.fromPartial({ request: { $case: 'request_range', value: { key: b(k), range_end: b(end) } } });

function rejects(fn: () => unknown, message: string) {
  assert.throws(fn, (err) => err instanceof EtcdError && err.message === message);
}

test('range: sort by every target and order, limit with more, filters, keys_only, count_only', async () => {
  const env = openEnv();
  const leases = new Leases();
  try {
    const { kv } = env;
    put(kv, leases, { key: b('c'), value: b('1') }); // 2
    put(kv, leases, { key: b('a'), value: b('3') }); // 3
    put(kv, leases, { key: b('b'), value: b('2') }); // 4
    put(kv, leases, { key: b('a'), value: b('0') }); // 5: a ver 2
    const all = { key: b('a'), range_end: b('\0') };
    assert.deepEqual(keys(range(kv, all)), ['a', 'b', 'c']);
    assert.deepEqual(keys(range(kv, { ...all, sort_order: Order.DESCEND })), ['c', 'b', 'a']);
    assert.deepEqual(keys(range(kv, { ...all, sort_target: SortBy.VALUE })), ['a', 'c', 'b'], 'non-key target defaults to ascend');
    assert.deepEqual(keys(range(kv, { ...all, sort_target: SortBy.CREATE, sort_order: Order.DESCEND })), ['b', 'a', 'c']);
    assert.deepEqual(keys(range(kv, { ...all, sort_target: SortBy.MOD, sort_order: Order.ASCEND })), ['c', 'b', 'a']);
    assert.deepEqual(keys(range(kv, { ...all, sort_target: SortBy.VERSION, sort_order: Order.DESCEND })).slice(0, 1), ['a']);
    const limited = range(kv, { ...all, limit: 2n });
    assert.deepEqual([keys(limited), limited.more, limited.count], [['a', 'b'], true, 3n]);
    const exact = range(kv, { ...all, limit: 3n });
    assert.equal(exact.more, false);
    const sortedLimited = range(kv, { ...all, limit: 1n, sort_order: Order.DESCEND });
    assert.deepEqual([keys(sortedLimited), sortedLimited.more], [['c'], true]);
    assert.deepEqual(keys(range(kv, { ...all, min_mod_revision: 4n })), ['a', 'b']);
    assert.deepEqual(keys(range(kv, { ...all, max_mod_revision: 4n })), ['b', 'c']);
    assert.deepEqual(keys(range(kv, { ...all, min_create_revision: 3n, max_create_revision: 3n })), ['a']);
    const ko = range(kv, { ...all, keys_only: true });
    assert.deepEqual(ko.kvs.map((x) => x.value.length), [0, 0, 0]);
    assert.equal(ko.kvs[0]!.version, 2n);
    const co = range(kv, { ...all, count_only: true });
    assert.deepEqual([co.kvs.length, co.count], [0, 3n]);
    assert.deepEqual(keys(range(kv, { ...all, revision: 3n })), ['a', 'c']);
    rejects(() => range(kv, { ...all, revision: 99n }), 'etcdserver: mvcc: required revision is a future revision');
    await applyCompaction(kv, { revision: 4n, physical: false }).done;
    rejects(() => range(kv, { ...all, revision: 3n }), 'etcdserver: mvcc: required revision has been compacted');
    rejects(() => applyCompaction(kv, { revision: 4n, physical: false }), 'etcdserver: mvcc: required revision has been compacted');
    rejects(() => applyCompaction(kv, { revision: 50n, physical: false }), 'etcdserver: mvcc: required revision is a future revision');
  } finally {
    await env.cleanup();
  }
});

test('put: prev_kv, ignore_value, ignore_lease, lease checks and attach/detach', async () => {
  const env = openEnv();
  const leases = new Leases();
  try {
    const { kv } = env;
    rejects(() => put(kv, leases, { key: b('k'), value: b('v'), lease: 99n }), 'etcdserver: requested lease not found');
    rejects(() => put(kv, leases, { key: b('k'), ignore_value: true }), 'etcdserver: key not found');
    assert.equal(kv.rev(), 1, 'failed puts change nothing');
    assert.equal(put(kv, leases, { key: b('k'), value: b('v1'), lease: 10n, prev_kv: true }).prev_kv, undefined);
    assert.equal(leases.attached.get('k'), 10n);
    const r = put(kv, leases, { key: b('k'), ignore_value: true, lease: 20n, prev_kv: true });
    assert.equal(r.prev_kv!.value.toString(), 'v1');
    assert.equal(leases.attached.get('k'), 20n);
    const cur = range(kv, { key: b('k') }).kvs[0]!;
    assert.deepEqual([cur.value.toString(), cur.lease, cur.version], ['v1', 20n, 2n]);
    put(kv, leases, { key: b('k'), value: b('v3'), ignore_lease: true });
    assert.equal(range(kv, { key: b('k') }).kvs[0]!.lease, 20n);
    put(kv, leases, { key: b('k'), value: b('v4') });
    assert.equal(leases.attached.has('k'), false, 'a put without lease detaches');
    put(kv, leases, { key: b('j'), value: b('1'), lease: 10n });
    const d = kv.write(++ci, (t) =>
      applyDeleteRange(t, DeleteRangeRequest.fromPartial({ key: b('a'), range_end: b('z'), prev_kv: true }), leases),
    );
    assert.deepEqual([d.deleted, d.prev_kvs.map((x) => x.key.toString())], [2n, ['j', 'k']]);
    assert.equal(leases.attached.size, 0);
    const d2 = kv.write(++ci, (t) => applyDeleteRange(t, DeleteRangeRequest.fromPartial({ key: b('a'), range_end: b('z') }), leases));
    assert.deepEqual([d2.deleted, d2.prev_kvs], [0n, []]);
  } finally {
    await env.cleanup();
  }
});

test('txn compares: every target and result, missing keys, ranges, and nested txns', async () => {
  const env = openEnv();
  const leases = new Leases();
  try {
    const { kv } = env;
    put(kv, leases, { key: b('a'), value: b('x') }); // 2
    put(kv, leases, { key: b('a'), value: b('y'), lease: 10n }); // 3: a ver 2, create 2, mod 3
    put(kv, leases, { key: b('b'), value: b('y') }); // 4
    const run = (compare: Compare[]) =>
      applyTxn(kv, ++ci, TxnRequest.fromPartial({ compare, success: [getOp('a')] }), leases).resp.succeeded;
    const table: Array<[Compare, boolean]> = [
      [cmp('a', T.VERSION, R.EQUAL, { $case: 'version', value: 2n }), true],
      [cmp('a', T.VERSION, R.GREATER, { $case: 'version', value: 1n }), true],
      [cmp('a', T.VERSION, R.LESS, { $case: 'version', value: 2n }), false],
      [cmp('a', T.CREATE, R.EQUAL, { $case: 'create_revision', value: 2n }), true],
      [cmp('a', T.MOD, R.EQUAL, { $case: 'mod_revision', value: 3n }), true],
      [cmp('a', T.MOD, R.NOT_EQUAL, { $case: 'mod_revision', value: 3n }), false],
      [cmp('a', T.VALUE, R.EQUAL, { $case: 'value', value: b('y') }), true],
      [cmp('a', T.VALUE, R.GREATER, { $case: 'value', value: b('x') }), true],
      [cmp('a', T.LEASE, R.EQUAL, { $case: 'lease', value: 10n }), true],
      [cmp('b', T.LEASE, R.EQUAL, { $case: 'lease', value: 0n }), true],
      // a missing key compares as zeros, except VALUE which always fails
      [cmp('zz', T.VERSION, R.EQUAL, { $case: 'version', value: 0n }), true],
      [cmp('zz', T.CREATE, R.EQUAL, { $case: 'create_revision', value: 0n }), true],
      [cmp('zz', T.VALUE, R.EQUAL, { $case: 'value', value: Buffer.alloc(0) }), false],
      [cmp('zz', T.VALUE, R.NOT_EQUAL, { $case: 'value', value: b('q') }), false],
      // a missing target union compares against zero
      [cmp('a', T.VERSION, R.GREATER, undefined), true],
      // range compares: every key must match
      [cmp('a', T.VALUE, R.EQUAL, { $case: 'value', value: b('y') }, 'c'), true],
      [cmp('a', T.MOD, R.GREATER, { $case: 'mod_revision', value: 3n }, 'c'), false],
      [cmp('a', T.MOD, R.GREATER, { $case: 'mod_revision', value: 1n }, '\0'), true],
    ];
    for (const [c, want] of table) assert.equal(run([c]), want, JSON.stringify({ t: c.target, r: c.result, k: c.key.toString(), u: c.target_union?.value?.toString() }));
    assert.equal(run([table[0]![0], table[2]![0]]), false, 'all compares must hold');
    assert.equal(kv.rev(), 4, 'read-only txns do not bump the revision');

    const nested = TxnRequest.fromPartial({
      compare: [cmp('a', T.VALUE, R.EQUAL, { $case: 'value', value: b('nope') })],
      success: [putOp('never', '1')],
      failure: [
        putOp('c', '1'),
        RequestOp.fromPartial({
          request: {
            $case: 'request_txn',
            value: {
              compare: [cmp('c', T.VERSION, R.EQUAL, { $case: 'version', value: 0n })],
              success: [putOp('d', '1'), getOp('c', 'e')],
              failure: [putOp('never2', '1')],
            },
          },
        }),
        getOp('a', '\0'),
      ],
    });
    const { resp, rev } = applyTxn(kv, ++ci, nested, leases);
    assert.equal(rev, 5);
    assert.equal(resp.succeeded, false);
    assert.equal(resp.responses[0]!.response!.$case, 'response_put');
    const inner = resp.responses[1]!.response!;
    assert.equal(inner.$case, 'response_txn');
    if (inner.$case !== 'response_txn') return;
    assert.equal(inner.value.succeeded, true, 'nested compares see the state before the txn (all are evaluated first)');
    assert.equal(inner.value.header!.revision, 0n, 'nested txn header stays empty as in etcd');
    const innerRange = inner.value.responses[1]!.response!;
    assert.ok(innerRange.$case === 'response_range');
    assert.deepEqual(keys(innerRange.value), ['c', 'd']);
    assert.equal(innerRange.value.header!.revision, 5n);
    const last = resp.responses[2]!.response!;
    assert.ok(last.$case === 'response_range');
    assert.deepEqual(keys(last.value), ['a', 'b', 'c', 'd']);
    assert.deepEqual(keys(range(kv, { key: b('n'), range_end: b('o') })), []);
    // all changes took one revision, with increasing sub revisions
    assert.equal(kv.rev(), 5);
    assert.deepEqual(range(kv, { key: b('c'), range_end: b('e') }).kvs.map((x) => x.mod_revision), [5n, 5n]);
  } finally {
    await env.cleanup();
  }
});

test('txn request checks run before any change: lease, ignore_value on missing key, range revisions', async () => {
  const env = openEnv();
  const leases = new Leases();
  try {
    const { kv } = env;
    put(kv, leases, { key: b('a'), value: b('1') }); // 2
    const badLease = TxnRequest.fromPartial({
      success: [putOp('x', '1'), RequestOp.fromPartial({ request: { $case: 'request_put', value: { key: b('y'), lease: 77n } } })],
    });
    rejects(() => applyTxn(kv, ++ci, badLease, leases), 'etcdserver: requested lease not found');
    const missing = TxnRequest.fromPartial({
      success: [putOp('x', '1'), RequestOp.fromPartial({ request: { $case: 'request_put', value: { key: b('nokey'), ignore_value: true } } })],
    });
    rejects(() => applyTxn(kv, ++ci, missing, leases), 'etcdserver: key not found');
    const future = TxnRequest.fromPartial({
      success: [putOp('x', '1'), RequestOp.fromPartial({ request: { $case: 'request_range', value: { key: b('a'), revision: 9n } } })],
    });
    rejects(() => applyTxn(kv, ++ci, future, leases), 'etcdserver: mvcc: required revision is a future revision');
    assert.equal(kv.rev(), 2);
    assert.equal(range(kv, { key: b('x') }).count, 0n);
    // only the branch that runs is checked
    const otherBranch = TxnRequest.fromPartial({ success: [putOp('x', '1')], failure: badLease.success });
    assert.equal(applyTxn(kv, ++ci, otherBranch, leases).resp.succeeded, true);
  } finally {
    await env.cleanup();
  }
});
