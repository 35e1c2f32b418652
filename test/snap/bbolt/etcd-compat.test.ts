/**
 * Compatibility with the real etcd 3.4: our reader opens a snapshot etcd
 * wrote, and etcdctl accepts, restores and serves a file our writer wrote.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { type BoltBucketInput, type BoltEntry, openBolt, writeBolt } from '../../../src/snap/bbolt/index.js';
import { KeyValue } from '../../../src/proto/mvcc/mvccpb/kv.js';
import { etcdctl, freePort, missingEtcd, startEtcd } from './etcd-harness.js';

const skip = missingEtcd();
const TEST_TIMEOUT_MS = 60_000;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bbolt-etcd-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** etcd's key bucket key: 8-byte big-endian main revision, '_', 8-byte big-endian sub revision. */
function revisionKey(main: number, sub = 0): Buffer {
  const key = Buffer.alloc(17);
  key.writeBigUInt64BE(BigInt(main), 0);
  key[8] = 0x5f;
  key.writeBigUInt64BE(BigInt(sub), 9);
  return key;
}

function u64be(n: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(n));
  return buf;
}

interface Put {
  key: string;
  value: string;
}

/** A complete etcd 3.4 backend with `puts` applied at revisions 2, 3, ... */
function etcdBuckets(puts: Put[]): BoltBucketInput[] {
  const keyEntries: BoltEntry[] = puts.map((put, i) => {
    const revision = BigInt(i + 2);
    const kv: KeyValue = {
      key: Buffer.from(put.key),
      create_revision: revision,
      mod_revision: revision,
      version: 1n,
      value: Buffer.from(put.value),
      lease: 0n,
    };
    return [revisionKey(i + 2), Buffer.from(KeyValue.encode(kv).finish())];
  });
  const named = (name: string, entries: BoltEntry[] = []): BoltBucketInput => ({ name: Buffer.from(name), entries });
  return [
    named('key', keyEntries),
    named('meta', [[Buffer.from('consistent_index'), u64be(puts.length + 4)]]),
    named('cluster', [[Buffer.from('clusterVersion'), Buffer.from('3.4.0')]]),
    named('lease'),
    named('auth'),
    named('authUsers'),
    named('authRoles'),
    named('members'),
    named('members_removed'),
    named('alarm'),
  ];
}

/** `etcdctl snapshot status`'s hash: CRC-32C over bucket names, keys and values in bolt order. */
function statusHash(path: string): { hash: number; totalKey: number } {
  const reader = openBolt(path);
  try {
    const parts: Buffer[] = [];
    let totalKey = 0;
    for (const bucket of reader.buckets()) {
      parts.push(bucket);
      for (const [key, value] of reader.iterate(bucket)) {
        parts.push(key, value);
        totalKey++;
      }
    }
    return { hash: crc32c(Buffer.concat(parts)), totalKey };
  } finally {
    reader.close();
  }
}

describe('bbolt against the real etcd', { skip, timeout: TEST_TIMEOUT_MS }, () => {
  it('reads the key bucket of a snapshot saved by real etcd', async () => {
    const dataDir = join(dir, 'etcd-source');
    const etcd = await startEtcd(dataDir);
    const snapshot = join(dir, 'saved.db');
    try {
      await etcdctl(['--endpoints', etcd.clientUrl, 'put', 'foo', 'bar']);
      await etcdctl(['--endpoints', etcd.clientUrl, 'put', 'foo2', 'baz']);
      await etcdctl(['--endpoints', etcd.clientUrl, 'put', 'foo', 'bar2']);
      await etcdctl(['--endpoints', etcd.clientUrl, 'snapshot', 'save', snapshot]);
    } finally {
      await etcd.stop();
    }

    // etcd's own live backend file, written by bolt in place
    const live = openBolt(join(dataDir, 'member', 'snap', 'db'));
    try {
      assert.deepEqual(
        [...live.iterate('key')].map(([, value]) => KeyValue.decode(value).value.toString()),
        ['bar', 'baz', 'bar2'],
      );
    } finally {
      live.close();
    }

    // `snapshot save` keeps the sha256 trailer the server streams after the db.
    const bytes = await readFile(snapshot);
    assert.equal(bytes.length % 512, 32);
    const db = bytes.subarray(0, bytes.length - 32);
    assert.deepEqual(createHash('sha256').update(db).digest(), bytes.subarray(bytes.length - 32));

    const reader = openBolt(snapshot);
    try {
      const names = reader.buckets().map(String);
      for (const name of ['alarm', 'auth', 'cluster', 'key', 'lease', 'members', 'meta']) assert.ok(names.includes(name), name);
      const puts = [...reader.iterate('key')].map(([rev, value]) => {
        const kv = KeyValue.decode(value);
        return { main: Number(rev.readBigUInt64BE(0)), key: kv.key.toString(), value: kv.value.toString(), version: kv.version };
      });
      assert.deepEqual(puts, [
        { main: 2, key: 'foo', value: 'bar', version: 1n },
        { main: 3, key: 'foo2', value: 'baz', version: 1n },
        { main: 4, key: 'foo', value: 'bar2', version: 2n },
      ]);
      assert.equal(reader.get('meta', Buffer.from('consistent_index'))?.length, 8);
      assert.equal(reader.get('cluster', Buffer.from('clusterVersion'))?.toString(), '3.4.0');
      assert.deepEqual(reader.get('key', revisionKey(3)), [...reader.iterate('key')][1]![1]);
    } finally {
      reader.close();
    }
  });

  it('writes a db that etcdctl snapshot status and restore accept and etcd serves', async () => {
    const puts: Put[] = [
      { key: 'a', value: '1' },
      { key: 'b/c', value: 'two' },
      { key: 'big', value: 'x'.repeat(20_000) },
      ...Array.from({ length: 300 }, (_, i) => ({ key: `many/${String(i).padStart(4, '0')}`, value: `v${i}` })),
    ];
    const revision = puts.length + 1;

    // The snapshot stream: db bytes, then their sha256.
    const chunks: Buffer[] = [];
    const result = await writeBolt(etcdBuckets(puts), (chunk) => void chunks.push(chunk), { appendSha256: true });
    const stream = Buffer.concat(chunks);
    assert.equal(stream.length, result.size + 32);
    assert.deepEqual(createHash('sha256').update(stream.subarray(0, result.size)).digest(), result.sha256);
    const snapshot = join(dir, 'written.db');
    await writeFile(snapshot, stream);

    const status = JSON.parse(await etcdctl(['snapshot', 'status', snapshot, '-w', 'json'])) as Record<string, number>;
    const expected = statusHash(snapshot);
    assert.equal(status.revision, revision);
    assert.equal(status.totalKey, expected.totalKey);
    assert.equal(status.hash, expected.hash);

    const peerPort = await freePort();
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const restored = join(dir, 'restored');
    // no --skip-hash-check: the trailer must match
    await etcdctl([
      'snapshot', 'restore', snapshot,
      '--data-dir', restored,
      '--name', 'default',
      '--initial-cluster', `default=${peerUrl}`,
      '--initial-advertise-peer-urls', peerUrl,
    ]);

    const etcd = await startEtcd(restored, peerPort);
    try {
      const got = JSON.parse(
        await etcdctl(['--endpoints', etcd.clientUrl, 'get', '--prefix', '', '-w', 'json']),
      ) as { header: { revision: number }; kvs: { key: string; value: string; mod_revision: number }[] };
      assert.equal(got.header.revision, revision);
      const served = got.kvs.map((kv) => ({
        key: Buffer.from(kv.key, 'base64').toString(),
        value: Buffer.from(kv.value, 'base64').toString(),
      }));
      const sortedPuts = [...puts].sort((x, y) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)));
      assert.deepEqual(served, sortedPuts);
      // the restored member keeps accepting writes on top of our revisions
      await etcdctl(['--endpoints', etcd.clientUrl, 'put', 'after', 'restore']);
      const after = JSON.parse(await etcdctl(['--endpoints', etcd.clientUrl, 'get', 'after', '-w', 'json'])) as {
        kvs: { mod_revision: number }[];
      };
      assert.equal(after.kvs[0]!.mod_revision, revision + 1);
    } finally {
      await etcd.stop();
    }
  });

  it('restores with --skip-hash-check when the db has no trailer', async () => {
    const snapshot = join(dir, 'no-trailer.db');
    await writeBolt(etcdBuckets([{ key: 'k', value: 'v' }]), snapshot);
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    const restoreArgs = (dataDir: string) => [
      'snapshot', 'restore', snapshot,
      '--data-dir', dataDir,
      '--name', 'default',
      '--initial-cluster', `default=${peerUrl}`,
      '--initial-advertise-peer-urls', peerUrl,
    ];
    await assert.rejects(etcdctl(restoreArgs(join(dir, 'r1'))), /snapshot missing hash/);
    await etcdctl([...restoreArgs(join(dir, 'r2')), '--skip-hash-check']);
    const reader = openBolt(join(dir, 'r2', 'member', 'snap', 'db'));
    try {
      const [[, value]] = [...reader.iterate('key')] as [[Buffer, Buffer]];
      assert.equal(KeyValue.decode(value).value.toString(), 'v');
    } finally {
      reader.close();
    }
  });
});
