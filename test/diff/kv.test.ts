// put/get through etcdctl: ranges, prefixes, limits, sorting, output shapes, old revisions.
import assert from 'node:assert/strict';
import { RangeRequest, RangeRequest_SortOrder, RangeRequest_SortTarget } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, diffSuite, prefixEnd, unary, type Session } from '../helpers/index.js';

/** A count-only range over a prefix (etcdctl 3.4 has no --count-only, so through gRPC). */
function countPrefix(s: Session, prefix: string): Promise<unknown> {
  const { kv } = s.clients;
  const req = RangeRequest.fromPartial({ key: b(prefix), range_end: prefixEnd(prefix), count_only: true });
  return s.grpc(`Range ${prefix} count_only`, unary(kv, kv.range, req));
}

const suite = diffSuite();

suite.sequence('put then get, simple and JSON output', async (s) => {
  assert.equal((await s.ctl(['put', 'kv1/a', 'one'])).stdout, 'OK\n');
  await s.ctl(['put', 'kv1/a', 'two', '-w', 'json']);
  assert.equal((await s.ctl(['get', 'kv1/a'])).stdout, 'kv1/a\ntwo\n');
  await s.ctl(['get', 'kv1/a', '-w', 'json']);
  assert.equal((await s.ctl(['get', 'kv1/missing'])).stdout, '');
  await s.ctl(['get', 'kv1/missing', '-w', 'json']);
  await s.ctl(['put', 'kv1/spaces', 'a value with spaces']);
  await s.ctl(['get', 'kv1/spaces', '--print-value-only']);
});

suite.sequence('get --prefix with sorting, limits and output filters', async (s) => {
  for (const [k, v] of [['b', '2'], ['a', '3'], ['c', '1'], ['d', '0']]) await s.ctl(['put', `kv2/${k}`, v!]);
  await s.ctl(['put', 'kv2/b', '22']);
  assert.equal((await s.ctl(['get', 'kv2/', '--prefix'])).stdout, 'kv2/a\n3\nkv2/b\n22\nkv2/c\n1\nkv2/d\n0\n');
  await s.ctl(['get', 'kv2/', '--prefix', '-w', 'json']);
  for (const target of ['KEY', 'VALUE', 'CREATE', 'MODIFY', 'VERSION']) {
    for (const order of ['ASCEND', 'DESCEND']) {
      await s.ctl(['get', 'kv2/', '--prefix', `--sort-by=${target}`, `--order=${order}`, '--keys-only']);
    }
  }
  assert.equal((await s.ctl(['get', 'kv2/', '--prefix', '--limit=2', '-w', 'json'])).code, 0);
  await s.ctl(['get', 'kv2/', '--prefix', '--limit=2']);
  await s.ctl(['get', 'kv2/', '--prefix', '--limit=2', '--order=DESCEND', '--sort-by=VALUE']);
  await s.ctl(['get', 'kv2/', '--prefix', '--keys-only']);
  await s.ctl(['get', 'kv2/', '--prefix', '--keys-only', '-w', 'json']);
  await countPrefix(s, 'kv2/');
  await s.ctl(['get', 'kv2/', '--prefix', '--print-value-only']);
  await s.ctl(['get', 'kv2/a', 'kv2/c']); // a range [a, c)
  await s.ctl(['get', 'kv2/a', 'kv2/c', '-w', 'json']);
  await s.ctl(['get', 'kv2/', '--prefix', '--consistency=s', '-w', 'json']);
  await s.ctl(['get', 'kv2/', '--prefix', '--consistency=l']);
});

suite.sequence('get --from-key', async (s) => {
  // '~' sorts after every other prefix used in this file, so from-key sees only these keys.
  for (const k of ['~fk/1', '~fk/2', '~fk/3']) await s.ctl(['put', k, `v${k.at(-1)}`]);
  assert.equal((await s.ctl(['get', '~fk/2', '--from-key', '--keys-only'])).stdout, '~fk/2\n\n~fk/3\n\n');
  await s.ctl(['get', '~fk/2', '--from-key', '-w', 'json']);
  await s.ctl(['get', '~fk/', '--from-key', '--limit=1']);
  await s.ctl(['get', '~fk/', '--from-key', '--keys-only', '--order=DESCEND', '--sort-by=KEY']);
  await s.ctl(['get', '~fk/', '--from-key', '--prefix']); // both flags: etcdctl's own error
});

suite.sequence('get --rev: old values, revision 0, future revision', async (s) => {
  await s.ctl(['put', 'kv3/k', 'v1']);
  await s.ctl(['put', 'kv3/k', 'v2']);
  await s.ctl(['put', 'kv3/k', 'v3']);
  assert.equal((await s.ctl(['get', 'kv3/k', `--rev=${s.rev(1)}`])).stdout, 'kv3/k\nv1\n');
  await s.ctl(['get', 'kv3/k', `--rev=${s.rev(2)}`, '-w', 'json']);
  await s.ctl(['get', 'kv3/k', `--rev=${s.rev(0)}`]); // before the key existed
  await s.ctl(['get', 'kv3/k', '--rev=0', '-w', 'json']); // 0 = current
  const future = await s.ctl(['get', 'kv3/k', `--rev=${s.rev(1000)}`]);
  assert.equal(future.code, 1);
  assert.match(future.stderr, /Error: etcdserver: mvcc: required revision is a future revision/);
  await s.ctl(['get', 'kv3/k', `--rev=${s.rev(1000)}`, '-w', 'json']);
  await s.ctl(['del', 'kv3/k']);
  await s.ctl(['get', 'kv3/k', `--rev=${s.rev(3)}`, '-w', 'json']); // deleted now, present then
});

suite.sequence('put --prev-kv, --ignore-value, --ignore-lease, --lease errors', async (s) => {
  await s.ctl(['put', 'kv4/k', 'first', '--prev-kv']);
  assert.equal((await s.ctl(['put', 'kv4/k', 'second', '--prev-kv'])).stdout, 'OK\nkv4/k\nfirst\n');
  await s.ctl(['put', 'kv4/k', 'third', '--prev-kv', '-w', 'json']);
  await s.ctl(['put', 'kv4/k', '--ignore-value']);
  await s.ctl(['get', 'kv4/k', '-w', 'json']);
  const missing = await s.ctl(['put', 'kv4/none', '--ignore-value']);
  assert.equal(missing.code, 1);
  await s.ctl(['put', 'kv4/k', 'fourth', '--ignore-lease']);
  await s.ctl(['put', 'kv4/none', 'v', '--ignore-lease']);
  await s.ctl(['put', 'kv4/k', 'x', '--ignore-value', '--ignore-lease']);
  await s.ctl(['put', 'kv4/k', 'v', '--lease=1234abcd']); // no such lease
  await s.ctl(['put', 'kv4/k', 'v', '--ignore-value', '--lease=1234abcd']);
  await s.ctl(['get', 'kv4/k', '-w', 'json']);
});

suite.sequence('empty key error, empty value', async (s) => {
  const put = await s.ctl(['put', '', 'x']);
  assert.equal(put.code, 1);
  assert.match(put.stderr, /etcdserver: key is not provided/);
  await s.ctl(['get', '']);
  await s.ctl(['del', '']);
  await s.ctl(['put', 'kv5/k', '']); // an empty value is fine
  await s.ctl(['get', 'kv5/', '--prefix', '-w', 'json']);
});

suite.sequence('values from stdin, binary-ish and large values', async (s) => {
  await s.ctl(['put', 'kv6/stdin'], { stdin: 'from stdin\nwith a newline' });
  await s.ctl(['get', 'kv6/stdin', '-w', 'json']);
  await s.ctl(['put', 'kv6/big'], { stdin: 'x'.repeat(100_000) });
  const big = await s.ctl(['get', 'kv6/big', '--print-value-only']);
  assert.equal(big.stdout.length, 100_001);
  await s.ctl(['put', 'kv6/unicode', 'héllo wörld ✓']);
  await s.ctl(['get', 'kv6/unicode', '-w', 'json']);
  await countPrefix(s, 'kv6/');
});

suite.sequence('gRPC range filters: min/max mod and create revisions', async (s) => {
  for (const [k, v] of [['a', '1'], ['b', '1'], ['c', '1'], ['a', '2'], ['d', '1'], ['b', '2']]) await s.ctl(['put', `kv7/${k}`, v!]);
  const { kv } = s.clients;
  const base = { key: b('kv7/'), range_end: prefixEnd('kv7/'), keys_only: true };
  const cases: [string, Partial<RangeRequest>][] = [
    ['min_mod_revision start+4', { min_mod_revision: BigInt(s.rev(4)) }],
    ['max_mod_revision start+3', { max_mod_revision: BigInt(s.rev(3)) }],
    ['min_create_revision start+2', { min_create_revision: BigInt(s.rev(2)) }],
    ['max_create_revision start+2', { max_create_revision: BigInt(s.rev(2)) }],
    ['mod window [start+2, start+5]', { min_mod_revision: BigInt(s.rev(2)), max_mod_revision: BigInt(s.rev(5)) }],
    ['filters with a limit (count is before filtering)', { min_mod_revision: BigInt(s.rev(4)), limit: 1n }],
    ['filters at an old revision', { min_create_revision: BigInt(s.rev(2)), revision: BigInt(s.rev(3)) }],
    ['filters with sort by mod descending', { min_mod_revision: BigInt(s.rev(1)), sort_target: RangeRequest_SortTarget.MOD, sort_order: RangeRequest_SortOrder.DESCEND }],
    ['count_only with a filter', { min_mod_revision: BigInt(s.rev(4)), count_only: true }],
  ];
  for (const [label, extra] of cases) {
    await s.grpc(`Range ${label}`, unary(kv, kv.range, RangeRequest.fromPartial({ ...base, ...extra })));
  }
});
