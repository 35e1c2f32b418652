import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inflights } from '../../src/raft/inflights.js';
import { Progress, ProgressState } from '../../src/raft/progress.js';
import { ProgressTracker, VoteResult } from '../../src/raft/tracker.js';

test('inflights: bounded window, freed by acknowledgement', () => {
  const inf = new Inflights(3);
  inf.add(5);
  inf.add(7);
  inf.add(9);
  assert.equal(inf.full(), true);
  assert.throws(() => inf.add(10));
  inf.freeLE(7);
  assert.equal(inf.count(), 1);
  inf.freeFirstOne();
  assert.equal(inf.count(), 0);
});

test('progress: probe sends one message at a time; replicate is paused only by a full window; snapshot always pauses', () => {
  const pr = new Progress(5, 2, false);
  assert.equal(pr.isPaused(), false);
  pr.probeSent = true;
  assert.equal(pr.isPaused(), true);
  assert.equal(pr.maybeUpdate(4), true);
  assert.equal(pr.isPaused(), false, 'an ack un-pauses a probe');
  pr.becomeReplicate();
  assert.equal(pr.next, 5);
  pr.inflights.add(6);
  pr.inflights.add(7);
  assert.equal(pr.isPaused(), true);
  pr.becomeSnapshot(10);
  assert.equal(pr.state, ProgressState.Snapshot);
  assert.equal(pr.isPaused(), true);
  pr.becomeProbe();
  assert.equal(pr.next, 11, 'after a snapshot, probe from past it');
});

test('progress: maybeDecrTo ignores stale rejections and uses the hint', () => {
  const probe = new Progress(10, 4, false);
  assert.equal(probe.maybeDecrTo(5, 3), false, 'not the index we probed');
  assert.equal(probe.maybeDecrTo(9, 3), true);
  assert.equal(probe.next, 4);
  const repl = new Progress(10, 4, false);
  repl.match = 6;
  repl.becomeReplicate();
  repl.optimisticUpdate(12);
  assert.equal(repl.maybeDecrTo(5, 5), false, 'at or below match: stale');
  assert.equal(repl.maybeDecrTo(9, 2), true);
  assert.equal(repl.next, 7, 'replicate falls back to match+1');
});

test('tracker: commit index is the quorum match; votes tally per voter only', () => {
  const t = new ProgressTracker(4);
  for (const [id, match] of [[1n, 5], [2n, 3], [3n, 9], [4n, 1], [5n, 7]] as const) {
    t.voters.add(id);
    const pr = new Progress(1, 4, false);
    pr.match = match;
    t.progress.set(id, pr);
  }
  assert.equal(t.committed(), 5);
  const learner = new Progress(1, 4, true);
  learner.match = 100;
  t.learners.add(6n);
  t.progress.set(6n, learner);
  assert.equal(t.committed(), 5, 'learners do not count');

  t.recordVote(1n, true);
  t.recordVote(6n, true);
  t.recordVote(2n, true);
  assert.equal(t.tallyVotes().result, VoteResult.Pending);
  t.recordVote(3n, false);
  t.recordVote(4n, false);
  assert.equal(t.tallyVotes().result, VoteResult.Pending);
  t.recordVote(2n, false); // a second answer does not change the first
  t.recordVote(5n, false);
  assert.deepEqual(t.tallyVotes(), { granted: 2, rejected: 3, result: VoteResult.Lost });
});
