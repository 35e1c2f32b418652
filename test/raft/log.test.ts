import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RaftLog } from '../../src/raft/log.js';
import { makeEntry, MemoryStorage } from '../../src/raft/index.js';

/** A log whose entries 1..n have the given terms, all stable. */
function logWith(terms: number[]): RaftLog {
  const s = new MemoryStorage();
  s.append(terms.map((term, i) => makeEntry({ index: i + 1, term })));
  return new RaftLog(s);
}

const ents = (from: number, terms: number[]) => terms.map((term, i) => makeEntry({ index: from + i, term }));

test('findConflict: the first new or mismatching entry', () => {
  const log = logWith([1, 2, 3]);
  const cases: [number, number[], number][] = [
    [1, [], 0],
    [1, [1, 2, 3], 0],
    [2, [2, 3], 0],
    [1, [1, 2, 3, 4, 4], 4],
    [3, [3, 4, 4], 4],
    [1, [4, 4], 1],
    [2, [1, 4, 4], 2],
    [3, [1, 2, 4, 4], 3],
  ];
  for (const [from, terms, want] of cases) assert.equal(log.findConflict(ents(from, terms)), want, `${from} ${terms}`);
});

test('maybeAppend: matches, truncates conflicts, never touches committed entries', () => {
  const log = logWith([1, 2, 3]);
  assert.equal(log.maybeAppend(3, 2, 3, []), undefined, 'mismatching previous term');
  assert.equal(log.maybeAppend(4, 3, 3, []), undefined, 'previous index beyond the log');
  assert.equal(log.maybeAppend(3, 3, 3, ents(4, [4])), 4);
  assert.equal(log.committed, 3);
  const capped = logWith([1, 2, 3]);
  assert.equal(capped.maybeAppend(3, 3, 9, ents(4, [4])), 4);
  assert.equal(capped.committed, 4, 'commit is capped at the last new entry');
  const l2 = logWith([1, 2, 3]);
  assert.equal(l2.maybeAppend(1, 1, 1, ents(2, [4])), 2);
  assert.equal(l2.lastIndex(), 2, 'the conflicting suffix is gone');
  assert.equal(l2.term(2), 4);
  const l3 = logWith([1, 2, 3]);
  l3.commitTo(2);
  assert.throws(() => l3.maybeAppend(1, 1, 2, ents(2, [5])), /conflict with committed/);
});

test('isUpToDate: the election restriction compares last term, then last index', () => {
  const log = logWith([1, 2, 3]);
  assert.equal(log.isUpToDate(2, 4), true);
  assert.equal(log.isUpToDate(3, 3), true);
  assert.equal(log.isUpToDate(4, 3), true);
  assert.equal(log.isUpToDate(2, 3), false);
  assert.equal(log.isUpToDate(9, 2), false);
});

test('maybeCommit: only an entry of the given term commits', () => {
  const log = logWith([1, 1, 2]);
  assert.equal(log.maybeCommit(2, 2), false);
  assert.equal(log.committed, 0);
  assert.equal(log.maybeCommit(3, 2), true);
  assert.equal(log.committed, 3);
  assert.equal(log.maybeCommit(2, 1), false, 'commit never goes back');
});

test('findConflictByTerm: the last index whose term is ≤ the given term', () => {
  const log = logWith([1, 1, 3, 3, 5, 5]);
  assert.equal(log.findConflictByTerm(6, 4), 4);
  assert.equal(log.findConflictByTerm(6, 5), 6);
  assert.equal(log.findConflictByTerm(6, 2), 2);
  assert.equal(log.findConflictByTerm(6, 0), 0);
  assert.equal(log.findConflictByTerm(9, 1), 9, 'beyond the log: unchanged');
});

test('unstable entries become stable only with a matching term; nextEnts covers committed unapplied entries', () => {
  const log = logWith([1]);
  log.append(ents(2, [2, 2]));
  assert.deepEqual(log.unstableEntries().map((e) => e.index), [2, 3]);
  log.stableTo(3, 1); // stale: term mismatch
  assert.equal(log.unstableEntries().length, 2);
  (log.storage as MemoryStorage).append(log.unstableEntries().slice(0, 1));
  log.stableTo(2, 2);
  assert.deepEqual(log.unstableEntries().map((e) => e.index), [3]);
  log.commitTo(3);
  assert.deepEqual(log.nextEnts().map((e) => e.index), [1, 2, 3]);
  log.appliedTo(2);
  assert.deepEqual(log.nextEnts().map((e) => e.index), [3]);
  assert.throws(() => log.appliedTo(4), /out of range/);
});
