// The shared frame of the fault tests: a watch and recording clients around a scenario, then
// the checks — the history is linearizable, no acknowledged write is lost, and the watch opened
// at the start on a member the scenario never hurts delivered every revision once, in order.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { KVClient, RangeRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, prefixEnd, unary } from '../../helpers/index.js';
import { checkHistory, lostWrites, type Operation } from '../lincheck/index.js';
import { CHANNEL_OPTIONS, type ClusterMember, type ProcessCluster } from './cluster.js';
import { WatchRecorder, watchProblems } from './watch.js';
import { now, runClient, workloadKeys } from './workload.js';

const PREFIX = 'lin/';
const KEY_COUNT = 12;
const CLIENTS_PER_MEMBER = 2;
const WATCH_CATCH_UP_MS = 15_000;
const FINAL_READ_TIMEOUT_MS = 10_000;
/** Fewer acknowledged writes than this means the cluster was mostly unavailable: a failure too. */
const MIN_ACKED_WRITES = 100;

/** The store's contents under PREFIX and its revision, read linearizably from member m. */
async function readAll(m: ClusterMember): Promise<{ values: Map<string, string>; revision: number }> {
  const kv = new KVClient(m.endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const r = await unary(kv, kv.range, RangeRequest.fromPartial({ key: b(PREFIX), range_end: prefixEnd(PREFIX) }), FINAL_READ_TIMEOUT_MS);
    return { values: new Map(r.kvs.map((x) => [x.key.toString('utf8'), x.value.toString('utf8')])), revision: Number(r.header!.revision) };
  } finally {
    kv.close();
  }
}

/**
 * Run `scenario` while CLIENTS_PER_MEMBER clients per initial member record a history and a
 * watch on `keep` records events, then check all three properties. `log` lines (the faults as
 * they happened) go into every failure message.
 */
export async function underLoad(
  t: TestContext,
  cluster: ProcessCluster,
  keep: ClusterMember,
  scenario: (log: (s: string) => void) => Promise<void>,
): Promise<void> {
  const events: string[] = [];
  const t0 = Date.now();
  const log = (s: string) => events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`);
  const start = await readAll(keep);
  const watch = await WatchRecorder.open(keep.endpoint, PREFIX, start.revision + 1);
  t.after(() => watch.close());

  const history: Operation[] = [];
  let stopped = false;
  const keys = workloadKeys(PREFIX, KEY_COUNT);
  const clients = cluster.members.flatMap((m, i) =>
    Array.from({ length: CLIENTS_PER_MEMBER }, (_, j) =>
      runClient({ id: i * CLIENTS_PER_MEMBER + j, endpoint: m.endpoint, keys, history, stopped: () => stopped }),
    ),
  );
  try {
    await scenario(log);
  } catch (err) {
    const logs = cluster.members.map((m) => `--- ${m.name}\n${m.stderr().slice(-3000)}`).join('\n');
    throw new Error(`${(err as Error).message}\nfaults:\n${events.join('\n')}\n${logs}`);
  } finally {
    stopped = true;
    await Promise.all(clients);
  }

  // the final contents, as reads at the end of the history
  await cluster.leader();
  const call = now();
  const final = await readAll(keep);
  const ret = now();
  for (const key of keys) history.push({ client: -1, input: { kind: 'get', key }, call, ret, output: { kind: 'get', value: final.values.get(key) ?? null } });

  const acked = history.filter((o) => o.output !== undefined && o.input.kind !== 'get').length;
  const unknown = history.filter((o) => o.output === undefined).length;
  const summary = [
    `${history.length} operations (${acked} acknowledged writes, ${unknown} unknown outcomes), revisions ${start.revision + 1}..${final.revision}; faults:`,
    ...events,
  ].join('\n');
  for (const line of summary.split('\n')) t.diagnostic(line);
  assert.ok(acked > MIN_ACKED_WRITES, `the workload made progress\n${summary}`);

  const checkStart = Date.now();
  const verdict = checkHistory(history);
  t.diagnostic(`linearizability check took ${Date.now() - checkStart} ms`);
  if (verdict.linearizable === false) assert.fail(`not linearizable: ${verdict.explanation}\n${summary}`);
  if (verdict.linearizable === 'unknown') assert.fail(`linearizability undecided: search budget ran out on ${verdict.key}\n${summary}`);
  assert.deepEqual(lostWrites(history, final.values), [], `lost acknowledged writes\n${summary}`);

  const caughtUp = await watch.waitFor(final.revision, WATCH_CATCH_UP_MS);
  assert.ok(caughtUp, `the watch reached revision ${final.revision}: last ${watch.events.at(-1)?.revision}; ${watch.problems.join('; ')}`);
  assert.deepEqual(watch.problems, []);
  assert.deepEqual(watchProblems(watch.events, start.revision + 1, final.revision, final.values), [], summary);
  const delivered = new Set(watch.events.map((e) => `${e.key}=${e.value}`));
  const undelivered: string[] = [];
  for (const o of history) {
    const i = o.input;
    const ackedPut = (i.kind === 'put' && o.output !== undefined) || (i.kind === 'cas' && o.output?.kind === 'cas' && o.output.succeeded);
    if (ackedPut && (i.kind === 'put' || i.kind === 'cas') && !delivered.has(`${i.key}=${i.value}`)) undelivered.push(`${i.key}=${i.value}`);
  }
  assert.deepEqual(undelivered, [], 'every acknowledged put is delivered by the watch');
}
