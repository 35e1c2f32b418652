// Real network partitions (partition.ts: every peer link passes a proxy that can cut it) of a
// 3-member tetcd cluster under recording client load. The isolated member keeps running and
// keeps answering its clients, which is what SIGSTOP cannot show: a cut-off leader must stop
// acknowledging writes and linearizable reads (it cannot reach a quorum), the majority elects a
// new leader and carries on, and after healing the old leader rejoins as a follower. The
// history must stay linearizable, no acknowledged write may be lost, and the watch on the
// member never cut off must see every revision once, in order (verify.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, tetcdSkipReason } from '../../helpers/index.js';
import { ProcessCluster, type ClusterMember } from './cluster.js';
import { underLoad } from './verify.js';

const FAULT_MS = 3000;
const SETTLE_MS = 1500;

async function isolate(c: ProcessCluster, victim: ClusterMember, log: (s: string) => void): Promise<void> {
  log(`partition: ${victim.name} cut off from its peers`);
  c.partitions!.isolate(victim.id);
  victim.isolated = true;
  const leader = await c.leader();
  assert.notEqual(leader, victim, 'the majority side has a leader of its own');
  log(`majority leader ${leader.name}`);
  await sleep(FAULT_MS);
  c.partitions!.heal();
  victim.isolated = false;
  log('partition healed');
  const after = await c.leader();
  log(`leader after healing ${after.name}`);
}

test('a 3-member cluster partitioned (leader, then a follower) stays linearizable and loses no acknowledged write', {
  skip: tetcdSkipReason(),
  timeout: 180_000,
}, async (t) => {
  const cluster = await ProcessCluster.start(3, ['--snapshot-count=300'], { partitionable: true });
  t.after(() => cluster.close());
  const keep = cluster.members[0]!;
  await underLoad(t, cluster, keep, async (log) => {
    await sleep(SETTLE_MS);
    await isolate(cluster, await cluster.leaderOtherThan(keep), log);
    await sleep(SETTLE_MS);
    const leader = await cluster.leader();
    const follower = cluster.members.find((m) => m !== keep && m !== leader)!;
    await isolate(cluster, follower, log);
    await sleep(SETTLE_MS);
  });
  assert.ok(cluster.partitions!.cutCount() > 0, 'the partitions really cut peer links');
});
