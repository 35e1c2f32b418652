// Membership changes under load, driven by the real etcdctl against a tetcd process cluster:
// grow 3 -> 5 with `member add` and joiners started with --initial-cluster-state=existing, lose
// two of five to kill -9 (a minority) and bring them back, `move-leader`, `endpoint status
// --cluster`, and `member remove` of a member that then stops itself. The history recorded
// meanwhile is checked as in faults.test.ts (verify.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, sleep, tetcdSkipReason, whenHealthy } from '../../helpers/index.js';
import { raceTimeout, TIMED_OUT } from '../../helpers/procs.js';
import { ProcessCluster, type ClusterMember } from './cluster.js';
import { underLoad } from './verify.js';

const SETTLE_MS = 1500;
const FAULT_MS = 2000;
const REMOVED_EXIT_MS = 15_000;

/** Run etcdctl against the given members and return stdout; a failure throws with stderr. */
async function ctl(members: readonly ClusterMember[], args: readonly string[]): Promise<string> {
  const r = await etcdctl(members.map((m) => m.endpoint).join(','), ['--command-timeout=10s', ...args], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** `member list -w simple`: hex ID -> name, for started members. */
async function memberList(via: ClusterMember): Promise<Map<string, string>> {
  const out = await ctl([via], ['member', 'list']);
  return new Map(out.trim().split('\n').map((line) => line.split(', ')).map(([id, , name]) => [id!, name!]));
}

test('members are added, lost, moved to and removed with etcdctl under load, and the history stays linearizable', {
  skip: tetcdSkipReason(),
  timeout: 240_000,
}, async (t) => {
  const cluster = await ProcessCluster.start(3);
  t.after(() => cluster.close());
  const [keep, m2, m3] = cluster.members as [ClusterMember, ClusterMember, ClusterMember];
  await underLoad(t, cluster, keep, async (log) => {
    await sleep(SETTLE_MS);
    assert.deepEqual([...(await memberList(keep)).values()].sort(), ['m1', 'm2', 'm3']);

    const joined: ClusterMember[] = [];
    for (const name of ['m4', 'm5']) {
      const joiner = await cluster.newJoiner(name);
      const out = await whenHealthy(() => ctl([keep], ['member', 'add', name, `--peer-urls=${joiner.peerUrl}`]));
      const id = /Member\s+([0-9a-f]+) added/.exec(out)?.[1];
      assert.ok(id, out);
      log(`member add ${name} (${id})`);
      await joiner.start();
      await joiner.status();
      assert.equal(joiner.id.toString(16), id, `${name} took the ID member add gave it`);
      log(`${name} joined`);
      joined.push(joiner);
      await cluster.leader();
    }
    assert.deepEqual([...(await memberList(keep)).values()].sort(), ['m1', 'm2', 'm3', 'm4', 'm5']);

    // every member, found through one endpoint, reports the same leader
    const status = (await ctl([keep], ['endpoint', 'status', '--cluster'])).trim().split('\n').map((l) => l.split(', '));
    assert.equal(status.length, 5, status.join('\n'));
    assert.equal(status.filter((cols) => cols[4] === 'true').length, 1, `one leader: ${status.join('\n')}`);

    // two of five down: the other three still make a quorum
    await sleep(SETTLE_MS);
    log('kill -9 m2 and m3');
    await Promise.all([m2.kill9(), m3.kill9()]);
    const leaderWithout = await cluster.leader();
    log(`leader ${leaderWithout.name}`);
    await sleep(FAULT_MS);
    await Promise.all([m2.start(), m3.start()]);
    log('m2 and m3 restarted');
    await cluster.leader();
    await sleep(SETTLE_MS);

    // hand leadership to the newest member
    const target = joined[1]!;
    await ctl(cluster.members, ['move-leader', target.id.toString(16)]);
    const moved = await cluster.leader();
    log(`move-leader ${target.name}: leader ${moved.name}`);
    assert.equal(moved, target);
    await sleep(SETTLE_MS);

    // remove m2 (a follower now): it stops itself, the other four carry on
    await whenHealthy(() => ctl([keep], ['member', 'remove', m2.id.toString(16)]));
    log('member remove m2');
    m2.removed = true;
    const exited = await raceTimeout(m2.proc!.exited, REMOVED_EXIT_MS);
    assert.notEqual(exited, TIMED_OUT, 'the removed member stopped itself');
    m2.proc = undefined;
    assert.deepEqual([...(await memberList(keep)).values()].sort(), ['m1', 'm3', 'm4', 'm5']);
    await cluster.leader();
    await sleep(SETTLE_MS);
  });
});
