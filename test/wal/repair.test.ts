import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WAL, WalCorruptError, walName } from '../../src/wal/index.js';
import { Decoder } from '../../src/wal/decoder.js';
import { META, makeEntries, withTempDir } from './helpers.js';

const SEGMENT = 8192;
const FIRST = walName(0, 0);

/** Offset after the last valid record of a single-segment WAL image. */
function dataEnd(buf: Buffer): number {
  const d = new Decoder([{ path: 'x', buf }]);
  for (const _ of d.records());
  return d.lastOffset();
}

/**
 * A one-segment WAL whose last record is entry 4 (payload `lastPayload` bytes), after entries 1..3
 * and a hard state. Returns the segment image and where the last record starts and ends.
 */
async function template(root: string, lastPayload: number): Promise<{ image: Buffer; start: number; end: number }> {
  const dir = join(root, 'template');
  const w = await WAL.create(dir, META, { segmentSizeBytes: SEGMENT });
  await w.save({ term: 1, vote: 1n, commit: 3 }, makeEntries(1, 3, 1));
  const start = dataEnd(await readFile(join(dir, FIRST)));
  await w.save(undefined, makeEntries(4, 4, 1, lastPayload));
  await w.close();
  const image = await readFile(join(dir, FIRST));
  return { image, start, end: dataEnd(image) };
}

async function writeImage(root: string, name: string, image: Buffer): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, FIRST), image);
  return dir;
}

/** Opens for append, expects entries 1..3, appends entry 4 again and checks a reopen reads 1..4. */
async function expectRepairedToPrevious(dir: string, what: string, expectTorn: boolean): Promise<void> {
  const w = await WAL.open(dir, { index: 0, term: 0 }, { segmentSizeBytes: SEGMENT });
  const r = await w.readAll();
  assert.deepEqual(r.entries.map((e) => e.index), [1, 2, 3], what);
  assert.equal(r.hardState.commit, 3, what);
  assert.equal(w.tailRepair !== undefined, expectTorn, `${what}: tailRepair`);
  await w.save({ term: 1, vote: 1n, commit: 4 }, makeEntries(4, 4, 1));
  await w.close();
  const w2 = await WAL.open(dir, { index: 0, term: 0 }, { segmentSizeBytes: SEGMENT });
  const r2 = await w2.readAll();
  assert.deepEqual(r2.entries.map((e) => e.index), [1, 2, 3, 4], `${what}: after append`);
  assert.equal(w2.tailRepair, undefined);
  await w2.close();
}

test('a torn last record, cut at every byte offset, is dropped back to the previous record', async () => {
  await withTempDir(async (root) => {
    const { image, start, end } = await template(root, 40);
    assert.ok(end - start > 8);
    for (let cut = start + 1; cut < end; cut++) {
      const dir = await writeImage(root, `cut-${cut}`, image.subarray(0, cut));
      await expectRepairedToPrevious(dir, `cut at ${cut}`, true);
      assert.ok((await readdir(dir)).includes(`${FIRST}.broken`), 'damaged segment kept as .broken');
    }
  });
});

test('a torn last record whose unwritten sectors are zeros (preallocated file) is dropped', async () => {
  await withTempDir(async (root) => {
    const { image, start, end } = await template(root, 1500);
    let tried = 0;
    // Every sector boundary inside the record: the sectors from there on never reached the disk.
    for (let boundary = Math.ceil((start + 1) / 512) * 512; boundary < end; boundary += 512) {
      const torn = Buffer.from(image);
      torn.fill(0, boundary, end);
      const dir = await writeImage(root, `zero-${boundary}`, torn);
      await expectRepairedToPrevious(dir, `zeros from ${boundary}`, true);
      tried++;
    }
    assert.ok(tried >= 2);
  });
});

test('a zero-filled tail is the end of the log, and stray bytes behind the zeros are wiped before appending', async () => {
  await withTempDir(async (root) => {
    const { image, start } = await template(root, 40);
    const img = Buffer.from(image);
    img.fill(0, start); // record 4 never written at all
    img.fill(0x77, start + 1024, start + 1100); // a later torn write that did land
    const dir = await writeImage(root, 'zeros', img);
    await expectRepairedToPrevious(dir, 'zero tail', false);
    const after = await readFile(join(dir, FIRST));
    assert.ok(!after.subarray(start + 1024, start + 1100).includes(0x77), 'stray bytes zeroed');
  });
});

test('a CRC mismatch in the middle of the log is refused and nothing is truncated', async () => {
  await withTempDir(async (root) => {
    const { image, start } = await template(root, 40);
    const bad = Buffer.from(image);
    // The last byte of entry 3's payload ("e3t1"), inside a complete record followed by more.
    const at = bad.lastIndexOf(Buffer.from('e3t1'), start) + 3;
    bad[at] ^= 0xff;
    const dir = await writeImage(root, 'crc', bad);
    const w = await WAL.open(dir, { index: 0, term: 0 });
    await assert.rejects(w.readAll(), (err: unknown) => {
      assert.ok(err instanceof WalCorruptError);
      assert.match(err.message, /^wal: crc mismatch \(file .*0000000000000000-0000000000000000\.wal, offset \d+\)$/);
      assert.ok(err.offset < start && err.offset > 0);
      return true;
    });
    assert.deepEqual(await readFile(join(dir, FIRST)), bad, 'file untouched');
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.broken')), []);
    // Read-only opening refuses too: corruption is not an end of log.
    await assert.rejects((await WAL.openForRead(dir, { index: 0, term: 0 })).readAll(), WalCorruptError);
  });
});

test('a complete last record with a wrong CRC and no unwritten sector is corruption too (etcd\'s rule)', async () => {
  await withTempDir(async (root) => {
    const { image, start, end } = await template(root, 40);
    const bad = Buffer.from(image);
    bad[end - 10] ^= 0x01;
    const dir = await writeImage(root, 'last', bad);
    const w = await WAL.open(dir, { index: 0, term: 0 });
    await assert.rejects(w.readAll(), (err: unknown) => err instanceof WalCorruptError && err.offset === start);
    assert.deepEqual(await readFile(join(dir, FIRST)), bad);
  });
});

test('a torn record in a segment that is not the last is corruption', async () => {
  await withTempDir(async (root) => {
    const dir = join(root, 'wal');
    const w = await WAL.create(dir, META, { segmentSizeBytes: 2048 });
    for (let i = 1; i <= 20; i += 2) await w.save({ term: 1, vote: 1n, commit: i + 1 }, makeEntries(i, i + 1, 1, 200));
    await w.close();
    const names = (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    assert.ok(names.length >= 3);
    const first = await readFile(join(dir, names[0]!));
    await writeFile(join(dir, names[0]!), first.subarray(0, first.length - 5));
    const w2 = await WAL.open(dir, { index: 0, term: 0 });
    await assert.rejects(w2.readAll(), /wal: unexpected end of segment/);
  });
});
