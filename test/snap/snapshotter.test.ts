import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Snapshotter, SnapError, readSnapFile, snapName } from '../../src/snap/snapshotter.js';
import { snapshot as SnapPb } from '../../src/proto/etcdserver/api/snap/snappb/snap.js';
import { Snapshot as RaftSnapshot } from '../../src/proto/raft/raftpb/raft.js';
import { WAL } from '../../src/wal/index.js';
import { etcdctl, freePort, missingEtcd, startEtcd } from '../wal/etcd-harness.js';

async function withSnapDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-snap-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function raftSnap(term: number, index: number, data = `state@${index}`): Buffer {
  return Buffer.from(
    RaftSnapshot.encode({
      data: Buffer.from(data),
      metadata: { index: BigInt(index), term: BigInt(term), conf_state: { voters: [1n], learners: [], voters_outgoing: [], learners_next: [] } },
    }).finish(),
  );
}

test('save writes <term>-<index>.snap = snappb{crc32c(data), data}, private, no tmp left', async () => {
  await withSnapDir(async (dir) => {
    const s = new Snapshotter(dir);
    const data = raftSnap(3, 0x1234);
    assert.equal(await s.save(data, 3, 0x1234), '0000000000000003-0000000000001234.snap');
    assert.deepEqual(await readdir(dir), ['0000000000000003-0000000000001234.snap']);
    const file = await readFile(join(dir, '0000000000000003-0000000000001234.snap'));
    const pb = SnapPb.decode(file);
    assert.equal(pb.crc, crc32c(data));
    assert.deepEqual(pb.data, data);
    assert.equal((await stat(join(dir, '0000000000000003-0000000000001234.snap'))).mode & 0o777, 0o600);
    assert.deepEqual(await readSnapFile(join(dir, '0000000000000003-0000000000001234.snap')), { term: 3, index: 0x1234, data });
  });
});

test('save refuses a term/index that is not the snapshot\'s own, and skips the empty snapshot', async () => {
  await withSnapDir(async (dir) => {
    const s = new Snapshotter(dir);
    await assert.rejects(s.save(raftSnap(1, 5), 1, 6), SnapError);
    assert.equal(await s.save(raftSnap(0, 0), 0, 0), undefined);
    assert.deepEqual(await readdir(dir), []);
  });
});

test('load returns the newest; loadNewestAvailable the newest the WAL knows', async () => {
  await withSnapDir(async (dir) => {
    const s = new Snapshotter(dir);
    assert.equal(await s.load(), undefined);
    for (const [t, i] of [[1, 5], [1, 10], [2, 20]] as const) await s.save(raftSnap(t, i), t, i);
    assert.deepEqual(await s.snapNames(), [snapName(2, 20), snapName(1, 10), snapName(1, 5)]);
    assert.equal((await s.load())!.index, 20);
    const got = await s.loadNewestAvailable([{ index: 0, term: 0 }, { index: 5, term: 1 }, { index: 10, term: 1 }]);
    assert.deepEqual(got, { name: snapName(1, 10), term: 1, index: 10, data: raftSnap(1, 10) });
    assert.equal(await s.loadNewestAvailable([{ index: 10, term: 2 }]), undefined, 'term must match too');
  });
});

test('corrupt or empty snapshots are renamed .broken and skipped', async () => {
  await withSnapDir(async (dir) => {
    const s = new Snapshotter(dir);
    for (const i of [5, 10, 20]) await s.save(raftSnap(1, i), 1, i);
    const newest = join(dir, snapName(1, 20));
    const bytes = await readFile(newest);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(newest, bytes);
    await writeFile(join(dir, snapName(1, 10)), Buffer.alloc(0));
    const got = await s.load();
    assert.equal(got!.index, 5);
    assert.deepEqual((await readdir(dir)).sort(), [snapName(1, 5), `${snapName(1, 10)}.broken`, `${snapName(1, 20)}.broken`]);
    await assert.rejects(readSnapFile(`${newest}.broken`), /snap: crc mismatch/);
  });
});

test('purge keeps the newest N snapshots', async () => {
  await withSnapDir(async (dir) => {
    const s = new Snapshotter(dir);
    for (let i = 1; i <= 7; i++) await s.save(raftSnap(1, i * 10), 1, i * 10);
    await writeFile(join(dir, 'db'), 'backend');
    assert.deepEqual(await s.purge(5), [snapName(1, 10), snapName(1, 20)]);
    assert.deepEqual(await s.purge(5), []);
    assert.deepEqual((await readdir(dir)).sort(), [...[30, 40, 50, 60, 70].map((i) => snapName(1, i)), 'db']);
  });
});

test('real etcd .snap files load, match the WAL, and re-encode byte for byte', { skip: missingEtcd() }, async () => {
  await withSnapDir(async (root) => {
    const ports = { client: await freePort(), peer: await freePort() };
    const etcd = await startEtcd(root, ports, ['--snapshot-count', '5']);
    try {
      for (let i = 0; i < 12; i++) await etcdctl(etcd.clientUrl, ['put', `k${i}`, `v${i}`]);
    } finally {
      await etcd.stop();
    }
    const snapDir = join(root, 'member', 'snap');
    const s = new Snapshotter(snapDir);
    const names = await s.snapNames();
    assert.ok(names.length >= 1, 'etcd took a snapshot');
    const walSnaps = await WAL.validSnapshotEntries(join(root, 'member', 'wal'));
    const got = await s.loadNewestAvailable(walSnaps);
    assert.ok(got);
    assert.equal(got.name, names[0]);
    assert.ok(walSnaps.some((w) => w.index === got.index && w.term === got.term));
    // Saving the same raftpb bytes gives etcd's file exactly.
    const ours = join(root, 'ours');
    await mkdir(ours);
    await new Snapshotter(ours).save(got.data, got.term, got.index);
    assert.deepEqual(await readFile(join(ours, got.name)), await readFile(join(snapDir, got.name)));
  });
});
