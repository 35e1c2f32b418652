import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCompacted, isFutureRev } from '../../src/mvcc/index.js';
import { b, openEnv } from './helpers.js';

// Values taken from a real etcd 3.4.23 (`etcdctl endpoint hashkv`) after exactly this history:
// put a 1; txn{put b 2}; put a 2; del b; compact 3.
const ETCD_HASHKV_CURRENT = 194725478;
const ETCD_HASHKV_AT_4 = 2960050200;

async function etcdHistory(env: ReturnType<typeof openEnv>): Promise<void> {
  env.kv.write(1, (t) => t.put(b('a'), b('1'), 0n));
  env.kv.write(2, (t) => t.put(b('b'), b('2'), 0n));
  env.kv.write(3, (t) => t.put(b('a'), b('2'), 0n));
  env.kv.write(4, (t) => t.deleteRange(b('b'), undefined));
  await env.kv.compact(3);
}

test('hashKV equals etcd 3.4 for the same history, before and after restart', async () => {
  const env = openEnv({ compactionPauseMs: 0 });
  try {
    await etcdHistory(env);
    assert.deepEqual(env.kv.hashKV(0), { hash: ETCD_HASHKV_CURRENT, compactRevision: 3, rev: 5 });
    assert.equal(env.kv.hashKV(4).hash, ETCD_HASHKV_AT_4);
    assert.throws(() => env.kv.hashKV(3), isCompacted);
    assert.throws(() => env.kv.hashKV(6), isFutureRev);
    await env.reopen();
    assert.equal(env.kv.hashKV(0).hash, ETCD_HASHKV_CURRENT);
    assert.equal(env.kv.hashKV(4).hash, ETCD_HASHKV_AT_4);
  } finally {
    await env.cleanup();
  }
});

test('hashKV does not change while physical compaction is still running', async () => {
  const env = openEnv({ compactionBatchLimit: 1, compactionPauseMs: 5 });
  try {
    env.kv.write(1, (t) => t.put(b('a'), b('1'), 0n));
    env.kv.write(2, (t) => t.put(b('b'), b('2'), 0n));
    env.kv.write(3, (t) => t.put(b('a'), b('2'), 0n));
    env.kv.write(4, (t) => t.deleteRange(b('b'), undefined));
    const done = env.kv.compact(3);
    const during = env.kv.hashKV(0).hash;
    await done;
    assert.equal(during, ETCD_HASHKV_CURRENT);
    assert.equal(env.kv.hashKV(0).hash, ETCD_HASHKV_CURRENT);
  } finally {
    await env.cleanup();
  }
});
