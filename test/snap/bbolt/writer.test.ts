import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BoltBucketInput, type BoltEntry, boltFileBuffer, openBolt, writeBolt } from '../../../src/snap/bbolt/index.js';
import { readPageHeader } from '../../../src/snap/bbolt/format.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bbolt-writer-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 17-byte etcd revision keys keep the data realistic and sorted. */
function revKey(main: number, sub = 0): Buffer {
  const key = Buffer.alloc(17);
  key.writeBigUInt64BE(BigInt(main), 0);
  key[8] = 0x5f; // '_'
  key.writeBigUInt64BE(BigInt(sub), 9);
  return key;
}

function* entries(n: number, valueSize: (i: number) => number): Generator<BoltEntry> {
  for (let i = 0; i < n; i++) {
    const value = Buffer.alloc(valueSize(i), i % 251);
    value.writeUInt32BE(i, 0);
    yield [revKey(i + 2), value];
  }
}

let fileCounter = 0;
async function roundTrip(buckets: BoltBucketInput[]): Promise<string> {
  const path = join(dir, `db-${fileCounter++}`);
  await writeBolt(buckets, path);
  return path;
}

describe('writeBolt → openBolt round trip', () => {
  it('stores an empty database with no buckets', async () => {
    const reader = openBolt(await roundTrip([]));
    try {
      assert.deepEqual(reader.buckets(), []);
      assert.equal(reader.meta.pgid, 4, 'meta, meta, freelist, root leaf');
    } finally {
      reader.close();
    }
  });

  it('keeps empty buckets, sorted by name, and a one-entry bucket inline', async () => {
    const path = await roundTrip([
      { name: Buffer.from('meta'), entries: [[Buffer.from('consistent_index'), Buffer.alloc(8, 1)]] },
      { name: Buffer.from('alarm'), entries: [] },
      { name: Buffer.from('key'), entries: [] },
    ]);
    const reader = openBolt(path);
    try {
      assert.deepEqual(reader.buckets().map(String), ['alarm', 'key', 'meta']);
      assert.deepEqual([...reader.iterate('alarm')], []);
      assert.deepEqual([...reader.iterate('meta')], [[Buffer.from('consistent_index'), Buffer.alloc(8, 1)]]);
      assert.deepEqual(reader.get('meta', Buffer.from('consistent_index')), Buffer.alloc(8, 1));
      assert.equal(reader.get('meta', Buffer.from('missing')), undefined);
      assert.equal(reader.get('nope', Buffer.from('x')), undefined);
      assert.throws(() => [...reader.iterate('nope')], /no bucket "nope"/);
      // all three buckets inline: the file is just meta, meta, freelist and the root leaf
      assert.equal(reader.meta.pgid, 4);
    } finally {
      reader.close();
    }
  });

  it('reads a few entries back in order and seeks with `from`', async () => {
    const written = [...entries(5, () => 10)];
    const reader = openBolt(await roundTrip([{ name: Buffer.from('key'), entries: written }]));
    try {
      assert.deepEqual([...reader.iterate('key')], written);
      assert.deepEqual([...reader.iterate('key', revKey(4))], written.slice(2));
      assert.deepEqual([...reader.iterate('key', revKey(4, 1))], written.slice(3));
      assert.deepEqual([...reader.iterate('key', revKey(100))], []);
    } finally {
      reader.close();
    }
  });

  it('builds multi-level branches for 50,000 entries', async () => {
    const n = 50_000;
    const path = await roundTrip([
      { name: Buffer.from('key'), entries: entries(n, () => 40) },
      { name: Buffer.from('lease'), entries: entries(300, () => 8) },
    ]);
    const reader = openBolt(path);
    try {
      let count = 0;
      let previous: Buffer | undefined;
      for (const [key, value] of reader.iterate('key')) {
        assert.ok(previous === undefined || Buffer.compare(previous, key) < 0);
        assert.equal(value.readUInt32BE(0), count);
        previous = key;
        count++;
      }
      assert.equal(count, n);
      for (const i of [0, 1, 777, 12_345, n - 1]) {
        assert.equal(reader.get('key', revKey(i + 2))?.readUInt32BE(0), i);
      }
      assert.equal(reader.get('key', revKey(n + 2)), undefined);
      const tail = [...reader.iterate('key', revKey(n - 3))];
      assert.deepEqual(tail.map(([key]) => key), [n - 3, n - 2, n - 1, n, n + 1].map((main) => revKey(main)));
      assert.equal([...reader.iterate('lease')].length, 300);
      // 50,000 73-byte elements need ~1,000 leaves, so two branch levels above them
      assert.ok(reader.meta.pgid > 900, `pages: ${reader.meta.pgid}`);
      assert.equal((await stat(path)).size, reader.meta.pgid * reader.pageSize);
    } finally {
      reader.close();
    }
  });

  it('spreads 20 KB values over overflow pages', async () => {
    const written = [...entries(30, (i) => (i % 3 === 0 ? 20_000 : 100))];
    const path = await roundTrip([{ name: Buffer.from('key'), entries: written }]);
    const reader = openBolt(path);
    try {
      assert.deepEqual([...reader.iterate('key')], written);
      assert.deepEqual(reader.get('key', revKey(2 + 27)), written[27]![1]);
    } finally {
      reader.close();
    }
    const file = await boltFileBuffer([{ name: Buffer.from('key'), entries: written }]);
    const overflowing = [];
    for (let pgid = 3; pgid * 4096 < file.length; ) {
      const header = readPageHeader(file, pgid * 4096);
      assert.equal(header.id, pgid);
      if (header.overflow > 0) overflowing.push(header.overflow);
      pgid += header.overflow + 1;
    }
    assert.ok(overflowing.includes(4), `a 20 KB leaf spans 5 pages: ${overflowing.join(',')}`);
  });

  it('accepts async iterables and streams to a function sink', async () => {
    async function* gen(): AsyncGenerator<BoltEntry> {
      yield* entries(1000, () => 30);
    }
    const chunks: Buffer[] = [];
    const result = await writeBolt([{ name: Buffer.from('key'), entries: gen() }], (chunk) => {
      chunks.push(chunk);
    });
    const file = Buffer.concat(chunks);
    assert.equal(file.length, result.size);
    assert.equal(file.length % 4096, 0);
    const path = join(dir, 'from-sink');
    await writeFile(path, file);
    const reader = openBolt(path);
    try {
      assert.deepEqual([...reader.iterate('key')], [...entries(1000, () => 30)]);
    } finally {
      reader.close();
    }
  });

  it('appends the sha256 trailer of the db bytes to a file when asked', async () => {
    const path = join(dir, 'with-trailer');
    const result = await writeBolt([{ name: Buffer.from('key'), entries: entries(100, () => 10) }], path, {
      appendSha256: true,
    });
    const file = await readFile(path);
    assert.equal(file.length, result.size + 32);
    assert.equal(file.length % 512, 32, 'etcdctl detects the trailer by size modulo 512');
    assert.deepEqual(file.subarray(result.size), createHash('sha256').update(file.subarray(0, result.size)).digest());
    assert.deepEqual(result.sha256, file.subarray(result.size));
    const reader = openBolt(path);
    try {
      assert.equal([...reader.iterate('key')].length, 100);
    } finally {
      reader.close();
    }
  });

  it('writes the same bytes for the same input', async () => {
    const input = (): BoltBucketInput[] => [{ name: Buffer.from('key'), entries: entries(2000, () => 20) }];
    assert.deepEqual(await boltFileBuffer(input()), await boltFileBuffer(input()));
  });

  it('rejects unsorted or duplicate keys, empty keys and duplicate buckets', async () => {
    await assert.rejects(
      roundTrip([{ name: Buffer.from('key'), entries: [[revKey(3), Buffer.alloc(0)], [revKey(2), Buffer.alloc(0)]] }]),
      /not strictly increasing/,
    );
    await assert.rejects(
      roundTrip([{ name: Buffer.from('key'), entries: [[revKey(3), Buffer.alloc(0)], [revKey(3), Buffer.alloc(0)]] }]),
      /not strictly increasing/,
    );
    await assert.rejects(roundTrip([{ name: Buffer.from('key'), entries: [[Buffer.alloc(0), Buffer.alloc(1)]] }]), /key length 0/);
    await assert.rejects(
      roundTrip([
        { name: Buffer.from('a'), entries: [] },
        { name: Buffer.from('a'), entries: [] },
      ]),
      /duplicate bucket/,
    );
  });
});
