// The watch stream's etcd semantics, driven directly with a recording StreamOut.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WatchStream } from '../../../src/api/watch/watch-stream.js';
import { WatchRequest, type WatchResponse } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { MemoryServer } from '../fixtures/memory-server.js';

const b = (s: string) => Buffer.from(s);

function open(opts: Partial<{ maxRequestBytes: number; progressNotifyIntervalMs: number; maxPendingBytes: number }> = {}) {
  const member = new MemoryServer();
  const sent: WatchResponse[] = [];
  let failed: unknown;
  let flush = true;
  const held: (() => void)[] = [];
  const out = {
    send: (m: WatchResponse) => {
      sent.push(m);
      return flush ? Promise.resolve() : new Promise<void>((r) => held.push(r));
    },
    fail: (err: unknown) => (failed = err),
    end: () => {},
  };
  const ws = new WatchStream(member, out, { maxRequestBytes: 1024 * 1024, progressNotifyIntervalMs: 600_000, maxPendingBytes: 1 << 20, ...opts });
  const create = (c: object) => ws.message(WatchRequest.fromPartial({ request_union: { $case: 'create_request', value: c } }));
  const put = (key: string, value: string) => member.put({ key: b(key), value: b(value), lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false });
  return { member, sent, ws, create, put, failed: () => failed, stall: () => (flush = false), held };
}

describe('watch stream', () => {
  it('assigns IDs 0, 1, ... and refuses a duplicate client ID', () => {
    const t = open();
    t.create({ key: b('a') });
    t.create({ key: b('b') });
    t.create({ key: b('c'), watch_id: 7n });
    t.create({ key: b('d'), watch_id: 7n });
    assert.deepEqual(t.sent.map((r) => [r.watch_id, r.created, r.canceled]), [[0n, true, false], [1n, true, false], [7n, true, false], [-1n, true, true]]);
    assert.equal(t.sent[3]!.cancel_reason, 'mvcc: duplicate watch ID provided on the WatchStream');
    t.ws.close();
  });

  it('refuses an empty range like mvcc', () => {
    const t = open();
    t.create({ key: b('foo'), range_end: b('fo') });
    assert.equal(t.sent[0]!.watch_id, -1n);
    assert.equal(t.sent[0]!.cancel_reason, 'mvcc: watcher range is empty');
  });

  it('sends created before catch-up events, events per revision with their header revision', async () => {
    const t = open();
    await t.put('foo', '1');
    await t.put('foo', '2');
    t.create({ key: b('foo'), start_revision: 1n, prev_kv: true });
    await t.put('foo', '3');
    assert.equal(t.sent[0]!.created, true);
    assert.equal(t.sent[0]!.header?.revision, 3n);
    assert.deepEqual(t.sent.slice(1).map((r) => [r.header?.revision, r.events.map((e) => e.kv?.value.toString())]), [[2n, ['1']], [3n, ['2']], [4n, ['3']]]);
    assert.equal(t.sent[3]!.events[0]!.prev_kv?.value.toString(), '2');
    t.ws.close();
  });

  it('cancels on request, answers nothing for an unknown ID', async () => {
    const t = open();
    t.create({ key: b('foo') });
    t.ws.message(WatchRequest.fromPartial({ request_union: { $case: 'cancel_request', value: { watch_id: 0n } } }));
    t.ws.message(WatchRequest.fromPartial({ request_union: { $case: 'cancel_request', value: { watch_id: 9n } } }));
    await t.put('foo', 'x');
    assert.deepEqual(t.sent.map((r) => [r.watch_id, r.canceled]), [[0n, false], [0n, true]]);
  });

  it('reports a compacted start revision and cancels the watcher', async () => {
    const t = open();
    await t.put('foo', '1');
    await t.put('foo', '2');
    await t.member.compact({ revision: 3n, physical: false });
    t.create({ key: b('foo'), start_revision: 1n });
    assert.equal(t.sent[0]!.created, true);
    assert.equal(t.sent[1]!.compact_revision, 3n);
    assert.equal(t.sent[1]!.canceled, true);
  });

  it('answers a progress request with watch_id -1 and the current revision', async () => {
    const t = open();
    await t.put('x', '1');
    t.ws.message(WatchRequest.fromPartial({ request_union: { $case: 'progress_request', value: {} } }));
    assert.deepEqual([t.sent[0]!.watch_id, t.sent[0]!.header?.revision, t.sent[0]!.events.length], [-1n, 2n, 0]);
  });

  it('notifies progress to idle synced watchers that asked for it', async () => {
    const t = open({ progressNotifyIntervalMs: 20 });
    t.create({ key: b('foo'), progress_notify: true });
    t.create({ key: b('bar') });
    await t.put('zzz', '1');
    await new Promise((r) => setTimeout(r, 70));
    t.ws.close();
    const progress = t.sent.filter((r) => !r.created);
    assert.ok(progress.length >= 1, 'at least one progress notification');
    for (const p of progress) assert.deepEqual([p.watch_id, p.events.length, p.header?.revision], [0n, 0, 2n]);
  });

  it('fragments a big batch at max-request-bytes when asked', async () => {
    const t = open({ maxRequestBytes: 300 });
    t.create({ key: b('k'), range_end: b('l'), fragment: true });
    await t.member.txn({
      compare: [],
      success: ['k1', 'k2', 'k3', 'k4'].map((key) => ({ request: { $case: 'request_put', value: { key: b(key), value: Buffer.alloc(100, 'v'), lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false } } })),
      failure: [],
    });
    const parts = t.sent.slice(1);
    assert.ok(parts.length > 1);
    assert.deepEqual(parts.map((p) => p.fragment), [...parts.slice(1).map(() => true), false]);
    assert.equal(parts.flatMap((p) => p.events).length, 4);
    t.ws.close();
  });

  it('closes the stream with UNAVAILABLE instead of buffering for a client that does not read', async () => {
    const t = open({ maxPendingBytes: 2000 });
    t.create({ key: b('foo') });
    t.stall();
    for (let i = 0; i < 30; i++) await t.put('foo', 'v'.repeat(100));
    assert.match(String((t.failed() as Error).message), /reads too slowly/);
    const n = t.sent.length;
    await t.put('foo', 'more');
    assert.equal(t.sent.length, n, 'nothing sent after the stream closed');
    for (const r of t.held) r();
  });
});
