import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCompactor, type CompactorTarget } from '../../src/server/compactor.js';
import { silentLogger } from '../../src/server/logger.js';
import { sleep } from '../helpers/index.js';

function fakeTarget(leader = true): CompactorTarget & { rev: number; compacted: number[] } {
  const t = {
    rev: 1,
    compacted: [] as number[],
    currentRevision: () => t.rev,
    isLeader: () => leader,
    compact: async (r: number) => {
      if (t.compacted.length > 0 && r <= t.compacted[t.compacted.length - 1]!) throw new Error('etcdserver: mvcc: required revision has been compacted');
      t.compacted.push(r);
    },
  };
  return t;
}

test('revision mode compacts to current − retention once it moved', async () => {
  const t = fakeTarget();
  t.rev = 5;
  const c = startCompactor('revision', 10, t, silentLogger(), 20)!;
  try {
    await sleep(80);
    assert.deepEqual(t.compacted, [], 'nothing to compact below the retention');
    t.rev = 30;
    for (let i = 0; i < 50 && t.compacted.length === 0; i++) await sleep(20);
    assert.deepEqual(t.compacted, [20]);
    await sleep(80);
    assert.deepEqual(t.compacted, [20], 'not again at the same revision');
  } finally {
    c.stop();
  }
});

test('periodic mode compacts to the revision of one period ago, and only on the leader', async () => {
  const t = fakeTarget();
  const c = startCompactor('periodic', 300, t, silentLogger())!;
  const follower = fakeTarget(false);
  const f = startCompactor('periodic', 300, follower, silentLogger())!;
  try {
    const timer = setInterval(() => t.rev++, 10);
    for (let i = 0; i < 100 && t.compacted.length === 0; i++) await sleep(20);
    clearInterval(timer);
    assert.equal(t.compacted.length >= 1, true, 'a compaction happened after one period');
    assert.ok(t.compacted[0]! < t.rev, 'to an older revision than the current one');
    assert.deepEqual(follower.compacted, []);
  } finally {
    c.stop();
    f.stop();
  }
});

test('no retention, no compactor', () => {
  assert.equal(startCompactor('periodic', 0, fakeTarget(), silentLogger()), undefined);
});
