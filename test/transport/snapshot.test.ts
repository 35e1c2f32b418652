import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, stopNode, waitFor } from './fixture.js';
import { makeMessage, MessageType, type Message } from '../../src/raft/index.js';
import { encodeSnapshotPreamble } from '../../src/transport/snapshot-format.js';

function snapMsg(index: number): Message {
  return makeMessage({
    type: MessageType.MsgSnap,
    from: 1n,
    to: 2n,
    term: 4,
    snapshot: { data: Buffer.from('v2 store json'), metadata: { index, term: 4, confState: { voters: [1n, 2n], learners: [] } } },
  });
}

test('a snapshot of a few MB is streamed, checksummed, fsynced under etcd\'s name, then handed over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-snap-src-'));
  const a = await startNode(1n);
  const b = await startNode(2n);
  try {
    const db = randomBytes(3 * 1024 * 1024 + 17);
    const src = join(dir, 'db');
    await writeFile(src, db);
    a.transport.addPeer(2n, [b.url]);
    let cleaned = false;
    a.transport.sendSnapshot(snapMsg(0x2a), async () => ({ path: src, size: db.length, cleanup: async () => void (cleaned = true) }));
    await waitFor('snapshot status', () => a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus, [{ id: 2n, ok: true }]);
    assert.equal(cleaned, true);
    assert.equal(b.snapshots.length, 1);
    const got = b.snapshots[0]!;
    assert.equal(got.dbPath, join(b.snapDir, '000000000000002a.snap.db'));
    assert.equal(got.m.type, MessageType.MsgSnap);
    assert.equal(got.m.snapshot?.metadata.index, 0x2a);
    assert.deepEqual(got.m.snapshot?.metadata.confState.voters, [1n, 2n]);
    assert.deepEqual(got.m.snapshot?.data, Buffer.from('v2 store json'));
    assert.ok((await readFile(got.dbPath)).equals(db));
    assert.deepEqual(await readdir(b.snapDir), ['000000000000002a.snap.db'], 'no temp file left behind');
  } finally {
    await stopNode(a);
    await stopNode(b);
    await rm(dir, { recursive: true, force: true });
  }
});

/** POSTs a hand-made snapshot body and returns the status. */
async function postSnapshot(url: string, body: Buffer): Promise<number> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(`${url}/raft/snapshot`, { method: 'POST', headers: { 'x-etcd-cluster-id': 'c0ffee11', 'x-raft-to': '2', 'x-server-from': '1' } }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  res.resume();
  return res.statusCode ?? 0;
}

test('a corrupt or truncated snapshot is rejected and leaves no file', async () => {
  const b = await startNode(2n);
  try {
    const db = randomBytes(256 * 1024);
    const sum = createHash('sha256').update(db).digest();
    const flipped = Buffer.from(db);
    flipped[1000]! ^= 0xff;
    const pre = encodeSnapshotPreamble(snapMsg(7), db.length);
    assert.equal(await postSnapshot(b.url, Buffer.concat([pre, flipped, sum])), 500);
    assert.equal(await postSnapshot(b.url, Buffer.concat([pre, db.subarray(0, 1000)])), 500);
    assert.equal(await postSnapshot(b.url, Buffer.concat([pre, db, sum, Buffer.from('x')])), 500);
    assert.deepEqual(b.snapshots, []);
    assert.deepEqual(await readdir(b.snapDir), []);
    assert.equal(b.logs.filter((l) => l.msg === 'failed to save incoming database snapshot').length, 3);
    assert.ok(b.logs.some((l) => l.fields['error'] === 'sha256 checksum mismatch'));
    // The same body with the right checksum is accepted, so the rejections above were about the bytes.
    assert.equal(await postSnapshot(b.url, Buffer.concat([pre, db, sum])), 204);
    assert.equal(b.snapshots.length, 1);
  } finally {
    await stopNode(b);
  }
});

test('a snapshot to a dead peer fails: snapshotStatus false, unreachable, db cleaned up', async () => {
  const a = await startNode(1n);
  const b = await startNode(2n);
  const deadUrl = b.url;
  await stopNode(b);
  try {
    a.transport.addPeer(2n, [deadUrl]);
    let cleaned = false;
    a.transport.sendSnapshot(snapMsg(9), async () => ({ path: '/nonexistent', size: 0, cleanup: async () => void (cleaned = true) }));
    await waitFor('snapshot status', () => a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus, [{ id: 2n, ok: false }]);
    assert.ok(a.unreachable.includes(2n));
    assert.equal(cleaned, true);
    assert.ok(a.logs.some((l) => l.msg === 'failed to send database snapshot'));
  } finally {
    await stopNode(a);
  }
});

test('a member that fails to apply the snapshot makes the transfer fail', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-snap-src-'));
  const a = await startNode(1n);
  const b = await startNode(2n, {
    onSnapshot: async () => {
      throw new Error('boom');
    },
  });
  try {
    await writeFile(join(dir, 'db'), Buffer.alloc(1000, 1));
    a.transport.addPeer(2n, [b.url]);
    a.transport.sendSnapshot(snapMsg(3), async () => ({ path: join(dir, 'db'), size: 1000, cleanup: async () => undefined }));
    await waitFor('snapshot status', () => a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus, [{ id: 2n, ok: false }]);
  } finally {
    await stopNode(a);
    await stopNode(b);
    await rm(dir, { recursive: true, force: true });
  }
});
