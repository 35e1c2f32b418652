// A three-process tetcd cluster under client load while members are killed (-9) and frozen
// (SIGSTOP, which cuts a member off from peers and clients like a partition) and brought back.
// Afterwards: the recorded history must be linearizable, no acknowledged write may be lost, and
// a watch opened at the start on a member that is never hurt must have delivered every revision
// once, in order.
//
// One round of faults runs by default (about a minute). TETCD_SOAK_SECONDS=N repeats rounds
// until N seconds have passed, for soak runs:
//   TETCD_SOAK_SECONDS=600 node --test build/faults/test/cluster/faults/faults.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials } from '@grpc/grpc-js';
import { KVClient, RangeRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, prefixEnd, sleep, tetcdSkipReason, unary } from '../../helpers/index.js';
import { checkHistory, lostWrites, type Operation } from '../lincheck/index.js';
import { CHANNEL_OPTIONS, ProcessCluster, type ClusterMember } from './cluster.js';
import { WatchRecorder, watchProblems } from './watch.js';
import { now, runClient, workloadKeys } from './workload.js';

const SOAK_MS = Number(process.env.TETCD_SOAK_SECONDS ?? 0) * 1000;
const PREFIX = 'lin/';
const KEY_COUNT = 12;
const CLIENTS_PER_MEMBER = 2;
/** How long a fault lasts and how long the cluster runs healthy between faults. */
const FAULT_MS = 2000;
const SETTLE_MS = 1500;
const WATCH_CATCH_UP_MS = 15_000;
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

/** The store's contents under PREFIX and its revision, read linearizably from member m. */
async function readAll(m: ClusterMember): Promise<{ values: Map<string, string>; revision: number }> {
  const kv = new KVClient(m.endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const r = await unary(kv, kv.range, RangeRequest.fromPartial({ key: b(PREFIX), range_end: prefixEnd(PREFIX) }), 10_000);
    return { values: new Map(r.kvs.map((kv) => [kv.key.toString('utf8'), kv.value.toString('utf8')])), revision: Number(r.header!.revision) };
  } finally {
    kv.close();
  }
}

test('a 3-member cluster stays linearizable, loses no acknowledged write and keeps its watch whole under kills and partitions', {
  skip: tetcdSkipReason(),
  timeout: 240_000 + SOAK_MS * 2,
}, async (t) => {
  const cluster = await ProcessCluster.start(3, [`--snapshot-count=${SNAPSHOT_COUNT}`]);
  const events: string[] = [];
  const t0 = Date.now();
  const log = (s: string) => events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`);
  let watch: WatchRecorder | undefined;
  t.after(async () => {
    watch?.close();
    await cluster.close();
  });
  // members[0] is never hurt: it hosts the watch
  const keep = cluster.members[0]!;
  const start = await readAll(keep);
  watch = await WatchRecorder.open(keep.endpoint, PREFIX, start.revision + 1);

  const history: Operation[] = [];
  let stopped = false;
  const keys = workloadKeys(PREFIX, KEY_COUNT);
  const clients = cluster.members.flatMap((m, i) =>
    Array.from({ length: CLIENTS_PER_MEMBER }, (_, j) =>
      runClient({ id: i * CLIENTS_PER_MEMBER + j, endpoint: m.endpoint, keys, history, stopped: () => stopped }),
    ),
  );
  try {
    await sleep(SETTLE_MS);
    do {
      for (const fault of ROUND) {
        await fault(cluster, keep, log);
        await cluster.leader();
        await sleep(SETTLE_MS);
      }
    } while (Date.now() - t0 < SOAK_MS);
  } catch (err) {
    const logs = cluster.members.map((m) => `--- ${m.name}\n${m.stderr().slice(-3000)}`).join('\n');
    throw new Error(`${(err as Error).message}\nfaults:\n${events.join('\n')}\n${logs}`);
  } finally {
    stopped = true;
    await Promise.all(clients);
  }

  // every member back and agreeing on a leader; then the final contents, as reads in the history
  await cluster.leader();
  const callFinal = now();
  const final = await readAll(keep);
  const retFinal = now();
  for (const key of keys) {
    history.push({ client: -1, input: { kind: 'get', key }, call: callFinal, ret: retFinal, output: { kind: 'get', value: final.values.get(key) ?? null } });
  }
  const acked = history.filter((o) => o.output !== undefined && o.input.kind !== 'get').length;
  const unknown = history.filter((o) => o.output === undefined).length;
  const summary = `${history.length} operations (${acked} acknowledged writes, ${unknown} unknown outcomes), revisions ${start.revision + 1}..${final.revision}; faults:\n${events.join('\n')}`;
  for (const line of summary.split('\n')) t.diagnostic(line);
  assert.ok(acked > 100, `the workload made progress: ${summary}`);

  const checkStart = Date.now();
  const verdict = checkHistory(history);
  t.diagnostic(`linearizability check took ${Date.now() - checkStart} ms`);
  assert.equal(verdict.linearizable, true, `${JSON.stringify(verdict.linearizable)}: ${'explanation' in verdict ? verdict.explanation : `search budget ran out on ${verdict.linearizable === 'unknown' ? verdict.key : ''}`}\n${summary}`);
  assert.deepEqual(lostWrites(history, final.values), [], summary);

  assert.ok(await watch.waitFor(final.revision, WATCH_CATCH_UP_MS), `the watch reached revision ${final.revision}: last ${watch.events.at(-1)?.revision}; ${watch.problems.join('; ')}`);
  assert.deepEqual(watch.problems, []);
  assert.deepEqual(watchProblems(watch.events, start.revision + 1, final.revision, final.values), []);
  // every acknowledged put was delivered by the watch
  const delivered = new Set(watch.events.map((e) => `${e.key}\u0000${e.value}`));
  const missing = history.filter(
    (o) => (o.input.kind === 'put' || (o.input.kind === 'cas' && o.output?.kind === 'cas' && o.output.succeeded)) && o.output !== undefined && !delivered.has(`${o.input.key}\u0000${o.input.value}`),
  );
  assert.deepEqual(missing.map((o) => `${o.input.key}=${o.input.kind !== 'get' && o.input.kind !== 'delete' ? o.input.value : ''}`), []);
});
