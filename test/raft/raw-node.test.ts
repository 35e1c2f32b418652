import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  ErrProposalDropped,
  ErrStepLocalMsg,
  makeMessage,
  MemoryStorage,
  MessageType,
  RawNode,
  StateType,
  type RaftConfig,
} from '../../src/raft/index.js';
import { seededRandom } from './network.js';

function config(id: bigint, storage: MemoryStorage, extra: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    maxSizePerMsg: 4096,
    maxInflightMsgs: 16,
    checkQuorum: false,
    preVote: false,
    readOnlyOption: 'safe',
    rand: seededRandom(42),
    ...extra,
  };
}

/** Persists a Ready into storage and advances, returning it for inspection. */
function cycle(node: RawNode, storage: MemoryStorage) {
  const rd = node.ready();
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  for (const e of rd.committedEntries) {
    if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
  }
  node.advance(rd);
  return rd;
}

function singleNode(extra: Partial<RaftConfig> = {}) {
  const storage = new MemoryStorage();
  const node = new RawNode(config(1n, storage, extra));
  node.bootstrap([{ id: 1n }]);
  const first = cycle(node, storage);
  return { node, storage, first };
}

test('bootstrap: the first Ready persists and applies one AddNode per peer, committed at term 1', () => {
  const storage = new MemoryStorage();
  const node = new RawNode(config(1n, storage));
  node.bootstrap([{ id: 1n, context: Buffer.from('m1') }, { id: 2n }]);
  const rd = cycle(node, storage);
  assert.deepEqual(rd.hardState, { term: 1, vote: 0n, commit: 2 });
  assert.equal(rd.mustSync, true);
  assert.deepEqual(rd.entries.map((e) => [e.index, e.term, e.type]), [[1, 1, EntryType.ConfChange], [2, 1, EntryType.ConfChange]]);
  assert.deepEqual(rd.committedEntries.map((e) => e.index), [1, 2]);
  const cc = decodeConfChange(rd.committedEntries[0]!.data);
  assert.equal(cc.type, ConfChangeType.AddNode);
  assert.equal(cc.nodeId, 1n);
  assert.deepEqual(cc.context, Buffer.from('m1'));
  assert.deepEqual(node.status().confState, { voters: [1n, 2n], learners: [] });
  assert.equal(node.hasReady(), false);
  assert.throws(() => node.bootstrap([{ id: 1n }]), /nonempty Storage/);
});

test('single voter: campaign wins at once and an entry commits as soon as it is persisted, without messages', () => {
  const { node, storage } = singleNode();
  node.campaign();
  let rd = cycle(node, storage);
  assert.equal(rd.softState?.raftState, StateType.Leader);
  assert.deepEqual(rd.messages, []);
  // The leader's empty entry commits once persisted.
  rd = cycle(node, storage);
  assert.deepEqual(rd.committedEntries.map((e) => e.index), [2]);

  node.propose(Buffer.from('hello'));
  rd = cycle(node, storage);
  assert.deepEqual(rd.entries.map((e) => e.data.toString()), ['hello']);
  assert.deepEqual(rd.committedEntries, [], 'not committed before it is persisted');
  assert.deepEqual(rd.messages, []);
  assert.equal(node.hasReady(), true);
  rd = cycle(node, storage);
  assert.deepEqual(rd.committedEntries.map((e) => e.data.toString()), ['hello']);
  assert.equal(rd.hardState?.commit, 3);
  assert.equal(rd.mustSync, false, 'a commit index change alone needs no fsync');
  assert.deepEqual(rd.messages, []);
  assert.equal(node.status().applied, 3);
  assert.equal(node.hasReady(), false);
});

test('single voter: ReadIndex is answered at once with the commit index', () => {
  const { node, storage } = singleNode();
  node.campaign();
  cycle(node, storage);
  cycle(node, storage);
  node.readIndex(Buffer.from('ctx-1'));
  const rd = cycle(node, storage);
  assert.deepEqual(rd.readStates, [{ index: 2, requestCtx: Buffer.from('ctx-1') }]);
  assert.deepEqual(rd.messages, []);
});

test('proposals without a leader are dropped with ErrProposalDropped', () => {
  const storage = new MemoryStorage();
  const node = new RawNode(config(1n, storage));
  node.bootstrap([{ id: 1n }, { id: 2n }, { id: 3n }]);
  cycle(node, storage);
  assert.throws(() => node.propose(Buffer.from('x')), (err) => err === ErrProposalDropped);
  node.campaign();
  assert.equal(node.status().raftState, StateType.Candidate);
  assert.throws(() => node.propose(Buffer.from('x')), (err) => err === ErrProposalDropped);
});

test('step refuses local message types', () => {
  const { node } = singleNode();
  assert.throws(() => node.step(makeMessage({ type: MessageType.MsgHup, from: 1n })), (err) => err === ErrStepLocalMsg);
});

test('the election timeout is randomized in [electionTick, 2*electionTick) by the injected rand', () => {
  for (const [r, expected] of [
    [0, 10],
    [0.55, 15],
    [0.999, 19],
  ] as const) {
    const storage = new MemoryStorage();
    const node = new RawNode(config(1n, storage, { rand: () => r }));
    node.bootstrap([{ id: 1n }, { id: 2n }]);
    cycle(node, storage);
    let ticks = 0;
    while (node.status().raftState === StateType.Follower && ticks < 100) {
      node.tick();
      ticks++;
    }
    assert.equal(ticks, expected);
  }
});

test('restart from storage: hard state, log and configuration are recovered', () => {
  const { node, storage } = singleNode();
  node.campaign();
  cycle(node, storage);
  cycle(node, storage);
  node.propose(Buffer.from('a'));
  cycle(node, storage);
  cycle(node, storage);
  storage.createSnapshot(1, { voters: [1n], learners: [] }, Buffer.alloc(0));
  const restarted = new RawNode(config(1n, storage, { applied: 3 }));
  const st = restarted.status();
  assert.equal(st.term, 2);
  assert.equal(st.vote, 1n);
  assert.equal(st.commit, 3);
  assert.equal(st.applied, 3);
  assert.deepEqual(st.confState, { voters: [1n], learners: [] });
  assert.equal(restarted.hasReady(), false);
});

test('config validation refuses what etcd refuses', () => {
  const storage = new MemoryStorage();
  assert.throws(() => new RawNode(config(0n, storage)), /none as id/);
  assert.throws(() => new RawNode(config(1n, storage, { electionTick: 1 })), /election tick/);
  assert.throws(() => new RawNode(config(1n, storage, { readOnlyOption: 'lease-based' })), /CheckQuorum/);
});
