import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RecordType,
  SEGMENT_SIZE_BYTES,
  WAL,
  WalExistsError,
  WalLockedError,
  WalSnapshotMismatchError,
  WalSnapshotNotFoundError,
  parseWalName,
  walName,
  type HardState,
} from '../../src/wal/index.js';
import { decodeFrameSize, Encoder } from '../../src/wal/record.js';

/** Frames in a segment up to the first zero length field (the preallocated rest). */
function countFrames(b: Buffer): number {
  let n = 0;
  for (let off = 0; off + 8 <= b.length; n++) {
    const len = b.readBigUInt64LE(off);
    if (len === 0n) break;
    const { recBytes, padBytes } = decodeFrameSize(len);
    off += 8 + recBytes + padBytes;
  }
  return n;
}
import { encodeWalSnapshot } from '../../src/wal/codec.js';
import { LOCK_FILE_NAME } from '../../src/wal/lock.js';
import { META, makeEntries, withTempDir } from './helpers.js';

const SMALL_SEGMENT = 4096;

async function reopen(dir: string, snap = { index: 0, term: 0 }, segmentSizeBytes?: number) {
  const w = await WAL.open(dir, snap, { segmentSizeBytes });
  const all = await w.readAll();
  return { w, ...all };
}

test('create lays out etcd\'s first segment: preallocated, private, crc + metadata + empty snapshot', async () => {
  await withTempDir(async (root) => {
    const dir = join(root, 'member', 'wal');
    const w = await WAL.create(dir, META);
    await w.close();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.wal'));
    assert.deepEqual(files, ['0000000000000000-0000000000000000.wal']);
    assert.deepEqual(await readdir(root + '/member'), ['wal'], 'no .tmp dir left behind');
    const st = await stat(join(dir, files[0]!));
    assert.equal(st.size, SEGMENT_SIZE_BYTES);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    // The same bytes etcd's TestNew expects.
    const want = new Encoder(0).encode([
      { type: RecordType.crc },
      { type: RecordType.metadata, data: META },
      { type: RecordType.snapshot, data: encodeWalSnapshot({ index: 0, term: 0 }) },
    ]);
    const got = (await readFile(join(dir, files[0]!))).subarray(0, want.length + 8);
    assert.deepEqual(got, Buffer.concat([want, Buffer.alloc(8)]));
    await assert.rejects(WAL.create(dir, META), WalExistsError);
  });
});

test('save then open/readAll returns metadata, hard state and entries', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META);
    const hs: HardState = { term: 2, vote: 0xabcdef0123456789n, commit: 4 };
    const ents = makeEntries(1, 5, 2);
    await w.save(hs, ents);
    await w.close();
    const r = await reopen(dir);
    assert.deepEqual(r.metadata, META);
    assert.deepEqual(r.hardState, hs);
    assert.deepEqual(r.entries, ents);
    // Appending after readAll continues the same log (and CRC chain).
    await r.w.save({ ...hs, commit: 7 }, makeEntries(6, 7, 2));
    await r.w.close();
    const r2 = await reopen(dir);
    assert.deepEqual(r2.entries.map((e) => e.index), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(r2.hardState.commit, 7);
    await r2.w.close();
  });
});

test('later entry records overwrite a conflicting suffix', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 1n, commit: 0 }, makeEntries(1, 5, 1));
    await w.save({ term: 2, vote: 2n, commit: 0 }, makeEntries(3, 4, 2));
    await w.close();
    const r = await reopen(dir);
    assert.deepEqual(r.entries.map((e) => [e.index, e.term]), [[1, 1], [2, 1], [3, 2], [4, 2]]);
    assert.deepEqual(r.entries[3], makeEntries(4, 4, 2)[0]);
    await r.w.close();
  });
});

test('readAll after a snapshot returns only the entries after it, and checks the snapshot', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 1n, commit: 10 }, makeEntries(1, 10, 1));
    await w.saveSnapshot({ index: 5, term: 1 });
    await w.save({ term: 1, vote: 1n, commit: 12 }, makeEntries(11, 12, 1));
    await w.close();
    const r = await reopen(dir, { index: 5, term: 1 });
    assert.deepEqual(r.entries.map((e) => e.index), [6, 7, 8, 9, 10, 11, 12]);
    await r.w.close();
    await assert.rejects(reopen(dir, { index: 5, term: 2 }), WalSnapshotMismatchError);
    await assert.rejects(reopen(dir, { index: 7, term: 1 }), WalSnapshotNotFoundError);
    assert.deepEqual(await WAL.validSnapshotEntries(dir), [{ index: 0, term: 0 }, { index: 5, term: 1 }]);
  });
});

test('validSnapshotEntries leaves out snapshots beyond the committed index', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 1n, commit: 3 }, makeEntries(1, 8, 1));
    await w.saveSnapshot({ index: 6, term: 1 });
    await w.close();
    assert.deepEqual(await WAL.validSnapshotEntries(dir), [{ index: 0, term: 0 }]);
  });
});

test('segments are cut at the segment size, named <seq>-<next index>, and read back as one log', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META, { segmentSizeBytes: SMALL_SEGMENT });
    for (let i = 1; i <= 60; i += 4) {
      await w.save({ term: 3, vote: 1n, commit: i + 3 }, makeEntries(i, i + 3, 3, 300));
    }
    await w.close();
    const names = (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    assert.ok(names.length >= 4, `expected several segments, got ${names.join(',')}`);
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.tmp')), 'spare preallocated file removed on close');
    let prevSeq = -1;
    for (const [i, name] of names.entries()) {
      const n = parseWalName(name)!;
      assert.equal(n.seq, prevSeq + 1);
      prevSeq = n.seq;
      const size = (await stat(join(dir, name))).size;
      // Cut segments are truncated to their records (at most one save past the size); the tail stays preallocated.
      if (i < names.length - 1) assert.ok(size >= SMALL_SEGMENT && size < SMALL_SEGMENT + 4 * 350, `${name}: ${size}`);
      else assert.equal(size, SMALL_SEGMENT);
      if (i > 0) assert.equal(n.index % 4, 1, 'a segment starts after a whole save');
    }
    const r = await reopen(dir, undefined, SMALL_SEGMENT);
    assert.deepEqual(r.entries.map((e) => e.index), Array.from({ length: 60 }, (_, i) => i + 1));
    assert.equal(r.hardState.commit, 60);
    await r.w.close();
  });
});

test('opening at a snapshot in a later segment starts reading there', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META, { segmentSizeBytes: SMALL_SEGMENT });
    for (let i = 1; i <= 40; i += 4) await w.save({ term: 1, vote: 1n, commit: i + 3 }, makeEntries(i, i + 3, 1, 300));
    await w.saveSnapshot({ index: 40, term: 1 });
    await w.save({ term: 1, vote: 1n, commit: 41 }, makeEntries(41, 41, 1));
    await w.close();
    const r = await reopen(dir, { index: 40, term: 1 }, SMALL_SEGMENT);
    assert.deepEqual(r.entries.map((e) => e.index), [41]);
    assert.equal(r.hardState.commit, 41);
    await r.w.close();
  });
});

test('releaseLockTo + purgeSegments delete only released segments, oldest first', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META, { segmentSizeBytes: SMALL_SEGMENT });
    for (let i = 1; i <= 80; i += 4) await w.save({ term: 1, vote: 1n, commit: i + 3 }, makeEntries(i, i + 3, 1, 300));
    const names = (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    assert.ok(names.length >= 6);
    assert.deepEqual(await w.purgeSegments(1), [], 'nothing released yet');

    const fourth = parseWalName(names[3]!)!;
    await w.saveSnapshot({ index: fourth.index + 1, term: 1 });
    await w.releaseLockTo(fourth.index + 1);
    // Segments before the 4th are released; the 4th holds entries up to the release index.
    assert.deepEqual(await w.purgeSegments(1), names.slice(0, 3));
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.wal')).sort(), names.slice(3));
    await w.close();
    const r = await reopen(dir, { index: fourth.index + 1, term: 1 }, SMALL_SEGMENT);
    assert.equal(r.entries.at(-1)!.index, 80);
    await r.w.close();
  });
});

test('purgeSegments keeps the newest `keep` even when more are released', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META, { segmentSizeBytes: SMALL_SEGMENT });
    for (let i = 1; i <= 80; i += 4) await w.save({ term: 1, vote: 1n, commit: i + 3 }, makeEntries(i, i + 3, 1, 300));
    const before = (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    await w.releaseLockTo(1000);
    const removed = await w.purgeSegments(5);
    assert.deepEqual(removed, before.slice(0, before.length - 5));
    await w.close();
  });
});

test('one save is one append and one fdatasync (group commit); no sync when raft does not need it', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META);
    const path = join(dir, walName(0, 0));
    const fh = await open(path, 'r');
    const proto = Object.getPrototypeOf(fh) as { datasync: () => unknown };
    const origSync = proto.datasync;
    let syncs = 0;
    proto.datasync = function (this: unknown) {
      syncs++;
      return origSync.apply(this);
    };
    // The records reach the file (the page cache) before save resolves: what a second reader of
    // the segment sees, frame by frame, is the append; the sync count is the durability.
    const frames = async () => countFrames(await readFile(path));
    try {
      const before = await frames();
      await w.save({ term: 1, vote: 1n, commit: 100 }, makeEntries(1, 100, 1));
      assert.deepEqual([(await frames()) - before, syncs], [101, 1], '100 entries + 1 hard state, one fdatasync');
      // Only the commit index moved: written, but not synced (etcd's MustSync).
      await w.save({ term: 1, vote: 1n, commit: 101 }, []);
      assert.deepEqual([(await frames()) - before, syncs], [102, 1]);
      await w.save(undefined, []);
      assert.deepEqual([(await frames()) - before, syncs], [102, 1], 'nothing to save: no I/O');
    } finally {
      proto.datasync = origSync;
      await fh.close();
    }
    await w.close();
  });
});

test('concurrent saves are serialised in call order', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META, { segmentSizeBytes: SMALL_SEGMENT });
    const saves = [];
    for (let i = 1; i <= 40; i++) saves.push(w.save({ term: 1, vote: 1n, commit: i }, makeEntries(i, i, 1, 200)));
    await Promise.all(saves);
    await w.close();
    const r = await reopen(dir, undefined, SMALL_SEGMENT);
    assert.deepEqual(r.entries.map((e) => e.index), Array.from({ length: 40 }, (_, i) => i + 1));
    await r.w.close();
  });
});

test('a WAL held by a live process is refused; a stale lock is taken over', async () => {
  await withTempDir(async (dir) => {
    const w = await WAL.create(dir, META);
    await assert.rejects(WAL.open(dir, { index: 0, term: 0 }), WalLockedError);
    await w.close();
    // A lock left by a process that no longer exists (pid beyond pid_max).
    await writeFile(join(dir, LOCK_FILE_NAME), '4194305\n');
    const r = await reopen(dir);
    await r.w.close();
    // Read-only opening never takes the lock.
    const ro = await WAL.openForRead(dir, { index: 0, term: 0 });
    const w2 = await WAL.open(dir, { index: 0, term: 0 });
    await ro.readAll();
    await w2.readAll();
    await w2.close();
  });
});

test('appending before readAll is refused', async () => {
  await withTempDir(async (dir) => {
    await (await WAL.create(dir, META)).close();
    const w = await WAL.open(dir, { index: 0, term: 0 });
    await assert.rejects(w.save({ term: 1, vote: 0n, commit: 0 }, []), /readAll\(\) must be called/);
    await w.readAll();
    await w.close();
  });
});
