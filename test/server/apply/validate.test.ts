import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestOp, TxnRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { EtcdError } from '../../../src/server/apply/errors.js';
import { checkPutRequest, validateTxn } from '../../../src/server/apply/validate.js';

const b = (s: string) => Buffer.from(s);
const put = (k: string) => RequestOp.fromPartial({ request: { $case: 'request_put', value: { key: b(k) } } });
const del = (k: string, end = '') =>
  RequestOp.fromPartial({ request: { $case: 'request_delete_range', value: { key: b(k), range_end: b(end) } } });
const get = (k: string) => RequestOp.fromPartial({ request: { $case: 'request_range', value: { key: b(k) } } });
const txn = (success: RequestOp[], failure: RequestOp[] = []) =>
  RequestOp.fromPartial({ request: { $case: 'request_txn', value: { success, failure } } });

function errorOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof EtcdError);
    return err.message;
  }
}

const DUP = 'etcdserver: duplicate key given in txn request';

test('duplicate key rules of checkIntervals (cases from etcd v3_grpc_test TestV3TxnDuplicateKeys)', () => {
  const cases: Array<[string, RequestOp[], string | undefined]> = [
    ['two puts same key', [put('abc'), put('abc')], DUP],
    ['put then delete same key', [put('abc'), del('abc')], DUP],
    ['put inside deleted range', [put('abc'), del('a', 'b')], DUP],
    ['put outside deleted range', [put('abc'), del('abd', 'abe')], undefined],
    ['delete twice is fine', [del('abc'), del('abc')], undefined],
    ['nested put vs outer put', [put('abc'), txn([put('abc')])], DUP],
    ['nested put vs outer delete', [del('abc'), txn([put('abc')])], DUP],
    ['nested then/else may repeat', [txn([put('abc')], [put('abc')])], undefined],
    ['two nested txns putting same key', [txn([put('abc')]), txn([put('abc')])], DUP],
    ['nested delete vs outer put', [put('abc'), txn([del('abc')])], DUP],
    ['nested delete vs later nested put', [txn([del('a', 'b')]), txn([put('abc')])], DUP],
    ['put under a from-key delete is not detected (etcd 3.4)', [put('abc'), del('a', '\0')], undefined],
    ['range ops never conflict', [put('abc'), get('abc')], undefined],
  ];
  for (const [name, ops, want] of cases) {
    assert.equal(errorOf(() => validateTxn(TxnRequest.fromPartial({ success: ops }))), want, name);
    assert.equal(errorOf(() => validateTxn(TxnRequest.fromPartial({ failure: ops }))), want, `${name} (failure branch)`);
  }
});

test('op limits: per level against what enclosing levels leave; empty keys and ops', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`));
  assert.equal(errorOf(() => validateTxn(TxnRequest.fromPartial({ success: many(128) }))), undefined);
  assert.equal(
    errorOf(() => validateTxn(TxnRequest.fromPartial({ success: many(129) }))),
    'etcdserver: too many operations in txn request',
  );
  assert.equal(errorOf(() => validateTxn(TxnRequest.fromPartial({ success: many(3) }), 2)), 'etcdserver: too many operations in txn request');
  // the nested txn gets maxTxnOps - opc of its parent: 4 - 2 = 2 < 3
  const nested = TxnRequest.fromPartial({ success: [put('x'), txn(many(3))] });
  assert.equal(errorOf(() => validateTxn(nested, 4)), 'etcdserver: too many operations in txn request');
  assert.equal(errorOf(() => validateTxn(nested, 5)), undefined);
  const emptyCmp = TxnRequest.fromPartial({ compare: [{ key: Buffer.alloc(0) }] });
  assert.equal(errorOf(() => validateTxn(emptyCmp)), 'etcdserver: key is not provided');
  assert.equal(errorOf(() => validateTxn(TxnRequest.fromPartial({ success: [RequestOp.fromPartial({})] }))), 'etcdserver: key not found');
  assert.equal(errorOf(() => validateTxn(TxnRequest.fromPartial({ success: [put('')] }))), 'etcdserver: key is not provided');
});

test('put checks: ignore_value with a value, ignore_lease with a lease', () => {
  assert.equal(errorOf(() => checkPutRequest({ key: b('a'), value: b('v'), lease: 0n, prev_kv: false, ignore_value: true, ignore_lease: false })), 'etcdserver: value is provided');
  assert.equal(errorOf(() => checkPutRequest({ key: b('a'), value: b(''), lease: 5n, prev_kv: false, ignore_value: false, ignore_lease: true })), 'etcdserver: lease is provided');
});
