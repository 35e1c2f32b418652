import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend, detectDbFormat, isLmdbFile } from '../../src/backend/index.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tetcd-backend-'));
}

const b = (s: string) => Buffer.from(s);

test('write commits one transaction; reads see own writes inside it; range is ordered', async () => {
  const dir = tempDir();
  try {
    const be = Backend.open(join(dir, 'db'));
    const seen = be.write((tx) => {
      tx.put('key', b('b'), b('2'));
      tx.put('key', b('a'), b('1'));
      tx.put('key', b('c'), b('3'));
      return tx.get('key', b('a'))?.toString();
    });
    assert.equal(seen, '1');
    const all = [...be.range('key', b('a'))].map((e) => `${e.key}=${e.value}`);
    assert.deepEqual(all, ['a=1', 'b=2', 'c=3']);
    assert.deepEqual([...be.range('key', b('a'), b('c'))].map((e) => e.key.toString()), ['a', 'b']);
    assert.deepEqual([...be.range('key', b('a'), undefined, 1)].map((e) => e.key.toString()), ['a']);
    assert.equal(be.last('key')?.key.toString(), 'c');
    assert.equal(be.get('meta', b('a')), undefined, 'buckets are separate');
    be.write((tx) => tx.delete('key', b('b')));
    assert.deepEqual([...be.range('key', b('a'))].map((e) => e.key.toString()), ['a', 'c']);
    assert.throws(() => be.put('key', b('x'), b('y')), /outside write/);
    await be.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a throwing outermost write rolls back; nested writes join the outer transaction', async () => {
  const dir = tempDir();
  try {
    const be = Backend.open(join(dir, 'db'));
    assert.throws(() =>
      be.write((tx) => {
        tx.put('key', b('x'), b('1'));
        throw new Error('boom');
      }),
    );
    assert.equal(be.get('key', b('x')), undefined);
    be.write((tx) => {
      tx.put('key', b('p'), b('1'));
      be.write((inner) => inner.put('key', b('q'), b('2')));
      assert.equal(tx.get('key', b('q'))?.toString(), '2');
    });
    assert.equal(be.get('key', b('q'))?.toString(), '2');
    await be.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data survives close and reopen after sync; the file is a single LMDB file', async () => {
  const dir = tempDir();
  const path = join(dir, 'db');
  try {
    let be = Backend.open(path);
    be.write((tx) => tx.put('meta', b('consistent_index'), Buffer.alloc(8, 1)));
    await be.sync();
    await be.close();
    assert.equal(detectDbFormat(path), 'lmdb');
    assert.ok(isLmdbFile(path));
    be = Backend.open(path);
    assert.deepEqual(be.get('meta', b('consistent_index')), Buffer.alloc(8, 1));
    let n = 0;
    be.forEachBucket('meta', () => n++);
    assert.equal(n, 1);
    await be.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('format detection: missing, bbolt magic, garbage and truncated LMDB files', async () => {
  const dir = tempDir();
  try {
    assert.equal(detectDbFormat(join(dir, 'none')), 'missing');
    const bolt = Buffer.alloc(4096 * 4);
    bolt.writeUInt32LE(0xed0cdaed, 16);
    writeFileSync(join(dir, 'bolt'), bolt);
    assert.equal(detectDbFormat(join(dir, 'bolt')), 'bbolt');
    assert.throws(() => Backend.open(join(dir, 'bolt')), /bbolt/);
    writeFileSync(join(dir, 'junk'), Buffer.alloc(8192, 7));
    assert.equal(detectDbFormat(join(dir, 'junk')), 'unknown');
    assert.throws(() => Backend.open(join(dir, 'junk')), /not an LMDB file/);

    const path = join(dir, 'db');
    const be = Backend.open(path);
    be.write((tx) => {
      for (let i = 0; i < 2000; i++) tx.put('key', b(`k${i}`), Buffer.alloc(100, i));
    });
    await be.sync();
    await be.close();
    const copy = join(dir, 'trunc');
    writeFileSync(copy, readFileSync(path));
    truncateSync(copy, statSync(copy).size / 2);
    assert.equal(isLmdbFile(copy), false);
    assert.throws(() => Backend.open(copy), /truncated/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('defragment really shrinks the file and keeps the data; sizeInUse tracks the data', async () => {
  const dir = tempDir();
  const path = join(dir, 'db');
  try {
    const be = Backend.open(path);
    be.write((tx) => {
      for (let i = 0; i < 3000; i++) tx.put('key', b(`k${String(i).padStart(5, '0')}`), Buffer.alloc(500, 1));
    });
    const inUseFull = be.sizeInUse();
    be.write((tx) => {
      for (let i = 0; i < 2900; i++) tx.delete('key', b(`k${String(i).padStart(5, '0')}`));
    });
    assert.ok(be.sizeInUse() < inUseFull / 4, `in use ${be.sizeInUse()} vs ${inUseFull}`);
    const before = be.size();
    await be.defragment();
    const after = be.size();
    assert.ok(after < before / 4, `defragment ${before} -> ${after}`);
    assert.equal([...be.range('key', b('k'))].length, 100);
    be.write((tx) => tx.put('key', b('after'), b('1')));
    assert.equal(be.get('key', b('after'))?.toString(), '1');
    await be.sync();
    await be.close();
    assert.ok(isLmdbFile(path), 'the defragmented file passes the format check');
    const again = Backend.open(path);
    assert.equal([...again.range('key', b('a'))].length, 101);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hash covers etcd buckets in name order and ignores the consistent index', async () => {
  const dir = tempDir();
  try {
    const be = Backend.open(join(dir, 'db'));
    const h0 = be.hash();
    be.write((tx) => tx.put('meta', b('consistent_index'), Buffer.alloc(8, 9)));
    assert.equal(be.hash(), h0);
    be.write((tx) => tx.put('tetcd_meta', b('x'), b('y')));
    assert.equal(be.hash(), h0, 'tetcd databases are not hashed');
    be.write((tx) => tx.put('key', b('x'), b('y')));
    assert.notEqual(be.hash(), h0);
    await be.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
