import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { boltFileBuffer, openBolt } from '../../../src/snap/bbolt/index.js';
import { readMeta } from '../../../src/snap/bbolt/format.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bbolt-reader-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const sample = () => [{ name: Buffer.from('key'), entries: [[Buffer.from('k1'), Buffer.from('v1')] as [Buffer, Buffer]] }];

describe('openBolt', () => {
  it('refuses a file that is not bbolt', async () => {
    const path = await fileWith('text', Buffer.alloc(16384, 'not a database '));
    assert.throws(() => openBolt(path), /is not a valid bbolt database: .*bad magic/);
    const tiny = await fileWith('tiny', Buffer.from('x'));
    assert.throws(() => openBolt(tiny), /not a valid bbolt database: file too short/);
  });

  it('falls back to the other meta when the newer one fails its checksum', async () => {
    const file = await boltFileBuffer(sample());
    // meta 1 has txid 1 and wins; corrupt one byte of it (the flags field)
    file[4096 + 16 + 12] ^= 0xff;
    const reader = openBolt(await fileWith('meta1-bad', file));
    try {
      assert.equal(reader.meta.txid, 0n);
      assert.deepEqual(reader.get('key', Buffer.from('k1')), Buffer.from('v1'));
    } finally {
      reader.close();
    }
    file[16 + 12] ^= 0xff;
    const both = await fileWith('both-bad', file);
    assert.throws(() => openBolt(both), /meta 0: meta checksum mismatch; meta 1: meta checksum mismatch/);
  });

  it('picks the meta with the higher txid', async () => {
    const file = await boltFileBuffer(sample());
    assert.equal(readMeta(file.subarray(0, 4096)).txid, 0n);
    const reader = openBolt(await fileWith('ok', file));
    try {
      assert.equal(reader.meta.txid, 1n);
      assert.equal(reader.pageSize, 4096);
    } finally {
      reader.close();
    }
  });

  it('reports a truncated file', async () => {
    const file = await boltFileBuffer(sample());
    const path = await fileWith('truncated', file.subarray(0, 3 * 4096));
    assert.throws(() => openBolt(path), /truncated/);
  });
});
