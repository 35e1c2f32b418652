import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable, makeEntry, MemoryStorage } from '../../src/raft/index.js';

const is = (expected: Error) => (err: unknown) => err === expected;

/** Storage holding entries 3..5 (terms 3, 4, 5) after a compaction at 3, as etcd's storage tests. */
function storage345(): MemoryStorage {
  const s = new MemoryStorage();
  s.append([1, 2, 3, 4, 5].map((i) => makeEntry({ index: i, term: i })));
  s.compact(3);
  return s;
}

test('term: compacted, available and unavailable indexes', () => {
  const s = storage345();
  assert.throws(() => s.term(2), is(ErrCompacted));
  assert.equal(s.term(3), 3);
  assert.equal(s.term(5), 5);
  assert.throws(() => s.term(6), is(ErrUnavailable));
});

test('entries: bounds and size limit (always at least one entry)', () => {
  const s = storage345();
  assert.throws(() => s.entries(3, 4, Infinity), is(ErrCompacted));
  assert.deepEqual(s.entries(4, 6, Infinity).map((e) => e.index), [4, 5]);
  assert.deepEqual(s.entries(4, 6, 0).map((e) => e.index), [4]);
  assert.deepEqual(s.entries(4, 6, 13).map((e) => e.index), [4, 5]);
  assert.deepEqual(s.entries(4, 6, 11).map((e) => e.index), [4]);
  assert.throws(() => s.entries(4, 7, Infinity), RangeError);
});

test('first and last index follow compaction', () => {
  const s = storage345();
  assert.equal(s.firstIndex(), 4);
  assert.equal(s.lastIndex(), 5);
  s.compact(4);
  assert.equal(s.firstIndex(), 5);
  assert.throws(() => s.compact(4), is(ErrCompacted));
  assert.throws(() => s.compact(9), RangeError);
});

test('append: overlapping, truncating, ignoring compacted, refusing gaps', () => {
  const cases: [number[][], string[] | 'gap'][] = [
    [[[3, 3], [4, 4], [5, 5]], ['3@3', '4@4', '5@5']],
    [[[3, 3], [4, 6], [5, 6]], ['3@3', '4@6', '5@6']],
    [[[3, 3], [4, 4], [5, 5], [6, 5]], ['3@3', '4@4', '5@5', '6@5']],
    [[[2, 3], [3, 3], [4, 5]], ['3@3', '4@5']], // the compacted part is ignored
    [[[4, 5]], ['3@3', '4@5']], // truncates the tail
    [[[6, 5]], ['3@3', '4@4', '5@5', '6@5']],
    [[[7, 5]], 'gap'],
  ];
  for (const [ents, want] of cases) {
    const s = storage345();
    const entries = ents.map(([index, term]) => makeEntry({ index: index!, term: term! }));
    if (want === 'gap') {
      assert.throws(() => s.append(entries), /missing log entry/);
      continue;
    }
    s.append(entries);
    const dummy = `${s.firstIndex() - 1}@${s.term(s.firstIndex() - 1)}`;
    assert.deepEqual([dummy, ...s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity).map((e) => `${e.index}@${e.term}`)], want);
  }
});

test('createSnapshot and applySnapshot refuse stale snapshots', () => {
  const s = storage345();
  const cs = { voters: [1n, 2n, 3n], learners: [] };
  const snap = s.createSnapshot(4, cs, Buffer.from('data'));
  assert.deepEqual(snap.metadata, { index: 4, term: 4, confState: cs });
  assert.throws(() => s.createSnapshot(4, cs, Buffer.alloc(0)), is(ErrSnapOutOfDate));
  assert.deepEqual(s.initialState().confState, cs);

  const t = new MemoryStorage();
  t.applySnapshot({ data: Buffer.alloc(0), metadata: { index: 4, term: 4, confState: cs } });
  assert.equal(t.firstIndex(), 5);
  assert.equal(t.lastIndex(), 4);
  assert.equal(t.term(4), 4);
  assert.throws(() => t.applySnapshot({ data: Buffer.alloc(0), metadata: { index: 3, term: 3, confState: cs } }), is(ErrSnapOutOfDate));
});
