import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchableStore } from '../../src/mvcc/index.js';
import { Event_EventType, type Event } from '../../src/proto/mvcc/mvccpb/kv.js';
import { b, openEnv } from './helpers.js';

interface Call {
  rev: number;
  events: string[];
}

/** Events as "PUT a=1@2" / "DELETE a@3", prev_kv as "(prev 1)". */
function show(ev: Event): string {
  const kv = ev.kv!;
  const prev = ev.prev_kv ? ` (prev ${ev.prev_kv.value.toString()})` : '';
  return ev.type === Event_EventType.PUT
    ? `PUT ${kv.key}=${kv.value}@${kv.mod_revision}${prev}`
    : `DELETE ${kv.key}@${kv.mod_revision}${prev}`;
}

function recorder() {
  const calls: Call[] = [];
  return { calls, cb: (events: Event[], rev: number) => calls.push({ rev, events: events.map(show) }) };
}

/** Waits until cond() holds, polling a bounded number of turns. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), 'condition not reached in time');
}

test('synced watchers get one call per write transaction, filtered by key range', async () => {
  const env = openEnv();
  const ws = new WatchableStore(env.kv);
  try {
    const single = recorder();
    const prefix = recorder();
    const fromKey = recorder();
    ws.watch({ key: b('a') }, single.cb);
    ws.watch({ key: b('a'), end: b('b') }, prefix.cb);
    ws.watch({ key: b('b'), end: Buffer.from([0]) }, fromKey.cb);
    env.kv.write(1, (t) => {
      t.put(b('a'), b('1'), 0n);
      t.put(b('ab'), b('1'), 0n);
      t.put(b('c'), b('1'), 0n);
    });
    env.kv.write(2, (t) => t.deleteRange(b('a'), b('b')));
    env.kv.write(3, (t) => t.range(b('a'), undefined)); // no changes, no notification
    assert.deepEqual(single.calls, [
      { rev: 2, events: ['PUT a=1@2'] },
      { rev: 3, events: ['DELETE a@3'] },
    ]);
    assert.deepEqual(prefix.calls, [
      { rev: 2, events: ['PUT a=1@2', 'PUT ab=1@2'] },
      { rev: 3, events: ['DELETE a@3', 'DELETE ab@3'] },
    ]);
    assert.deepEqual(fromKey.calls, [{ rev: 2, events: ['PUT c=1@2'] }]);
  } finally {
    ws.close();
    await env.cleanup();
  }
});

test('filters and prev_kv; cancel stops delivery', async () => {
  const env = openEnv();
  const ws = new WatchableStore(env.kv);
  try {
    const noPut = recorder();
    const noDelete = recorder();
    ws.watch({ key: b('k'), filters: { noPut: true }, prevKv: true }, noPut.cb);
    const w = ws.watch({ key: b('k'), filters: { noDelete: true }, prevKv: true }, noDelete.cb);
    env.kv.write(1, (t) => t.put(b('k'), b('1'), 0n));
    env.kv.write(2, (t) => t.put(b('k'), b('2'), 0n));
    env.kv.write(3, (t) => t.deleteRange(b('k'), undefined));
    w.cancel();
    env.kv.write(4, (t) => t.put(b('k'), b('3'), 0n));
    assert.deepEqual(noPut.calls, [{ rev: 4, events: ['DELETE k@4 (prev 2)'] }]);
    assert.deepEqual(noDelete.calls, [
      { rev: 2, events: ['PUT k=1@2'] },
      { rev: 3, events: ['PUT k=2@3 (prev 1)'] },
    ]);
  } finally {
    ws.close();
    await env.cleanup();
  }
});

test('a watcher from the past catches up from history in whole-revision batches, then follows live', async () => {
  const env = openEnv();
  const ws = new WatchableStore(env.kv, { syncBatchEntries: 2 });
  try {
    env.kv.write(1, (t) => t.put(b('a'), b('1'), 0n)); // 2
    env.kv.write(2, (t) => {
      t.put(b('a'), b('2'), 0n);
      t.put(b('a2'), b('2'), 0n);
      t.put(b('z'), b('2'), 0n);
    }); // 3
    env.kv.write(3, (t) => t.deleteRange(b('a2'), undefined)); // 4
    env.kv.write(4, (t) => t.put(b('a'), b('5'), 0n)); // 5
    const rec = recorder();
    const w = ws.watch({ key: b('a'), end: b('b'), startRev: 3, prevKv: true }, rec.cb);
    assert.equal(rec.calls.length, 0, 'nothing is delivered synchronously');
    assert.equal(w.isSynced(), false);
    await until(() => w.isSynced());
    env.kv.write(5, (t) => t.put(b('a'), b('6'), 0n)); // 6
    const events = rec.calls.flatMap((c) => c.events);
    assert.deepEqual(events, [
      'PUT a=2@3 (prev 1)',
      'PUT a2=2@3',
      'DELETE a2@4 (prev 2)',
      'PUT a=5@5 (prev 2)',
      'PUT a=6@6 (prev 5)',
    ]);
    // the batch limit of 2 entries split the history, but never inside revision 3
    assert.ok(rec.calls.length >= 3);
    assert.deepEqual(rec.calls[0]!.events, ['PUT a=2@3 (prev 1)', 'PUT a2=2@3']);
    assert.equal(rec.calls.at(-1)!.rev, 6);
  } finally {
    ws.close();
    await env.cleanup();
  }
});

test('a future start revision waits for it; a compacted one is reported and dropped', async () => {
  const env = openEnv({ compactionPauseMs: 0 });
  const ws = new WatchableStore(env.kv);
  try {
    for (let i = 0; i < 4; i++) env.kv.write(i + 1, (t) => t.put(b('k'), b(String(i)), 0n)); // revs 2..5
    const future = recorder();
    ws.watch({ key: b('k'), startRev: 7 }, future.cb);
    env.kv.write(5, (t) => t.put(b('k'), b('x'), 0n)); // 6
    env.kv.write(6, (t) => t.put(b('k'), b('y'), 0n)); // 7
    assert.deepEqual(future.calls, [{ rev: 7, events: ['PUT k=y@7'] }]);

    await env.kv.compact(5);
    const compacted: number[] = [];
    const rec = recorder();
    ws.watch({ key: b('k'), startRev: 3 }, rec.cb, (rev) => compacted.push(rev));
    const atCompact = recorder();
    const ok = ws.watch({ key: b('k'), startRev: 5 }, atCompact.cb, () => assert.fail('not compacted'));
    await until(() => compacted.length === 1 && ok.isSynced());
    assert.deepEqual(compacted, [5]);
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(atCompact.calls.flatMap((c) => c.events), ['PUT k=3@5', 'PUT k=x@6', 'PUT k=y@7']);
    assert.equal(ws.progress(), 7);
    assert.equal(ws.unsyncedCount(), 0);
  } finally {
    ws.close();
    await env.cleanup();
  }
});
