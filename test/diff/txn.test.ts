// Transactions: etcdctl's stdin txn (compares, success and failure branches, output shapes)
// and raw gRPC for what etcdctl cannot say (nested txns, lease and range compares).
import assert from 'node:assert/strict';
import { LeaseGrantRequest, LeaseRevokeRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { cmp, deleteOp, diffSuite, prefixEnd, putOp, rangeOp, txn, txnOp, unary, type Session } from '../helpers/index.js';

const suite = diffSuite();

/** etcdctl txn's non-interactive input: compares, success ops, failure ops, each section ended by a blank line. */
function txnInput(compares: string[], success: string[], failure: string[] = []): string {
  return [compares, success, failure].map((lines) => `${lines.map((l) => `${l}\n`).join('')}\n`).join('');
}

function ctlTxn(s: Session, compares: string[], success: string[], failure: string[] = [], json = false) {
  return s.ctl(json ? ['txn', '-w', 'json'] : ['txn'], { stdin: txnInput(compares, success, failure) });
}

function grpcTxn(s: Session, label: string, req: ReturnType<typeof txn>) {
  const { kv } = s.clients;
  return s.grpc(`Txn ${label}`, unary(kv, kv.txn, req));
}

suite.sequence('etcdctl txn on value: success and failure branches', async (s) => {
  await s.ctl(['put', 'tx1/k', 'v1']);
  const ok = await ctlTxn(s, ['value("tx1/k") = "v1"'], ['put tx1/a 1', 'get tx1/k', 'del tx1/none'], ['put tx1/b 2']);
  assert.equal(ok.stdout, 'SUCCESS\n\nOK\n\ntx1/k\nv1\n\n0\n');
  await ctlTxn(s, ['value("tx1/k") = "nope"'], ['put tx1/a 1'], ['put tx1/b 2', 'get tx1/ --prefix']);
  await ctlTxn(s, ['value("tx1/k") != "v1"'], ['put tx1/c 3'], ['get tx1/ --prefix'], true);
  await ctlTxn(s, ['value("tx1/k") > "v0"', 'value("tx1/k") < "v2"'], ['put tx1/d 4 --prev-kv'], [], true);
  await ctlTxn(s, [], ['put tx1/e 5', 'del tx1/a --prev-kv'], [], true); // no compares: success
  await s.ctl(['get', 'tx1/', '--prefix', '-w', 'json']);
});

suite.sequence('etcdctl txn on version, create and mod revisions', async (s) => {
  await s.ctl(['put', 'tx2/k', 'a']);
  await s.ctl(['put', 'tx2/k', 'b']);
  const created = s.rev(1);
  const modified = s.rev(2);
  for (const c of [
    'version("tx2/k") = "2"',
    'version("tx2/k") > "2"',
    'ver("tx2/k") < "3"',
    'version("tx2/missing") = "0"',
    `create("tx2/k") = "${created}"`,
    `c("tx2/k") != "${created}"`,
    'create("tx2/missing") = "0"',
    `mod("tx2/k") = "${modified}"`,
    `m("tx2/k") > "${created}"`,
    `mod("tx2/k") < "${created}"`,
  ]) {
    await ctlTxn(s, [c], ['get tx2/k'], ['get tx2/missing']);
  }
  await ctlTxn(s, [`mod("tx2/k") = "${modified}"`, 'version("tx2/k") = "2"'], ['put tx2/k c'], [], true);
  await ctlTxn(s, [`mod("tx2/k") = "${modified}"`], ['put tx2/k d'], ['get tx2/k'], true); // stale now
});

suite.sequence('txn errors: duplicate keys, too many operations, malformed input', async (s) => {
  const dup = await ctlTxn(s, [], ['put tx3/k a', 'put tx3/k b']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /etcdserver: duplicate key given in txn request/);
  await ctlTxn(s, [], ['put tx3/k a', 'del tx3/k']);
  await ctlTxn(s, [], ['put tx3/a a', 'del tx3/ --prefix']); // a delete range overlapping a put
  await ctlTxn(s, [], ['get tx3/k', 'put tx3/k a']); // a read and a write of one key are fine
  await ctlTxn(s, [], [], ['put tx3/k a', 'put tx3/k b']); // duplicates in the branch not taken count too
  const many = Array.from({ length: 129 }, (_, i) => `put tx3/many/${i} v`);
  const tooMany = await ctlTxn(s, [], many);
  assert.match(tooMany.stderr, /etcdserver: too many operations in txn request/);
  await ctlTxn(s, [], many.slice(0, 128)); // exactly the limit is accepted
  await s.ctl(['get', 'tx3/many/', '--prefix', '--keys-only', '--limit=3', '-w', 'json']);
  await ctlTxn(s, ['value("tx3/k") = "a'], ['put tx3/k a']); // unterminated quote
  await ctlTxn(s, ['bogus("tx3/k") = "a"'], ['put tx3/k a']);
  await ctlTxn(s, [], ['frobnicate tx3/k']);
});

suite.sequence('gRPC txn: nested txns and their limits', async (s) => {
  await grpcTxn(s, 'nested', txn([], [putOp('tx4/outer', 'o'), txnOp(txn([cmp('tx4/outer', 'version', '=', 0n)], [putOp('tx4/inner', 'i')], [putOp('tx4/else', 'e')]))]));
  await s.grpc('Range tx4/', unary(s.clients.kv, s.clients.kv.range, rangeOp('tx4/', { range_end: prefixEnd('tx4/') }).request!.value as never));
  await grpcTxn(s, 'nested duplicate put', txn([], [putOp('tx4/d', '1'), txnOp(txn([], [putOp('tx4/d', '2')]))]));
  await grpcTxn(s, 'nested duplicate in different branches', txn([], [txnOp(txn([], [putOp('tx4/e', '1')], [putOp('tx4/e', '2')]))]));
  await grpcTxn(s, 'nested delete overlapping put', txn([], [putOp('tx4/f', '1'), txnOp(txn([], [deleteOp('tx4/', { range_end: prefixEnd('tx4/') })]))]));
  await grpcTxn(s, 'nested range in both', txn([cmp('tx4/outer', 'value', '=', 'o')], [txnOp(txn([], [rangeOp('tx4/outer')])), rangeOp('tx4/inner')]));
  await grpcTxn(s, 'deeply nested', txn([], [txnOp(txn([], [txnOp(txn([], [txnOp(txn([], [putOp('tx4/deep', 'x', { prev_kv: true })]))]))]))]));
});

suite.sequence('gRPC txn: lease and range compares', async (s) => {
  const { lease } = s.clients;
  const grant = await s.grpc('LeaseGrant', unary(lease, lease.leaseGrant, LeaseGrantRequest.fromPartial({ TTL: 600n })));
  assert.ok(grant !== undefined);
  const id = grant.ID;
  await grpcTxn(s, 'put with lease', txn([], [putOp('tx5/leased', 'x', { lease: id }), putOp('tx5/plain', 'y')]));
  await grpcTxn(s, 'lease = id', txn([cmp('tx5/leased', 'lease', '=', id)], [rangeOp('tx5/leased')]));
  await grpcTxn(s, 'lease = 0 on a leased key', txn([cmp('tx5/leased', 'lease', '=', 0n)], [], [rangeOp('tx5/plain')]));
  await grpcTxn(s, 'lease = 0 on a plain key', txn([cmp('tx5/plain', 'lease', '=', 0n)], [rangeOp('tx5/plain')]));
  await grpcTxn(s, 'range compare all versions > 0', txn([cmp('tx5/', 'version', '>', 0n, prefixEnd('tx5/'))], [putOp('tx5/ok', '1')]));
  await grpcTxn(s, 'range compare all values = x', txn([cmp('tx5/', 'value', '=', 'x', prefixEnd('tx5/'))], [], [putOp('tx5/no', '1')]));
  await grpcTxn(s, 'range compare on an empty range', txn([cmp('tx5/zzz', 'version', '=', 7n, prefixEnd('tx5/zzz'))], [putOp('tx5/vacuous', '1')]));
  await s.grpc('LeaseRevoke', unary(lease, lease.leaseRevoke, LeaseRevokeRequest.fromPartial({ ID: id })));
  await grpcTxn(s, 'after revoke', txn([cmp('tx5/leased', 'version', '=', 0n)], [rangeOp('tx5/', { range_end: prefixEnd('tx5/'), keys_only: true })]));
});
