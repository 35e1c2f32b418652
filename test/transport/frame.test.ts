import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, HEARTBEAT_FRAME, MAX_FRAME_BYTES } from '../../src/transport/frame.js';
import { makeEntry, makeMessage, MessageType } from '../../src/raft/index.js';

test('frames survive any split of the byte stream, heartbeats are skipped', () => {
  const msgs = [1, 2, 3].map((i) =>
    makeMessage({ type: MessageType.MsgApp, from: 1n, to: 2n, term: 3, index: i, entries: [makeEntry({ term: 3, index: i + 1, data: Buffer.alloc(i * 100, i) })] }),
  );
  const bytes = Buffer.concat([encodeFrame(msgs[0]!), HEARTBEAT_FRAME, encodeFrame(msgs[1]!), encodeFrame(msgs[2]!)]);
  for (const step of [1, 7, 8, 9, 100, bytes.length]) {
    const d = new FrameDecoder();
    const out = [];
    for (let i = 0; i < bytes.length; i += step) out.push(...d.push(bytes.subarray(i, i + step)));
    assert.deepEqual(out.map((m) => m.index), [1, 2, 3], `split every ${step} bytes`);
    assert.deepEqual(out[2]!.entries[0]!.data, Buffer.alloc(300, 3));
    assert.equal(d.pending, 0);
  }
});

test('a frame longer than the limit is refused', () => {
  const head = Buffer.alloc(8);
  head.writeBigUInt64BE(BigInt(MAX_FRAME_BYTES) + 1n);
  assert.throws(() => new FrameDecoder().push(head), /exceeds/);
});
