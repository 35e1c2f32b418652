import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCompacted, isFutureRev } from '../../src/mvcc/index.js';
import { b, brief, openEnv } from './helpers.js';

test('put, put, delete, put: versions, create and mod revisions, tombstones', async () => {
  const env = openEnv();
  try {
    const { kv } = env;
    assert.equal(kv.rev(), 1);
    kv.write(1, (t) => t.put(b('foo'), b('v1'), 0n));
    const second = kv.write(2, (t) => t.put(b('foo'), b('v2'), 0n));
    assert.equal(brief(second.prev!).value, 'v1');
    assert.deepEqual(brief(kv.range(b('foo'), undefined).kvs[0]!), { key: 'foo', value: 'v2', create: 2, mod: 3, ver: 2 });
    const del = kv.write(3, (t) => t.deleteRange(b('foo'), undefined));
    assert.equal(del.deleted, 1);
    assert.equal(del.rev, 4);
    assert.equal(brief(del.prevKvs[0]!).value, 'v2');
    assert.deepEqual(kv.range(b('foo'), undefined), { kvs: [], count: 0, rev: 4 });
    kv.write(4, (t) => t.put(b('foo'), b('v3'), 0n));
    assert.deepEqual(brief(kv.range(b('foo'), undefined).kvs[0]!), { key: 'foo', value: 'v3', create: 5, mod: 5, ver: 1 });
    // history
    assert.deepEqual(brief(kv.range(b('foo'), undefined, { rev: 2 }).kvs[0]!), { key: 'foo', value: 'v1', create: 2, mod: 2, ver: 1 });
    assert.equal(kv.range(b('foo'), undefined, { rev: 4 }).count, 0);
    assert.equal(kv.range(b('foo'), undefined, { rev: 4 }).rev, 5, 'rev is the current revision');
    assert.equal(kv.consistentIndex(), 4);
  } finally {
    await env.cleanup();
  }
});

test('one write transaction takes one main revision; an empty one takes none', async () => {
  const env = openEnv();
  try {
    const { kv } = env;
    kv.write(1, (t) => {
      t.put(b('a'), b('1'), 0n);
      t.put(b('b'), b('1'), 0n);
      // reads inside see the txn's own writes
      assert.equal(t.range(b('a'), b('c')).count, 2);
      t.deleteRange(b('a'), undefined);
    });
    assert.equal(kv.rev(), 2);
    const r = kv.write(2, (t) => t.deleteRange(b('zzz'), undefined));
    assert.deepEqual(r, { deleted: 0, prevKvs: [], rev: 2 });
    kv.write(3, (t) => t.range(b('a'), undefined));
    assert.equal(kv.rev(), 2);
    assert.deepEqual(kv.range(b('a'), b('z')).kvs.map(brief), [{ key: 'b', value: '1', create: 2, mod: 2, ver: 1 }]);
  } finally {
    await env.cleanup();
  }
});

test('ranges: single, [key,end), from-key \\0, prefix, limit with count, count only, future rev', async () => {
  const env = openEnv();
  try {
    const { kv } = env;
    for (const k of ['a', 'ab', 'abc', 'b', 'c']) kv.write(1, (t) => t.put(b(k), b(k.toUpperCase()), 0n));
    const keys = (r: { kvs: Array<{ key: Buffer }> }) => r.kvs.map((x) => x.key.toString());
    assert.deepEqual(keys(kv.range(b('ab'), undefined)), ['ab']);
    assert.deepEqual(keys(kv.range(b('ab'), Buffer.alloc(0))), ['ab']);
    assert.deepEqual(keys(kv.range(b('a'), b('b'))), ['a', 'ab', 'abc']);
    assert.deepEqual(keys(kv.range(b('ab'), Buffer.from([0]))), ['ab', 'abc', 'b', 'c']);
    assert.deepEqual(keys(kv.range(b('ab'), b('ac'))), ['ab', 'abc'], 'prefix ab');
    assert.deepEqual(keys(kv.range(b('c'), b('a'))), [], 'end before key');
    const limited = kv.range(b('a'), Buffer.from([0]), { limit: 2 });
    assert.deepEqual(keys(limited), ['a', 'ab']);
    assert.equal(limited.count, 5);
    assert.deepEqual(kv.range(b('a'), Buffer.from([0]), { countOnly: true }), { kvs: [], count: 5, rev: 6 });
    assert.deepEqual(keys(kv.range(b('a'), Buffer.from([0]), { rev: 3 })), ['a', 'ab']);
    assert.throws(() => kv.range(b('a'), undefined, { rev: 7 }), isFutureRev);
  } finally {
    await env.cleanup();
  }
});

test('compaction: errors, compacted reads, kept latest revisions, physical removal, restart', async () => {
  const env = openEnv({ compactionBatchLimit: 3, compactionPauseMs: 0 });
  try {
    let { kv } = env;
    kv.write(1, (t) => t.put(b('a'), b('1'), 0n)); // 2
    kv.write(2, (t) => t.put(b('a'), b('2'), 0n)); // 3
    kv.write(3, (t) => t.put(b('b'), b('1'), 0n)); // 4
    kv.write(4, (t) => t.deleteRange(b('b'), undefined)); // 5
    kv.write(5, (t) => t.put(b('a'), b('3'), 0n)); // 6
    kv.write(6, (t) => t.put(b('c'), b('1'), 0n)); // 7
    assert.throws(() => kv.compact(8), isFutureRev);
    const done = kv.compact(5);
    assert.equal(kv.compactRev(), 5);
    assert.throws(() => kv.compact(5), isCompacted);
    assert.throws(() => kv.compact(4), isCompacted);
    assert.throws(() => kv.range(b('a'), undefined, { rev: 4 }), isCompacted);
    assert.equal(kv.range(b('a'), undefined, { rev: 5 }).kvs[0]!.value.toString(), '2', 'rev == compact rev still readable');
    assert.equal(kv.range(b('b'), undefined, { rev: 5 }).count, 0);
    await done;
    // physically: a@3 (kept, newest <= 5), a@6, c@7 remain; a@2, b@4, b@5(tombstone) are gone
    const revs = [...env.backend.range('key', Buffer.alloc(1))].map((e) => Number(e.key.readBigUInt64BE(0)));
    assert.deepEqual(revs, [3, 6, 7]);
    const before = kv.range(b('a'), Buffer.from([0]), { rev: 5 });
    const hashBefore = kv.hashKV(0);
    await env.reopen();
    kv = env.kv;
    assert.equal(kv.rev(), 7);
    assert.equal(kv.compactRev(), 5);
    assert.deepEqual(kv.range(b('a'), Buffer.from([0]), { rev: 5 }), before);
    assert.deepEqual(kv.hashKV(0), hashBefore);
    assert.equal(kv.consistentIndex(), 6);
  } finally {
    await env.cleanup();
  }
});

test('an interrupted compaction resumes after restart', async () => {
  const env = openEnv({ compactionBatchLimit: 1, compactionPauseMs: 50 });
  try {
    for (let i = 0; i < 6; i++) env.kv.write(i + 1, (t) => t.put(b('k'), b(String(i)), 0n));
    void env.kv.compact(6).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10)); // first batch ran; close before the next
    await env.reopen({ compactionBatchLimit: 100, compactionPauseMs: 0 });
    assert.equal(env.kv.compactRev(), 6);
    await new Promise((r) => setTimeout(r, 20));
    const revs = [...env.backend.range('key', Buffer.alloc(1))].map((e) => Number(e.key.readBigUInt64BE(0)));
    assert.deepEqual(revs, [6, 7]);
    assert.ok(env.backend.get('meta', Buffer.from('finishedCompactRev')));
  } finally {
    await env.cleanup();
  }
});

test('the revision after compacting away a trailing delete is the compact revision', async () => {
  const env = openEnv({ compactionPauseMs: 0 });
  try {
    env.kv.write(1, (t) => t.put(b('a'), b('1'), 0n)); // 2
    env.kv.write(2, (t) => t.deleteRange(b('a'), undefined)); // 3
    await env.kv.compact(3);
    assert.equal([...env.backend.range('key', Buffer.alloc(1))].length, 0);
    await env.reopen();
    assert.equal(env.kv.rev(), 3);
    env.kv.write(3, (t) => t.put(b('a'), b('2'), 0n));
    assert.equal(env.kv.rev(), 4);
  } finally {
    await env.cleanup();
  }
});

test('restart yields identical ranges, revision, hashes and lease table', async () => {
  const env = openEnv();
  try {
    env.kv.write(1, (t) => {
      t.put(b('x'), b('1'), 7n);
      t.put(b('y'), b('1'), 0n);
    });
    env.kv.write(2, (t) => t.put(b('x'), b('2'), 8n));
    env.kv.write(3, (t) => t.put(b('z'), b('2'), 8n));
    env.kv.write(4, (t) => t.deleteRange(b('z'), undefined));
    const all = env.kv.range(b('\0'), Buffer.from([0]));
    const hist = env.kv.range(b('\0'), Buffer.from([0]), { rev: 2 });
    const h = env.kv.hash();
    const hk = env.kv.hashKV(3);
    assert.deepEqual(env.kv.leasedKeys().map((l) => [l.lease, l.key.toString()]), [[8n, 'x']]);
    await env.reopen();
    assert.deepEqual(env.kv.range(b('\0'), Buffer.from([0])), all);
    assert.deepEqual(env.kv.range(b('\0'), Buffer.from([0]), { rev: 2 }), hist);
    assert.deepEqual(env.kv.hash(), h);
    assert.deepEqual(env.kv.hashKV(3), hk);
    assert.equal(env.kv.consistentIndex(), 4);
    assert.deepEqual(env.kv.leasedKeys().map((l) => [l.lease, l.key.toString()]), [[8n, 'x']]);
  } finally {
    await env.cleanup();
  }
});

test('an index lost (as after a bbolt import) is rebuilt from the key bucket', async () => {
  const env = openEnv({ compactionPauseMs: 0 });
  try {
    env.kv.write(1, (t) => t.put(b('a'), b('1'), 0n)); // 2
    env.kv.write(2, (t) => t.put(b('a'), b('2'), 5n)); // 3
    env.kv.write(3, (t) => t.put(b('b'), b('1'), 0n)); // 4
    env.kv.write(4, (t) => t.deleteRange(b('b'), undefined)); // 5
    env.kv.write(5, (t) => t.put(b('b'), b('2'), 0n)); // 6
    await env.kv.compact(3);
    env.kv.write(6, (t) => t.put(b('a'), b('3'), 0n)); // 7
    const cur = env.kv.range(b('a'), Buffer.from([0]));
    const at5 = env.kv.range(b('a'), Buffer.from([0]), { rev: 5 });
    const hk = env.kv.hashKV(0);
    env.backend.write((tx) => {
      for (const name of ['tetcd_kidx', 'tetcd_klease', 'tetcd_meta'] as const) {
        for (const { key } of [...tx.range(name, Buffer.alloc(1))]) tx.delete(name, key);
      }
    });
    await env.reopen();
    assert.deepEqual(env.kv.range(b('a'), Buffer.from([0])), cur);
    assert.deepEqual(env.kv.range(b('a'), Buffer.from([0]), { rev: 5 }), at5);
    assert.deepEqual(env.kv.hashKV(0), hk);
    assert.deepEqual(env.kv.leasedKeys(), []);
    env.kv.write(7, (t) => t.put(b('a'), b('4'), 0n));
    assert.deepEqual(brief(env.kv.range(b('a'), undefined).kvs[0]!), { key: 'a', value: '4', create: 2, mod: 8, ver: 4 });
  } finally {
    await env.cleanup();
  }
});

test('keys longer than an LMDB key work and keep their order', async () => {
  const env = openEnv();
  try {
    const long = (c: string, n: number) => Buffer.concat([Buffer.alloc(1950, 'p'), Buffer.alloc(n, c)]);
    const keys = [long('b', 10), long('a', 3000), Buffer.alloc(1950, 'p'), long('a', 5), b('q'), Buffer.alloc(1900, 'p')];
    for (const [i, k] of keys.entries()) env.kv.write(i + 1, (t) => t.put(k, b(String(i)), 3n));
    const sorted = [...keys].sort(Buffer.compare);
    const got = env.kv.range(b('p'), Buffer.from([0])).kvs.map((x) => x.key);
    assert.deepEqual(got, sorted);
    assert.equal(env.kv.range(long('a', 5), undefined).kvs[0]!.value.toString(), '3');
    assert.equal(env.kv.range(long('a', 5), long('b', 1)).count, 2);
    env.kv.write(9, (t) => t.deleteRange(long('a', 3000), undefined));
    assert.equal(env.kv.range(b('p'), Buffer.from([0])).count, 5);
    assert.equal(env.kv.leasedKeys().length, 5);
  } finally {
    await env.cleanup();
  }
});
