import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrProposalDropped, MessageType, StateType } from '../../src/raft/index.js';
import { Network } from './network.js';

const ids3 = [1n, 2n, 3n];
const ids5 = [1n, 2n, 3n, 4n, 5n];

function state(net: Network, id: bigint) {
  return net.get(id).node.status();
}

describe('leader election', () => {
  for (const size of [3, 5]) {
    test(`${size} nodes: a campaigning node becomes leader and the others follow it`, () => {
      const net = new Network(size === 3 ? ids3 : ids5);
      net.campaign(1n);
      for (const id of net.nodes.keys()) {
        const st = state(net, id);
        assert.equal(st.term, 2);
        assert.equal(st.lead, 1n);
        assert.equal(st.raftState, id === 1n ? StateType.Leader : StateType.Follower);
      }
    });
  }

  test('an election happens by itself after the election timeout', () => {
    const net = new Network(ids3);
    net.tickAll(20);
    const leader = net.leader();
    assert.notEqual(leader, undefined);
    for (const id of ids3) assert.equal(state(net, id).lead, leader);
  });

  test('two simultaneous candidates: at most one leader in the term', () => {
    const net = new Network(ids5);
    net.get(1n).node.campaign();
    net.get(2n).node.campaign();
    net.stabilize();
    const leaders = ids5.filter((id) => state(net, id).raftState === StateType.Leader);
    assert.ok(leaders.length <= 1);
    // Whatever happened, the cluster settles on one leader (the network also asserts one per term).
    net.tickAll(40);
    assert.equal(ids5.filter((id) => state(net, id).raftState === StateType.Leader).length, 1);
  });

  test('a candidate without a quorum (partitioned) does not become leader', () => {
    const net = new Network(ids5);
    net.partition([1n, 2n], [3n, 4n, 5n]);
    net.campaign(1n);
    assert.equal(state(net, 1n).raftState, StateType.Candidate);
  });

  test('election restriction: a node whose log is behind cannot win', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.isolate(3n);
    net.propose(1n, 'a');
    net.propose(1n, 'b');
    net.heal();
    net.get(3n).node.campaign();
    net.stabilize();
    assert.notEqual(state(net, 3n).raftState, StateType.Leader);
    // Its higher term unseated the leader (no pre-vote), but an up-to-date node wins next.
    net.tickAll(40);
    const leader = net.leader();
    assert.ok(leader === 1n || leader === 2n, `leader ${leader}`);
    assert.deepEqual(net.appliedData(3n), ['a', 'b']);
  });
});

describe('log replication', () => {
  test('entries proposed to the leader, or forwarded by a follower, are applied everywhere in order', () => {
    const net = new Network(ids5);
    net.campaign(1n);
    net.propose(1n, 'a');
    net.propose(3n, 'b'); // a follower forwards to the leader
    net.propose(1n, 'c');
    for (const id of ids5) assert.deepEqual(net.appliedData(id), ['a', 'b', 'c']);
    const log = net.logOf(1n);
    for (const id of ids5) assert.deepEqual(net.logOf(id), log);
  });

  test('a follower that was away catches up, and a lossy link is repaired by retries', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.isolate(2n);
    for (const d of ['a', 'b', 'c']) net.propose(1n, d);
    assert.deepEqual(net.appliedData(2n), []);
    net.heal();
    net.tickAll(3); // heartbeats reveal the gap
    assert.deepEqual(net.appliedData(2n), ['a', 'b', 'c']);
  });

  test('a partitioned old leader cannot commit, is replaced, steps down, and its log converges', () => {
    const net = new Network(ids5);
    net.campaign(1n);
    net.propose(1n, 'before');
    net.partition([1n, 2n], [3n, 4n, 5n]);
    net.propose(1n, 'lost'); // only reaches 2: no quorum
    assert.ok(!net.appliedData(1n).includes('lost'));
    net.campaign(3n);
    assert.equal(state(net, 3n).raftState, StateType.Leader);
    assert.ok(state(net, 3n).term > state(net, 1n).term);
    net.propose(3n, 'after');
    assert.equal(state(net, 1n).raftState, StateType.Leader, 'the old leader does not know yet');
    net.heal();
    net.tickAll(3);
    assert.equal(state(net, 1n).raftState, StateType.Follower);
    assert.equal(state(net, 1n).lead, 3n);
    const log = net.logOf(3n);
    for (const id of ids5) {
      assert.deepEqual(net.appliedData(id), ['before', 'after']);
      assert.deepEqual(net.logOf(id), log, `log of ${id}`);
    }
  });

  test('flow control: at most maxInflightMsgs appends are unacknowledged per follower', () => {
    const net = new Network(ids3, { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    net.campaign(1n);
    net.drop(2n, 1n); // acks from 2 are lost
    for (let i = 0; i < 5; i++) net.get(1n).node.propose(Buffer.from(`p${i}`));
    net.readyAll();
    const toTwo = net.pending().filter((m) => m.type === MessageType.MsgApp && m.to === 2n);
    assert.equal(toTwo.length, 2);
    for (const m of toTwo) assert.equal(m.entries[0]?.index, m.index + 1, 'a MsgApp names the entry just before its entries');
    assert.equal(toTwo[1]!.index, toTwo[0]!.index + 1, 'pipelined appends continue where the previous one ended');
    assert.equal(state(net, 1n).progress?.get(2n)?.inflight, 2);
    net.heal();
    net.stabilize();
    net.tickAll(3);
    assert.deepEqual(net.appliedData(2n), ['p0', 'p1', 'p2', 'p3', 'p4']);
  });
});

describe('commitment rules', () => {
  test('Figure 8: a leader counts replicas only for an entry of its own term', () => {
    // One entry per MsgApp, so replication of old and new entries can be observed apart.
    const net = new Network(ids5, { maxSizePerMsg: 1 });
    net.campaign(1n); // term 2
    net.partition([1n, 2n], [3n, 4n, 5n]);
    net.propose(1n, 'old'); // index 7, term 2, only on 1 and 2
    const oldIndex = 7;
    assert.deepEqual(net.logOf(2n).at(-1), `${oldIndex}@2`);

    // 5 wins term 3 with 3 and 4, but its own entry never leaves it.
    const n5 = net.get(5n).node;
    n5.campaign();
    net.deliverOnce(); // votes out
    net.deliverOnce(); // votes back: 5 is leader
    assert.equal(state(net, 5n).raftState, StateType.Leader);
    net.isolate(5n);
    net.stabilize();
    assert.deepEqual(net.logOf(5n).at(-1), `${oldIndex}@3`);

    // 1 comes back and wins term 4; it replicates 'old' to 3 before its own empty entry.
    net.heal();
    net.isolate(5n);
    net.restart(1n); // crashed and back, as in the paper: a follower again
    net.campaign(1n); // term 3: 3 and 4 already voted for 5 in it
    assert.equal(state(net, 1n).raftState, StateType.Candidate);
    net.get(1n).node.campaign(); // term 4
    const term = 4;
    let sawOldOnMajorityUncommitted = false;
    for (let i = 0; i < 100; i++) {
      net.deliverOnce();
      const holders = ids5.filter((id) => net.logOf(id).includes(`${oldIndex}@2`)).length;
      const newHolders = ids5.filter((id) => net.logOf(id).includes(`${oldIndex + 1}@${term}`)).length;
      const commit = state(net, 1n).commit;
      if (commit >= oldIndex) {
        assert.ok(newHolders >= 3, `committed ${commit} with the term-${term} entry on only ${newHolders} nodes`);
      } else if (holders >= 3) {
        sawOldOnMajorityUncommitted = true;
      }
    }
    assert.equal(state(net, 1n).raftState, StateType.Leader);
    assert.equal(state(net, 1n).term, term);
    assert.ok(sawOldOnMajorityUncommitted, 'the old entry was on a majority before it was committed');
    assert.ok(state(net, 1n).commit >= oldIndex + 1);

    // 5's conflicting entry at the same index is overwritten when it rejoins.
    net.heal();
    net.tickAll(3);
    for (const id of ids5) {
      assert.deepEqual(net.appliedData(id), ['old']);
      assert.deepEqual(net.logOf(id), net.logOf(1n));
    }
  });
});

describe('pre-vote and check-quorum', () => {
  for (const preVote of [true, false]) {
    test(`a rejoining partitioned node ${preVote ? 'does not disrupt' : 'disrupts'} the term with preVote=${preVote}`, () => {
      const net = new Network(ids3, { preVote });
      net.campaign(1n);
      const term = state(net, 1n).term;
      net.isolate(3n);
      net.tick(3n, 50);
      net.stabilize();
      assert.equal(state(net, 3n).term > term, !preVote);
      net.heal();
      net.tickAll(1);
      net.tickAll(40);
      if (preVote) {
        assert.equal(state(net, 1n).term, term);
        assert.equal(state(net, 1n).raftState, StateType.Leader);
        assert.equal(state(net, 3n).lead, 1n);
      } else {
        assert.ok(state(net, 1n).term > term);
      }
    });
  }

  test('check-quorum: a leader that hears from no quorum steps down', () => {
    const net = new Network(ids3, { checkQuorum: true });
    net.campaign(1n);
    net.isolate(1n);
    net.tick(1n, 10);
    net.stabilize();
    assert.equal(state(net, 1n).raftState, StateType.Leader, 'the first check counts the initial activity');
    net.tick(1n, 10);
    net.stabilize();
    assert.equal(state(net, 1n).raftState, StateType.Follower);
  });

  test('check-quorum: a leader in contact with a quorum stays leader', () => {
    const net = new Network(ids3, { checkQuorum: true });
    net.campaign(1n);
    net.isolate(3n);
    for (let i = 0; i < 30; i++) {
      net.tick(1n);
      net.tick(2n);
      net.stabilize();
    }
    assert.equal(state(net, 1n).raftState, StateType.Leader);
  });

  test('check-quorum lease: followers ignore a disruptive candidate while they hear from the leader', () => {
    const net = new Network(ids3, { checkQuorum: true });
    net.campaign(1n);
    const term = state(net, 1n).term;
    net.get(3n).node.campaign();
    net.stabilize();
    assert.equal(state(net, 1n).raftState, StateType.Leader);
    assert.equal(state(net, 1n).term, term);
  });
});

describe('ReadIndex', () => {
  test('safe: the leader answers after a heartbeat quorum round with its commit index', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.propose(1n, 'a');
    net.get(1n).node.readIndex(Buffer.from('r1'));
    net.readyAll();
    assert.equal(net.get(1n).readStates.length, 0, 'not before the quorum confirms');
    assert.ok(net.countPending(MessageType.MsgHeartbeat) >= 2);
    net.stabilize();
    assert.deepEqual(net.get(1n).readStates, [{ index: state(net, 1n).commit, requestCtx: Buffer.from('r1') }]);
  });

  test('safe: a follower gets the answer through the leader', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.propose(1n, 'a');
    net.get(2n).node.readIndex(Buffer.from('r2'));
    net.stabilize();
    assert.deepEqual(net.get(2n).readStates, [{ index: state(net, 1n).commit, requestCtx: Buffer.from('r2') }]);
  });

  test('safe: an isolated leader cannot confirm a read', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.isolate(1n);
    net.get(1n).node.readIndex(Buffer.from('r3'));
    net.stabilize();
    net.tick(1n, 3);
    net.stabilize();
    assert.deepEqual(net.get(1n).readStates, []);
  });

  test('lease-based: the leader answers at once', () => {
    const net = new Network(ids3, { readOnlyOption: 'lease-based', checkQuorum: true });
    net.campaign(1n);
    net.get(1n).node.readIndex(Buffer.from('r4'));
    net.readyAll();
    assert.equal(net.get(1n).readStates.length, 1);
  });

  test('a request that arrives before the new leader commits in its term waits for that commit', () => {
    const net = new Network(ids3);
    net.get(1n).node.campaign();
    net.deliverOnce();
    net.deliverOnce(); // 1 is leader, its empty entry not yet replicated
    assert.equal(state(net, 1n).raftState, StateType.Leader);
    net.get(1n).node.readIndex(Buffer.from('early'));
    net.stabilize();
    const rs = net.get(1n).readStates;
    assert.equal(rs.length, 1);
    assert.equal(rs[0]!.index, state(net, 1n).commit);
    assert.ok(rs[0]!.index >= 4, 'the index includes the new term entry');
  });
});

describe('leader transfer', () => {
  test('to an up-to-date follower: it becomes leader at once', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.get(1n).node.transferLeader(2n);
    net.stabilize();
    assert.equal(state(net, 2n).raftState, StateType.Leader);
    assert.equal(state(net, 1n).lead, 2n);
  });

  test('to a lagging follower: it is caught up first, then takes over', () => {
    const net = new Network(ids3, { checkQuorum: true });
    net.campaign(1n);
    net.isolate(3n);
    net.propose(1n, 'a');
    net.heal();
    net.get(1n).node.transferLeader(3n);
    net.stabilize();
    assert.equal(state(net, 3n).raftState, StateType.Leader);
    assert.deepEqual(net.appliedData(3n), ['a']);
  });

  test('proposals are refused during a transfer, which is abandoned after an election timeout', () => {
    const net = new Network(ids3);
    net.campaign(1n);
    net.isolate(2n);
    net.propose(1n, 'a');
    net.get(1n).node.transferLeader(2n);
    net.stabilize();
    assert.equal(state(net, 1n).leadTransferee, 2n);
    assert.throws(() => net.get(1n).node.propose(Buffer.from('b')), (err) => err === ErrProposalDropped);
    net.tick(1n, 10);
    net.stabilize();
    assert.equal(state(net, 1n).leadTransferee, 0n);
    net.propose(1n, 'c');
    assert.deepEqual(net.appliedData(1n), ['a', 'c']);
  });
});
