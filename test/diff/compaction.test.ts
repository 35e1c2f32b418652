// Compaction and the errors of reading or watching history that is gone.
import assert from 'node:assert/strict';
import { CompactionRequest, RangeRequest, WatchCreateRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, diffSuite, unary, watchCollect } from '../helpers/index.js';

const suite = diffSuite();

suite.sequence('compaction, then reads below, at and above the compacted revision', async (s) => {
  for (const v of ['1', '2', '3', '4']) await s.ctl(['put', 'cp1/k', v]);
  assert.equal((await s.ctl(['compaction', String(s.rev(2))])).stdout, `compacted revision ${s.rev(2)}\n`);
  const below = await s.ctl(['get', 'cp1/k', `--rev=${s.rev(1)}`]);
  assert.equal(below.code, 1);
  assert.match(below.stderr, /Error: etcdserver: mvcc: required revision has been compacted/);
  await s.ctl(['get', 'cp1/k', `--rev=${s.rev(1)}`, '-w', 'json']);
  await s.ctl(['get', 'cp1/k', `--rev=${s.rev(2)}`, '-w', 'json']); // the compacted revision itself is kept
  await s.ctl(['get', 'cp1/k', `--rev=${s.rev(3)}`]);
  await s.ctl(['get', 'cp1/k', '-w', 'json']);
  await s.ctl(['compaction', String(s.rev(2))]); // again: already compacted
  await s.ctl(['compaction', String(s.rev(1))]);
  await s.ctl(['compaction', String(s.rev(100))]); // future
  await s.ctl(['compaction', String(s.rev(4)), '--physical', '-w', 'json']);
  await s.ctl(['get', 'cp1/k', `--rev=${s.rev(3)}`]);
  await s.ctl(['compaction', 'abc']);
});

suite.sequence('watching from a compacted revision is canceled', async (s) => {
  await s.ctl(['put', 'cp2/k', 'a']);
  await s.ctl(['put', 'cp2/k', 'b']);
  await s.ctl(['put', 'cp2/k', 'c']);
  await s.ctl(['compaction', String(s.rev(2)), '--physical']);
  const w = await s.ctl(['watch', 'cp2/k', `--rev=${s.rev(1)}`], { timeoutMs: 8_000 });
  assert.match(w.stderr, /watch is canceled by the server/);
  await s.ctl(['watch', 'cp2/k', `--rev=${s.rev(1)}`, '-w', 'json'], { timeoutMs: 8_000 });
  const { watch } = s.clients;
  const rs = await watchCollect(watch, WatchCreateRequest.fromPartial({ key: b('cp2/k'), start_revision: BigInt(s.rev(1)) }), {
    until: (r) => r.some((x) => x.canceled),
  });
  s.record('gRPC watch from a compacted revision', rs, { ignore: ['watch_id'] });
  const ok = await watchCollect(watch, WatchCreateRequest.fromPartial({ key: b('cp2/k'), start_revision: BigInt(s.rev(2)) }), {
    until: (r) => r.reduce((n, x) => n + x.events.length, 0) >= 2,
  });
  s.record('gRPC watch from the compacted revision itself', ok, { ignore: ['watch_id'] });
});

suite.sequence('gRPC compaction errors and ranges after compaction', async (s) => {
  const { kv } = s.clients;
  await s.ctl(['put', 'cp3/k', 'x']);
  await s.ctl(['put', 'cp3/k', 'y']);
  await s.grpc('Compact start+1', unary(kv, kv.compact, CompactionRequest.fromPartial({ revision: BigInt(s.rev(1)) })));
  await s.grpc('Compact start+1 again', unary(kv, kv.compact, CompactionRequest.fromPartial({ revision: BigInt(s.rev(1)) })));
  await s.grpc('Compact future', unary(kv, kv.compact, CompactionRequest.fromPartial({ revision: BigInt(s.rev(50)) })));
  await s.grpc('Range at start', unary(kv, kv.range, RangeRequest.fromPartial({ key: b('cp3/k'), revision: BigInt(s.rev(0)) })));
  await s.grpc('Range at start+1', unary(kv, kv.range, RangeRequest.fromPartial({ key: b('cp3/k'), revision: BigInt(s.rev(1)) })));
  await s.grpc('Range at future', unary(kv, kv.range, RangeRequest.fromPartial({ key: b('cp3/k'), revision: BigInt(s.rev(3)) })));
});
