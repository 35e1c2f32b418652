// The operations guide's disaster recovery, end to end: a snapshot of a running member is
// restored as a new single-member cluster, started, and the other members are added back one by
// one; each starts empty and is brought up to date by a raft snapshot (with the backend db) from
// the leader, whose log begins at the restored snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { startServer, type RunningServer } from '../../src/embed.js';
import { restoreSnapshot, silentLog } from '../../src/backup/index.js';
import { ClusterClient, MemberAddRequest, PutRequest, RangeRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { connect, etcdctl, etcdSkipReason, freePorts, sleep, unary, whenHealthy } from '../helpers/index.js';

const TOKEN = 'restored';

function memberOpts(name: string, dataDir: string, peerPort: number, cluster: Array<[string, number]>, state: 'new' | 'existing') {
  return {
    name,
    dataDir,
    listenClientUrls: [new URL('http://127.0.0.1:0')],
    advertiseClientUrls: [new URL('http://127.0.0.1:0')],
    listenPeerUrls: [new URL(`http://127.0.0.1:${peerPort}`)],
    initialAdvertisePeerUrls: [new URL(`http://127.0.0.1:${peerPort}`)],
    initialCluster: new Map(cluster.map(([n, p]) => [n, [new URL(`http://127.0.0.1:${p}`)]])),
    initialClusterState: state,
    initialClusterToken: TOKEN,
    heartbeatInterval: 50,
    electionTimeout: 500,
    logger: 'silent' as const,
  };
}

test('restore a snapshot as a new cluster, then add the members back', { skip: etcdSkipReason(), timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-restore-'));
  const running: RunningServer[] = [];
  t.after(async () => {
    for (const s of running) await s.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const [p0, p1, p2, p3] = await freePorts(4);

  // the cluster that is lost: one member with data, its snapshot saved by the real etcdctl
  const old = await startServer(memberOpts('old', join(dir, 'old'), p0!, [['old', p0!]], 'new'));
  running.push(old);
  const oc = connect(old.clientUrls[0]!.host);
  let rev = 0n;
  for (let i = 0; i < 40; i++) rev = (await unary(oc.kv, oc.kv.put, PutRequest.fromPartial({ key: Buffer.from(`r/${i}`), value: Buffer.from(`v${i}`) }))).header!.revision;
  oc.close();
  const snapFile = join(dir, 'snap.db');
  const saved = await etcdctl(old.clientUrls[0]!.host, ['snapshot', 'save', snapFile]);
  assert.equal(saved.code, 0, saved.stderr);
  await old.close();

  // 1. restore as a new single-member cluster and start it
  await restoreSnapshot(
    { snapshotPath: snapFile, name: 'r1', dataDir: join(dir, 'r1'), peerUrls: `http://127.0.0.1:${p1}`, initialCluster: `r1=http://127.0.0.1:${p1}`, initialClusterToken: TOKEN, skipHashCheck: false },
    silentLog,
  );
  const r1 = await startServer(memberOpts('r1', join(dir, 'r1'), p1!, [['r1', p1!]], 'new'));
  running.push(r1);
  const c1 = connect(r1.clientUrls[0]!.host);
  t.after(() => c1.close());
  const got = await unary(c1.kv, c1.kv.range, RangeRequest.fromPartial({ key: Buffer.from('r/'), range_end: Buffer.from('r0'), count_only: true }));
  assert.equal(got.count, 40n);
  assert.equal(got.header!.revision, rev);

  // 2. add the others back one by one
  const cluster = new ClusterClient(r1.clientUrls[0]!.host, credentials.createInsecure());
  t.after(() => cluster.close());
  const members: Array<[string, number]> = [['r1', p1!]];
  for (const [name, port] of [['r2', p2!], ['r3', p3!]] as Array<[string, number]>) {
    const added = await whenHealthy(() => unary(cluster, cluster.memberAdd, MemberAddRequest.fromPartial({ peerURLs: [`http://127.0.0.1:${port}`] })));
    members.push([name, port]);
    const srv = await startServer(memberOpts(name, join(dir, name), port, members, 'existing'));
    running.push(srv);
    assert.equal(srv.memberId, added.member!.ID);
    const c = connect(srv.clientUrls[0]!.host);
    try {
      let count = 0n;
      for (let i = 0; i < 100 && count !== 40n; i++) {
        count = (await unary(c.kv, c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('r/'), range_end: Buffer.from('r0'), count_only: true, serializable: true }))).count;
        if (count !== 40n) await sleep(100);
      }
      assert.equal(count, 40n, `${name} caught up from the leader's snapshot`);
      const w = await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(`after/${name}`), value: Buffer.from('x') }));
      assert.ok(w.header!.revision > rev);
    } finally {
      c.close();
    }
  }
  const final = await unary(c1.kv, c1.kv.range, RangeRequest.fromPartial({ key: Buffer.from('after/'), range_end: Buffer.from('after0') }));
  assert.deepEqual(final.kvs.map((kv) => kv.key.toString()), ['after/r2', 'after/r3']);
});
