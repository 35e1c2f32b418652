import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConfChangeType,
  decodeConfChange,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  EntryType,
  makeMessage,
  MessageType,
  type Snapshot,
} from '../../src/raft/index.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

// Golden bytes as etcd 3.4's gogoproto marshals them (raft.pb.go MarshalTo):
// non-nullable scalar fields are always written, even when zero.
test('decodes etcd-marshalled HardState, Entry and ConfChange', () => {
  assert.deepEqual(decodeHardState(hex('08 01 10 02 18 03')), { term: 1, vote: 2n, commit: 3 });
  assert.deepEqual(decodeHardState(hex('08 00 10 00 18 00')), { term: 0, vote: 0n, commit: 0 });
  assert.deepEqual(decodeEntry(hex('08 01 10 02 18 03 22 02 61 62')), {
    term: 2,
    index: 3,
    type: EntryType.ConfChange,
    data: Buffer.from('ab'),
  });
  assert.deepEqual(decodeEntry(hex('08 00 10 05 18 0b')), { term: 5, index: 11, type: EntryType.Normal, data: Buffer.alloc(0) });
  assert.deepEqual(decodeConfChange(hex('08 05 10 00 18 b4 24 22 01 78')), {
    type: ConfChangeType.AddNode,
    nodeId: 0x1234n,
    context: Buffer.from('x'),
    id: 5n,
  });
});

test('decodes an etcd-marshalled MsgApp (with etcd\'s always-present empty snapshot)', () => {
  const wire = hex('08 03 10 02 18 01 20 05 28 04 30 0a 3a 09 08 00 10 05 18 0b 22 01 64 40 09 4a 08 12 06 0a 00 10 00 18 00 50 00 58 00');
  assert.deepEqual(
    decodeMessage(wire),
    makeMessage({
      type: MessageType.MsgApp,
      to: 2n,
      from: 1n,
      term: 5,
      logTerm: 4,
      index: 10,
      entries: [{ term: 5, index: 11, type: EntryType.Normal, data: Buffer.from('d') }],
      commit: 9,
    }),
  );
});

test('our encoding of non-zero HardState is byte-identical to etcd\'s', () => {
  assert.deepEqual(encodeHardState({ term: 1, vote: 2n, commit: 3 }), hex('08 01 10 02 18 03'));
});

test('round trips: entry, conf change, snapshot, every message shape', () => {
  const e = { term: 7, index: 2 ** 40, type: EntryType.Normal, data: Buffer.from('payload') };
  assert.deepEqual(decodeEntry(encodeEntry(e)), e);
  const cc = { type: ConfChangeType.AddLearnerNode, nodeId: 0xffff_ffff_ffff_fffen, context: Buffer.from('{"name":"m"}'), id: 42n };
  assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  const snap: Snapshot = { data: Buffer.from('state'), metadata: { index: 100, term: 3, confState: { voters: [1n, 2n], learners: [9n] } } };
  assert.deepEqual(decodeSnapshot(encodeSnapshot(snap)), snap);

  const messages = [
    makeMessage({ type: MessageType.MsgVote, to: 3n, from: 1n, term: 4, logTerm: 3, index: 20, context: Buffer.from('CampaignTransfer') }),
    makeMessage({ type: MessageType.MsgAppResp, to: 1n, from: 2n, term: 4, index: 9, reject: true, rejectHint: 7, logTerm: 2 }),
    makeMessage({ type: MessageType.MsgHeartbeat, to: 2n, from: 1n, term: 4, commit: 12, context: Buffer.from('read-1') }),
    makeMessage({ type: MessageType.MsgSnap, to: 2n, from: 1n, term: 4, snapshot: snap }),
    makeMessage({ type: MessageType.MsgReadIndexResp, to: 2n, from: 1n, term: 4, index: 12, entries: [{ term: 0, index: 0, type: EntryType.Normal, data: Buffer.from('ctx') }] }),
  ];
  for (const m of messages) assert.deepEqual(decodeMessage(encodeMessage(m)), m, MessageType[m.type]);
});

test('values beyond 2^53 and unknown enum values are refused, not rounded', () => {
  assert.throws(() => decodeHardState(hex('08 ff ff ff ff ff ff ff ff 7f')), /exceeds 2\^53/);
  assert.throws(() => decodeMessage(hex('08 63')), /unknown raft message type 99/);
});
