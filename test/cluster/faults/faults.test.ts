// A three-process tetcd cluster under client load while members are killed (-9) and frozen
// (SIGSTOP, which cuts a member off from peers and clients like a partition) and brought back.
// Afterwards (see verify.ts): the recorded history must be linearizable, no acknowledged write
// may be lost, and a watch opened at the start on a member that is never hurt must have
// delivered every revision once, in order.
//
// One round of faults runs by default (about 30-60 s). TETCD_SOAK_SECONDS=N repeats rounds
// until N seconds have passed, for soak runs:
//   npx tsc -p tsconfig.faults.json
//   TETCD_SOAK_SECONDS=600 node --test build/faults/test/cluster/faults/faults.test.js
import { test } from 'node:test';
import { sleep, tetcdSkipReason } from '../../helpers/index.js';
import { ProcessCluster, type ClusterMember } from './cluster.js';
import { underLoad } from './verify.js';

const SOAK_MS = Number(process.env.TETCD_SOAK_SECONDS ?? 0) * 1000;
/** How long a fault lasts and how long the cluster runs healthy between faults. */
const FAULT_MS = 2000;
const SETTLE_MS = 1500;
/** Snapshots every few hundred entries, so restarts replay a snapshot plus a WAL tail. */
const SNAPSHOT_COUNT = 300;

type Fault = (c: ProcessCluster, keep: ClusterMember, log: (s: string) => void) => Promise<void>;

const killLeader: Fault = async (c, keep, log) => {
  const leader = await c.leaderOtherThan(keep);
  log(`kill -9 leader ${leader.name}`);
  await leader.kill9();
  log(`new leader ${(await c.leader()).name}`);
  await sleep(FAULT_MS);
  await leader.start();
  log(`${leader.name} restarted`);
};

const killFollower: Fault = async (c, keep, log) => {
  const leader = await c.leader();
  const victim = c.members.find((m) => m !== keep && m !== leader)!;
  log(`kill -9 follower ${victim.name}`);
  await victim.kill9();
  await sleep(FAULT_MS);
  await victim.start();
  log(`${victim.name} restarted`);
};

const freezeLeader: Fault = async (c, keep, log) => {
  const leader = await c.leaderOtherThan(keep);
  log(`SIGSTOP leader ${leader.name}`);
  leader.freeze();
  log(`new leader ${(await c.leader()).name}`);
  await sleep(FAULT_MS);
  leader.thaw();
  log(`SIGCONT ${leader.name}`);
};

const freezeFollower: Fault = async (c, keep, log) => {
  const leader = await c.leader();
  const victim = c.members.find((m) => m !== keep && m !== leader)!;
  log(`SIGSTOP follower ${victim.name}`);
  victim.freeze();
  await sleep(FAULT_MS);
  victim.thaw();
  log(`SIGCONT ${victim.name}`);
};

const ROUND: readonly Fault[] = [killLeader, killFollower, freezeLeader, freezeFollower];

test('a 3-member cluster stays linearizable, loses no acknowledged write and keeps its watch whole under kills and partitions', {
  skip: tetcdSkipReason(),
  timeout: 240_000 + SOAK_MS * 2,
}, async (t) => {
  const cluster = await ProcessCluster.start(3, [`--snapshot-count=${SNAPSHOT_COUNT}`]);
  t.after(() => cluster.close());
  // members[0] is never hurt: it hosts the watch
  const keep = cluster.members[0]!;
  const t0 = Date.now();
  await underLoad(t, cluster, keep, async (log) => {
    await sleep(SETTLE_MS);
    do {
      for (const fault of ROUND) {
        await fault(cluster, keep, log);
        await cluster.leader();
        await sleep(SETTLE_MS);
      }
    } while (Date.now() - t0 < SOAK_MS);
  });
});
