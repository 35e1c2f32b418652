// Durability under kill -9: a tetcd process is killed while many clients write; every write it
// acknowledged must be there after the restart, with the revision it was given, and the member
// must accept writes again. Repeated over several crashes, with raft snapshots and WAL
// releases happening during the load (--snapshot-count is small).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashKVRequest, PutRequest, RangeRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { connect, freePorts, makeTempDir, memberFlags, removeDir, sleep, startServer, tetcdSkipReason, TETCD_BIN, unary } from '../helpers/index.js';

const CRASHES = 3;
const WRITERS = 24;
const LOAD_MS = 1200;

interface Ack {
  value: string;
  revision: bigint;
}

test('kill -9 under load loses no acknowledged write', { skip: tetcdSkipReason() }, async (t) => {
  const dir = await makeTempDir('crash');
  t.after(() => removeDir(dir));
  const acked = new Map<string, Ack>();
  let expectedMinRev = 1n;
  const hashes: Array<{ revision: bigint; hash: number }> = [];

  for (let round = 0; round < CRASHES; round++) {
    const [clientPort, peerPort] = await freePorts(2);
    const proc = await startServer({
      command: process.execPath,
      args: [TETCD_BIN, ...memberFlags(`${dir}/data`, clientPort!, peerPort!), '--snapshot-count=200', '--max-wals=2', '--max-snapshots=2'],
      healthUrl: `http://127.0.0.1:${clientPort}/health`,
    });
    const c = connect(`127.0.0.1:${clientPort}`);
    try {
      // 1. Everything acknowledged before every earlier crash is still there, unchanged.
      const all = await unary(c.kv, c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('crash/'), range_end: Buffer.from('crash0') }));
      const found = new Map(all.kvs.map((kv) => [kv.key.toString(), kv]));
      for (const [key, ack] of acked) {
        const kv = found.get(key);
        assert.ok(kv, `acknowledged key ${key} (revision ${ack.revision}) was lost in crash ${round}`);
        assert.equal(kv.value.toString(), ack.value, `value of ${key}`);
        assert.equal(kv.mod_revision, ack.revision, `revision of ${key}`);
      }
      assert.ok(all.header!.revision >= expectedMinRev, `revision went back: ${all.header!.revision} < ${expectedMinRev}`);
      // The history up to each earlier restart hashes the same as it did then.
      for (const h of hashes) {
        const now = await unary(c.maintenance, c.maintenance.hashKv, HashKVRequest.fromPartial({ revision: h.revision }));
        assert.equal(now.hash, h.hash, `HashKV at revision ${h.revision} changed after crash ${round}`);
      }
      const hk = await unary(c.maintenance, c.maintenance.hashKv, HashKVRequest.fromPartial({ revision: all.header!.revision }));
      hashes.push({ revision: all.header!.revision, hash: hk.hash });

      // 2. Load, then kill -9 while requests are in flight.
      let stop = false;
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; !stop && i < 100_000; i++) {
          const key = `crash/${round}/${w}/${i}`;
          const value = `${round}.${w}.${i}`;
          try {
            const r = await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(key), value: Buffer.from(value) }), 5000);
            acked.set(key, { value, revision: r.header!.revision });
            if (r.header!.revision > expectedMinRev) expectedMinRev = r.header!.revision;
          } catch {
            return; // the server is gone: this write was not acknowledged
          }
        }
      });
      await sleep(LOAD_MS);
      await proc.kill9();
      stop = true;
      await Promise.all(writers);
    } finally {
      c.close();
      await proc.stop();
    }
  }
  assert.ok(acked.size > 100, `the load made progress (${acked.size} acknowledged writes)`);

  // A last start: the member serves writes again after the final crash.
  const [clientPort, peerPort] = await freePorts(2);
  const proc = await startServer({
    command: process.execPath,
    args: [TETCD_BIN, ...memberFlags(`${dir}/data`, clientPort!, peerPort!)],
    healthUrl: `http://127.0.0.1:${clientPort}/health`,
  });
  const c = connect(`127.0.0.1:${clientPort}`);
  try {
    const all = await unary(c.kv, c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('crash/'), range_end: Buffer.from('crash0'), count_only: true }));
    assert.ok(all.count >= BigInt(acked.size));
    const r = await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from('after'), value: Buffer.from('x') }));
    assert.ok(r.header!.revision > expectedMinRev);
  } finally {
    c.close();
    await proc.stop();
  }
});
