import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { createServer, type Socket } from 'node:net';
import { mesh, msg, startNode, stopNode, waitFor, type Node } from './fixture.js';
import { makeEntry, MessageType } from '../../src/raft/index.js';
import { STREAM_BUF_SIZE } from '../../src/transport/index.js';

test('messages between three transports arrive complete and in send order per sender', async () => {
  const nodes = await Promise.all([1n, 2n, 3n].map((id) => startNode(id)));
  try {
    mesh(nodes);
    const PER_PEER = 300;
    // Heartbeats interleaved with appends: the receiver must see them in exactly this order.
    for (let i = 1; i <= PER_PEER; i++) {
      for (const a of nodes) {
        const type = i % 3 === 0 ? MessageType.MsgHeartbeat : MessageType.MsgApp;
        a.transport.send(nodes.filter((b) => b !== a).map((b) => msg(a.id, b.id, i, type)));
      }
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor('all messages', () => nodes.every((n) => n.received.length === PER_PEER * 2));
    for (const n of nodes) {
      for (const from of nodes.filter((x) => x !== n)) {
        const seq = n.received.filter((m) => m.from === from.id);
        assert.deepEqual(seq.map((m) => m.index), Array.from({ length: PER_PEER }, (_, k) => k + 1));
        assert.ok(seq.every((m) => m.to === n.id && (m.index % 3 === 0 ? m.type === MessageType.MsgHeartbeat : m.type === MessageType.MsgApp)));
      }
      for (const o of nodes) if (o !== n) assert.equal(n.transport.isActive(o.id), true);
      assert.ok(n.logs.some((l) => l.msg === 'peer became active'));
      assert.deepEqual(n.unreachable, []);
    }
  } finally {
    await Promise.all(nodes.map((n) => stopNode(n)));
  }
});

test('a restarted peer is reconnected to with backoff and messages resume in order', async () => {
  const a = await startNode(1n);
  let b: Node = await startNode(2n);
  const port = Number(new URL(b.url).port);
  try {
    a.transport.addPeer(2n, [b.url]);
    b.transport.addPeer(1n, [a.url]);
    a.transport.send([msg(1n, 2n, 1)]);
    await waitFor('first message', () => b.received.length === 1);
    await stopNode(b);
    await waitFor('peer inactive', () => !a.transport.isActive(2n));
    assert.ok(a.logs.some((l) => l.msg === 'lost TCP streaming connection with remote peer'));
    a.transport.send([msg(1n, 2n, 2)]);
    assert.deepEqual(a.unreachable, [2n], 'sending to a down peer reports it unreachable');

    b = await startNode(2n, { port });
    b.transport.addPeer(1n, [a.url]);
    await waitFor('reconnected', () => a.transport.isActive(2n));
    for (let i = 3; i <= 50; i++) a.transport.send([msg(1n, 2n, i, i % 2 ? MessageType.MsgHeartbeat : MessageType.MsgApp)]);
    await waitFor('resumed messages', () => b.received.length === 48);
    assert.deepEqual(b.received.map((m) => m.index), Array.from({ length: 48 }, (_, k) => k + 3));
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
});

test('the send queue is bounded: overflow is dropped and the peer reported unreachable', async () => {
  // A peer that accepts TCP but never answers: the stream stays "connecting", so messages queue.
  const sockets: Socket[] = [];
  const blackhole = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
  const port = (blackhole.address() as { port: number }).port;
  const a = await startNode(1n);
  try {
    a.transport.addPeer(9n, [`http://127.0.0.1:${port}`]);
    const burst = Array.from({ length: STREAM_BUF_SIZE }, (_, i) => msg(1n, 9n, i + 1));
    a.transport.send(burst);
    assert.deepEqual(a.unreachable, [], 'a full buffer is accepted');
    a.transport.send([msg(1n, 9n, STREAM_BUF_SIZE + 1), msg(1n, 9n, STREAM_BUF_SIZE + 2)]);
    assert.deepEqual(a.unreachable, [9n]);
    const drops = a.logs.filter((l) => l.msg === 'dropped internal Raft message since sending buffer is full (overloaded network)');
    assert.equal(drops.length, 2);
    assert.equal(drops[0]!.fields['remote-peer-id'], '9');
    assert.equal(a.transport.isActive(9n), false);
  } finally {
    await stopNode(a);
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackhole.close(r));
  }
});

test('a peer of another cluster is refused with 412 and both sides log it', async () => {
  const a = await startNode(1n);
  const b = await startNode(2n, { clusterId: 0xbadn });
  try {
    a.transport.addPeer(2n, [b.url]);
    b.transport.addPeer(1n, [a.url]);
    a.transport.send([msg(1n, 2n, 1)]);
    await waitFor('refusal logged', () => a.logs.some((l) => l.msg === 'request sent was ignored by remote peer due to cluster ID mismatch'));
    const seen = b.logs.find((l) => l.msg === 'request cluster ID mismatch');
    assert.ok(seen);
    assert.equal(seen.fields['remote-peer-cluster-id'], 'c0ffee11');
    assert.equal(seen.fields['local-member-cluster-id'], 'bad');
    assert.deepEqual(b.received, []);
    assert.equal(a.transport.isActive(2n), false);

    // The raw answer, as etcd's: 412, its own cluster ID in the header, "cluster ID mismatch".
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${b.url}/raft/stream/message/1`, { method: 'POST', headers: { 'x-etcd-cluster-id': 'c0ffee11', 'x-raft-to': '2' } }, resolve);
      req.on('error', reject);
      req.end();
    });
    let body = '';
    for await (const c of res) body += String(c);
    assert.equal(res.statusCode, 412);
    assert.equal(res.headers['x-etcd-cluster-id'], 'bad');
    assert.equal(body, 'cluster ID mismatch\n');
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
});

test('a removed member is refused with 410 and an unknown one with 404', async () => {
  const a = await startNode(1n);
  const b = await startNode(2n);
  try {
    const removedBy: bigint[] = [];
    a.transport.on('removed', (by) => removedBy.push(by));
    a.transport.addPeer(2n, [b.url]);
    b.transport.addPeer(1n, [a.url]);
    await waitFor('connected', () => a.transport.isActive(2n));
    b.transport.removePeer(1n);
    await waitFor('removed event', () => removedBy.length > 0);
    assert.equal(removedBy[0], 2n);
    await waitFor('removal refused', () => b.logs.some((l) => l.msg === 'rejected stream from remote peer because it was removed'));
    await waitFor('sender learns it', () => a.logs.some((l) => l.level === 'error' && l.fields['error'] === 'the member has been permanently removed from the cluster'));
    a.transport.send([msg(1n, 2n, 7)]);
    assert.deepEqual(b.received, []);

    const c = await startNode(3n);
    try {
      c.transport.addPeer(2n, [b.url]);
      await waitFor('unknown sender refused', () => b.logs.some((l) => l.msg === 'failed to find remote peer in cluster' && l.fields['remote-peer-id'] === '3'));
    } finally {
      await stopNode(c);
    }
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
});

test('large appends pass through a congested socket without loss or reordering', async () => {
  const [a, b] = await Promise.all([startNode(1n), startNode(2n)]);
  try {
    mesh([a, b]);
    const big = Buffer.alloc(1024 * 1024, 7);
    for (let i = 1; i <= 12; i++) {
      const m = msg(1n, 2n, i);
      m.entries = [makeEntry({ term: 1, index: i, data: big })];
      a.transport.send([m, msg(1n, 2n, i, MessageType.MsgHeartbeat)]);
      // Separate event-loop turns, so later messages queue while earlier ones wait for 'drain'.
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('all large messages', () => b.received.length === 24, 10000);
    assert.deepEqual(b.received.map((m) => m.index), Array.from({ length: 24 }, (_, k) => (k >> 1) + 1));
    assert.ok(b.received.filter((m) => m.type === MessageType.MsgApp).every((m) => m.entries[0]!.data.equals(big)));
    assert.deepEqual(a.unreachable, []);
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
});
