import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compact,
  decodeKeyIndex,
  encodeKeyIndex,
  get,
  keep,
  newKeyIndex,
  put,
  tombstone,
  type KeyIndex,
} from '../../src/mvcc/key-index.js';

const r = (main: number, sub = 0) => ({ main, sub });

/** etcd's key_index_test fixture: put 2,4,6(t) / 8,10,12(t) / 14,14.1,16(t) / empty. */
function fixture(): KeyIndex {
  const ki = newKeyIndex();
  put(ki, r(2));
  put(ki, r(4));
  tombstone(ki, r(6));
  put(ki, r(8));
  put(ki, r(10));
  tombstone(ki, r(12));
  put(ki, r(14));
  put(ki, r(14, 1));
  tombstone(ki, r(16));
  return ki;
}

test('get follows generations and tombstones (etcd TestKeyIndexGet)', () => {
  const ki = fixture();
  compact(ki, 4);
  const cases: Array<[number, [number, number] | undefined, number?, number?]> = [
    [17, undefined],
    [16, undefined],
    [15, [14, 1], 14, 2],
    [14, [14, 1], 14, 2],
    [13, undefined],
    [12, undefined],
    [11, [10, 0], 8, 2],
    [10, [10, 0], 8, 2],
    [9, [8, 0], 8, 1],
    [8, [8, 0], 8, 1],
    [7, undefined],
    [6, undefined],
    [5, [4, 0], 2, 2],
    [4, [4, 0], 2, 2],
  ];
  for (const [at, mod, created, ver] of cases) {
    const g = get(ki, at);
    if (!mod) {
      assert.equal(g, undefined, `at ${at}`);
      continue;
    }
    assert.deepEqual(g, { modified: r(mod[0], mod[1]), created: r(created!), ver }, `at ${at}`);
  }
});

test('tombstone of a dead key fails; put after tombstone starts a new generation', () => {
  const ki = newKeyIndex();
  put(ki, r(5));
  assert.equal(tombstone(ki, r(7)), true);
  assert.equal(tombstone(ki, r(8)), false);
  put(ki, r(9));
  assert.deepEqual(get(ki, 9), { modified: r(9), created: r(9), ver: 1 });
  assert.throws(() => put(ki, r(9)), /not after/);
});

test('compact keeps the newest revision <= rev of the surviving generation (etcd TestKeyIndexCompactAndKeep)', () => {
  const cases: Array<[number, string[], number]> = [
    // [compact at, kept revisions, number of generations left]
    [1, [], 4],
    [2, ['2.0'], 4],
    [3, ['2.0'], 4],
    [4, ['4.0'], 4],
    [5, ['4.0'], 4],
    [6, [], 3],
    [7, [], 3],
    [8, ['8.0'], 3],
    [11, ['10.0'], 3],
    [12, [], 2],
    [14, ['14.1'], 2],
    [15, ['14.1'], 2],
    [16, [], 1],
    [17, [], 1],
  ];
  for (const [at, kept, gens] of cases) {
    const ki = fixture();
    const keptByKeep = keep(ki, at).map((x) => `${x.main}.${x.sub}`);
    const available = compact(ki, at).map((x) => `${x.main}.${x.sub}`);
    assert.deepEqual(available, kept, `compact at ${at}`);
    assert.deepEqual(keptByKeep, kept, `keep at ${at}`);
    assert.equal(ki.generations.length, gens, `generations after compact at ${at}`);
    // compacting again at the same revision keeps the same (batches rely on it)
    assert.deepEqual(compact(ki, at).map((x) => `${x.main}.${x.sub}`), kept, `recompact at ${at}`);
  }
});

test('encoding round-trips, including large revisions', () => {
  const ki = fixture();
  put(ki, r(2 ** 40, 3));
  assert.deepEqual(decodeKeyIndex(encodeKeyIndex(ki)), ki);
  assert.throws(() => decodeKeyIndex(Buffer.concat([encodeKeyIndex(ki), Buffer.from([0])])), /corrupt/);
});
