import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfChangeType, decodeConfChange, EntryType, StateType, type ConfChange } from '../../src/raft/index.js';
import { Network } from './network.js';

const ids3 = [1n, 2n, 3n];

function cc(type: ConfChangeType, nodeId: bigint): ConfChange {
  return { type, nodeId, context: Buffer.from(`member-${nodeId}`), id: nodeId * 100n };
}

function proposeChange(net: Network, leader: bigint, change: ConfChange): void {
  net.get(leader).node.proposeConfChange(change);
  net.stabilize();
}

function state(net: Network, id: bigint) {
  return net.get(id).node.status();
}

test('add a voter: the new node catches up from an empty log and counts in the quorum', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  net.propose(1n, 'a');
  net.addNode(4n);
  proposeChange(net, 1n, cc(ConfChangeType.AddNode, 4n));
  net.tickAll(2);
  for (const id of [1n, 2n, 3n, 4n]) {
    assert.deepEqual(state(net, id).confState, { voters: [1n, 2n, 3n, 4n], learners: [] });
    assert.deepEqual(net.appliedData(id), ['a']);
  }
  // With 4 voters a quorum is 3: the leader plus one follower is not enough.
  net.isolate(3n);
  net.isolate(4n);
  net.propose(1n, 'b');
  assert.ok(!net.appliedData(1n).includes('b'));
  net.heal();
  net.tickAll(2);
  assert.deepEqual(net.appliedData(4n), ['a', 'b']);
});

test('the applied conf change carries its context and id through the log', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  net.addNode(4n);
  proposeChange(net, 1n, cc(ConfChangeType.AddNode, 4n));
  const entry = net.get(2n).applied.find((e) => e.type === EntryType.ConfChange && decodeConfChange(e.data).nodeId === 4n);
  assert.ok(entry);
  assert.deepEqual(decodeConfChange(entry.data), cc(ConfChangeType.AddNode, 4n));
});

test('remove a voter: the quorum shrinks and the cluster commits without it', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  proposeChange(net, 1n, cc(ConfChangeType.RemoveNode, 3n));
  assert.deepEqual(state(net, 1n).confState, { voters: [1n, 2n], learners: [] });
  net.isolate(3n);
  net.propose(1n, 'after-removal');
  assert.deepEqual(net.appliedData(2n), ['after-removal']);
  assert.equal(state(net, 1n).progress?.has(3n), false);
});

test('a learner replicates but does not vote, campaign, or count in the quorum; it can be promoted', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  net.addNode(4n);
  proposeChange(net, 1n, cc(ConfChangeType.AddLearnerNode, 4n));
  net.tickAll(2);
  assert.deepEqual(state(net, 1n).confState, { voters: [1n, 2n, 3n], learners: [4n] });
  assert.deepEqual(state(net, 4n).confState, { voters: [1n, 2n, 3n], learners: [4n] });
  assert.equal(state(net, 1n).progress?.get(4n)?.isLearner, true);

  net.get(4n).node.campaign();
  net.stabilize();
  assert.equal(state(net, 4n).raftState, StateType.Follower);

  net.isolate(2n);
  net.isolate(3n);
  net.propose(1n, 'x');
  assert.ok(net.logOf(4n).length > 0);
  assert.deepEqual(net.appliedData(4n), [], 'leader + learner is no quorum');
  net.heal();
  net.tickAll(2);
  assert.deepEqual(net.appliedData(4n), ['x']);

  proposeChange(net, 1n, cc(ConfChangeType.AddNode, 4n));
  assert.deepEqual(state(net, 4n).confState, { voters: [1n, 2n, 3n, 4n], learners: [] });
  net.get(4n).node.transferLeader(4n); // a follower forwards the request to the leader
  net.stabilize();
  assert.equal(state(net, 4n).raftState, StateType.Leader);
});

test('one change at a time: a second change proposed before the first is applied becomes a no-op', () => {
  const net = new Network(ids3);
  net.campaign(1n);
  const leader = net.get(1n).node;
  leader.proposeConfChange(cc(ConfChangeType.RemoveNode, 3n));
  leader.proposeConfChange(cc(ConfChangeType.RemoveNode, 2n));
  net.stabilize();
  assert.deepEqual(state(net, 1n).confState, { voters: [1n, 2n], learners: [] });
  // Once applied, the next change is accepted.
  proposeChange(net, 1n, cc(ConfChangeType.AddLearnerNode, 3n));
  assert.deepEqual(state(net, 1n).confState, { voters: [1n, 2n], learners: [3n] });
});

test('removing the last voter is refused', () => {
  const net = new Network([1n]);
  net.campaign(1n);
  assert.throws(() => net.get(1n).node.applyConfChange(cc(ConfChangeType.RemoveNode, 1n)), /removed all voters/);
});
