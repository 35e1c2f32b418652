import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType, ProgressState } from '../../src/raft/index.js';
import { Network } from './network.js';

const ids3 = [1n, 2n, 3n];

/** What a server does after applying: snapshot the state machine at `applied` and drop older log entries. */
function snapshotAndCompact(net: Network, id: bigint, data: string): number {
  const n = net.get(id);
  const st = n.node.status();
  n.storage.createSnapshot(st.applied, st.confState, Buffer.from(data));
  n.storage.compact(st.applied);
  return st.applied;
}

test('a follower that needs compacted entries is sent the snapshot, then the rest of the log', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  net.isolate(3n);
  for (let i = 0; i < 10; i++) net.propose(1n, `v${i}`);
  const snapIndex = snapshotAndCompact(net, 1n, 'state-at-snapshot');
  net.propose(1n, 'after-snapshot');
  net.heal();

  net.tickAll(3);
  assert.equal(net.delivered.get(MessageType.MsgSnap), 1, 'the leader sent one MsgSnap');
  const follower = net.get(3n);
  assert.equal(follower.storage.snapshot().metadata.index, snapIndex);
  assert.deepEqual(follower.storage.snapshot().data, Buffer.from('state-at-snapshot'));
  assert.deepEqual(follower.storage.snapshot().metadata.confState, { voters: ids3, learners: [] });
  assert.deepEqual(net.appliedData(3n).at(-1), 'after-snapshot');
  assert.equal(follower.node.status().commit, net.get(1n).node.status().commit);
  const pr = net.get(1n).node.status().progress!.get(3n)!;
  assert.equal(pr.state, ProgressState.Replicate);
  assert.equal(pr.match, net.get(1n).storage.lastIndex());
  // The logs agree from the snapshot on.
  assert.deepEqual(net.logOf(3n), net.logOf(1n));
});

test('a failed snapshot send is reported and retried', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  net.isolate(3n);
  for (let i = 0; i < 5; i++) net.propose(1n, `v${i}`);
  const snapIndex = snapshotAndCompact(net, 1n, 'snap');
  net.heal();
  net.filter = (m) => m.type !== MessageType.MsgSnap; // the snapshot transfer fails
  net.tickAll(3);
  assert.equal(net.get(1n).node.status().progress!.get(3n)!.state, ProgressState.Snapshot);
  assert.equal(net.delivered.get(MessageType.MsgSnap), undefined);
  net.tickAll(3);
  assert.equal(net.get(1n).node.status().progress!.get(3n)!.state, ProgressState.Snapshot, 'paused until reported');
  net.get(1n).node.reportSnapshot(3n, false);
  assert.equal(net.get(1n).node.status().progress!.get(3n)!.state, ProgressState.Probe);
  net.heal();
  net.tickAll(5);
  assert.equal(net.get(3n).storage.snapshot().metadata.index, snapIndex);
  assert.equal(net.get(3n).node.status().commit, net.get(1n).node.status().commit);
  assert.equal(net.get(1n).node.status().progress!.get(3n)!.state, ProgressState.Replicate);
});

test('reportUnreachable moves a replicating follower back to probing', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  net.propose(1n, 'a');
  assert.equal(net.get(1n).node.status().progress!.get(2n)!.state, ProgressState.Replicate);
  net.get(1n).node.reportUnreachable(2n);
  assert.equal(net.get(1n).node.status().progress!.get(2n)!.state, ProgressState.Probe);
});
