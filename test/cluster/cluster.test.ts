// Multi-member clusters in one process, over the real peer transport on loopback: three members
// bootstrap together, replicate, survive the loss of the leader, and a fourth member is added
// with `member add` and joins with --initial-cluster-state existing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/embed.js';
import { PutRequest, RangeRequest, StatusRequest, MemberListRequest, MemberAddRequest, MemberRemoveRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { ClusterClient } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { credentials } from '@grpc/grpc-js';
import { connect, freePorts, sleep, unary, whenHealthy, type Clients } from '../helpers/index.js';

interface Node {
  name: string;
  peerPort: number;
  dataDir: string;
  srv?: RunningServer;
  c?: Clients;
  removed?: boolean;
}

const TOKEN = 'cluster-test';

function opts(n: Node, cluster: Node[], state: 'new' | 'existing') {
  return {
    name: n.name,
    dataDir: n.dataDir,
    listenClientUrls: [new URL('http://127.0.0.1:0')],
    advertiseClientUrls: [new URL('http://127.0.0.1:0')],
    listenPeerUrls: [new URL(`http://127.0.0.1:${n.peerPort}`)],
    initialAdvertisePeerUrls: [new URL(`http://127.0.0.1:${n.peerPort}`)],
    initialCluster: new Map(cluster.map((m) => [m.name, [new URL(`http://127.0.0.1:${m.peerPort}`)]])),
    initialClusterState: state,
    initialClusterToken: TOKEN,
    heartbeatInterval: 50,
    electionTimeout: 500,
    logger: 'silent' as const,
  };
}

async function up(n: Node, cluster: Node[], state: 'new' | 'existing'): Promise<void> {
  n.srv = await startServer({ ...opts(n, cluster, state), onRemoved: () => (n.removed = true) });
  n.c = connect(n.srv.clientUrls[0]!.host);
}

async function down(n: Node): Promise<void> {
  n.c?.close();
  await n.srv?.close();
  n.srv = undefined;
  n.c = undefined;
}

async function leaderOf(nodes: Node[], not = 0n): Promise<bigint> {
  for (let i = 0; i < 100; i++) {
    const leaders = new Set<bigint>();
    for (const n of nodes) {
      if (!n.c) continue;
      try {
        leaders.add((await unary(n.c.maintenance, n.c.maintenance.status, StatusRequest.fromPartial({}), 1000)).leader);
      } catch {
        leaders.add(0n);
      }
    }
    if (leaders.size === 1 && !leaders.has(0n) && !leaders.has(not)) return [...leaders][0]!;
    await sleep(100);
  }
  throw new Error('no agreed leader within 10 s');
}

test('a three-member cluster replicates, survives its leader, and takes a new member', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-cluster-'));
  const ports = await freePorts(4);
  const nodes: Node[] = ['m1', 'm2', 'm3', 'm4'].map((name, i) => ({ name, peerPort: ports[i]!, dataDir: join(dir, name) }));
  const [a, b, c, d] = nodes as [Node, Node, Node, Node];
  t.after(async () => {
    for (const n of nodes) await down(n).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  // bootstrap: the three start together (each waits for a leader, which needs a quorum)
  await Promise.all([a, b, c].map((n) => up(n, [a, b, c], 'new')));
  const ids = new Set([a, b, c].map((n) => n.srv!.memberId));
  assert.equal(ids.size, 3, 'three member IDs');
  assert.equal(new Set([a, b, c].map((n) => n.srv!.clusterId)).size, 1, 'one cluster ID');
  const leader = await leaderOf([a, b, c]);
  assert.ok(ids.has(leader));

  // a write on any member is read on every member, linearizably
  const put = await unary(b.c!.kv, b.c!.kv.put, PutRequest.fromPartial({ key: Buffer.from('k'), value: Buffer.from('v1') }));
  for (const n of [a, b, c]) {
    const r = await unary(n.c!.kv, n.c!.kv.range, RangeRequest.fromPartial({ key: Buffer.from('k') }));
    assert.equal(r.kvs[0]?.value.toString(), 'v1', `${n.name} reads the write`);
    assert.equal(r.header!.revision, put.header!.revision);
  }

  // the leader goes away: the other two elect a new one and keep serving writes
  const old = [a, b, c].find((n) => n.srv!.memberId === leader)!;
  const rest = [a, b, c].filter((n) => n !== old);
  await down(old);
  const next = await leaderOf(rest, leader);
  assert.notEqual(next, leader);
  await unary(rest[0]!.c!.kv, rest[0]!.c!.kv.put, PutRequest.fromPartial({ key: Buffer.from('k'), value: Buffer.from('v2') }));
  // it comes back and catches up
  await up(old, [a, b, c], 'new');
  for (let i = 0; i < 50; i++) {
    const r = await unary(old.c!.kv, old.c!.kv.range, RangeRequest.fromPartial({ key: Buffer.from('k'), serializable: true }));
    if (r.kvs[0]?.value.toString() === 'v2') break;
    await sleep(100);
  }
  const caught = await unary(old.c!.kv, old.c!.kv.range, RangeRequest.fromPartial({ key: Buffer.from('k') }));
  assert.equal(caught.kvs[0]?.value.toString(), 'v2', 'the restarted member caught up');

  // member add, then the new member joins the running cluster
  const cluster = new ClusterClient(a.srv!.clientUrls[0]!.host, credentials.createInsecure());
  t.after(() => cluster.close());
  const added = await whenHealthy(() => unary(cluster, cluster.memberAdd, MemberAddRequest.fromPartial({ peerURLs: [`http://127.0.0.1:${d.peerPort}`] })));
  assert.equal(added.members.length, 4);
  await up(d, [a, b, c, d], 'existing');
  assert.equal(d.srv!.memberId, added.member!.ID, 'the joining member takes the ID the cluster gave it');
  const r = await unary(d.c!.kv, d.c!.kv.range, RangeRequest.fromPartial({ key: Buffer.from('k') }));
  assert.equal(r.kvs[0]?.value.toString(), 'v2', 'the new member has the data');
  const list = await unary(cluster, cluster.memberList, MemberListRequest.fromPartial({}));
  assert.deepEqual(list.members.map((m) => m.name).sort(), ['m1', 'm2', 'm3', 'm4']);

  // member remove: the cluster goes on with three, the removed member stops itself
  await whenHealthy(() => unary(cluster, cluster.memberRemove, MemberRemoveRequest.fromPartial({ ID: d.srv!.memberId })));
  for (let i = 0; i < 100 && !d.removed; i++) await sleep(50);
  assert.equal(d.removed, true, 'the removed member stopped');
  const after = await unary(cluster, cluster.memberList, MemberListRequest.fromPartial({}));
  assert.deepEqual(after.members.map((m) => m.name).sort(), ['m1', 'm2', 'm3']);
  await unary(a.c!.kv, a.c!.kv.put, PutRequest.fromPartial({ key: Buffer.from('k'), value: Buffer.from('v3') }));
});

test('--force-new-cluster restarts a member of a lost cluster alone, with its data', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-force-'));
  const ports = await freePorts(3);
  const nodes: Node[] = ['f1', 'f2', 'f3'].map((name, i) => ({ name, peerPort: ports[i]!, dataDir: join(dir, name) }));
  t.after(async () => {
    for (const n of nodes) await down(n).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  await Promise.all(nodes.map((n) => up(n, nodes, 'new')));
  const [a] = nodes as [Node];
  await unary(a.c!.kv, a.c!.kv.put, PutRequest.fromPartial({ key: Buffer.from('kept'), value: Buffer.from('yes') }));
  for (const n of nodes) await down(n);

  // two of three are lost for good: the survivor starts as a one-member cluster
  a.srv = await startServer({ ...opts(a, nodes, 'new'), forceNewCluster: true });
  a.c = connect(a.srv.clientUrls[0]!.host);
  const r = await unary(a.c.kv, a.c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('kept') }));
  assert.equal(r.kvs[0]?.value.toString(), 'yes');
  await unary(a.c.kv, a.c.kv.put, PutRequest.fromPartial({ key: Buffer.from('after'), value: Buffer.from('ok') }));
  const cluster = new ClusterClient(a.srv.clientUrls[0]!.host, credentials.createInsecure());
  t.after(() => cluster.close());
  const list = await unary(cluster, cluster.memberList, MemberListRequest.fromPartial({}));
  assert.deepEqual(list.members.map((m) => m.ID), [a.srv.memberId]);
});
