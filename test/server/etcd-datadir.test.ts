// An etcd 3.4 member's data dir starts as tetcd: the WAL and .snap files are read as they are,
// the bbolt backend is imported once (the original kept as db.etcd-bbolt); keys, revisions,
// leases, the member ID and v2 keys carry over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LeaseLeasesRequest, PutRequest, RangeRequest, StatusRequest, LeaseGrantRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { connect, etcdSkipReason, memberFlags, startEtcd, startServer, tetcdSkipReason, TETCD_BIN, unary, removeDir } from '../helpers/index.js';

test('an etcd 3.4 data dir starts as tetcd with its data', { skip: etcdSkipReason() ?? tetcdSkipReason() }, async (t) => {
  const etcd = await startEtcd({ extraFlags: ['--enable-v2', '--snapshot-count=20'] });
  t.after(() => removeDir(etcd.dataDir));
  const c = connect(etcd.endpoint);
  let rev = 0n;
  let lease = 0n;
  let memberId = 0n;
  try {
    lease = (await unary(c.lease, c.lease.leaseGrant, LeaseGrantRequest.fromPartial({ TTL: 3600n }))).ID;
    for (let i = 0; i < 50; i++) {
      rev = (await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(`e/${i}`), value: Buffer.from(`v${i}`), lease: i === 0 ? lease : 0n }))).header!.revision;
    }
    memberId = (await unary(c.maintenance, c.maintenance.status, StatusRequest.fromPartial({}))).header!.member_id;
    const v2 = await fetch(`${etcd.clientUrl}/v2/keys/legacy`, { method: 'PUT', body: 'value=old', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(v2.status, 201);
  } finally {
    c.close();
  }
  await etcd.proc.stop();

  const dataDir = join(etcd.dataDir, 'data');
  const proc = await startServer({
    command: process.execPath,
    args: [TETCD_BIN, ...memberFlags(dataDir, etcd.clientPort, etcd.peerPort), '--enable-v2'],
    healthUrl: `${etcd.clientUrl}/health`,
  });
  t.after(() => proc.stop());
  assert.ok(existsSync(join(dataDir, 'member', 'snap', 'db.etcd-bbolt')), 'the original db is kept');
  const t2 = connect(etcd.endpoint);
  try {
    const all = await unary(t2.kv, t2.kv.range, RangeRequest.fromPartial({ key: Buffer.from('e/'), range_end: Buffer.from('e0') }));
    assert.equal(all.count, 50n);
    assert.equal(all.header!.revision, rev, 'the revision carried over');
    assert.equal(all.header!.member_id, memberId, 'the member ID carried over');
    assert.equal(all.kvs.find((kv) => kv.key.toString() === 'e/0')!.lease, lease);
    const leases = await unary(t2.lease, t2.lease.leaseLeases, LeaseLeasesRequest.fromPartial({}));
    assert.deepEqual(leases.leases.map((l) => l.ID), [lease]);
    const next = await unary(t2.kv, t2.kv.put, PutRequest.fromPartial({ key: Buffer.from('after'), value: Buffer.from('x') }));
    assert.equal(next.header!.revision, rev + 1n);
    const v2 = (await (await fetch(`${etcd.clientUrl}/v2/keys/legacy`)).json()) as { node: { value: string } };
    assert.equal(v2.node.value, 'old', 'v2 keys carried over (WAL and .snap read as they are)');
  } finally {
    t2.close();
  }
});
