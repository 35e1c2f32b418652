// Watches: etcdctl watch in the background (bounded) and raw gRPC watch streams.
//
// Determinism: etcdctl prints nothing when its watch is created, so a live-only watch would
// race with the writes. Every etcdctl watch here starts at --rev = the sequence's first write,
// so it replays what happened before it started and then sees the rest live: the events are
// the same whatever the timing. JSON output shows how events are grouped into responses, which
// depends on timing for live events, so JSON watches start after all their writes (one catch-up
// response). gRPC watches wait for the "created" response before writing.
import assert from 'node:assert/strict';
import { WatchCreateRequest, WatchCreateRequest_FilterType, type WatchResponse } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, diffSuite, prefixEnd, watchCollect, type Session } from '../helpers/index.js';

const suite = diffSuite();
const WATCH_WAIT_MS = 8_000;

/**
 * Run `etcdctl watch ...args` in the background, do `during` while it runs, stop it once
 * stdout matches `until`, and record what it printed.
 */
async function ctlWatch(s: Session, args: string[], until: RegExp, during?: () => Promise<void>): Promise<string> {
  const full = ['watch', ...args];
  const bg = s.background(full, { timeoutMs: WATCH_WAIT_MS + 5_000 });
  if (during) await during();
  const matched = await bg.waitFor(until, WATCH_WAIT_MS);
  const res = await bg.stop();
  s.recordBackground(full, res);
  assert.ok(matched, `etcdctl ${full.join(' ')} printed ${JSON.stringify(res.stdout)} ${JSON.stringify(res.stderr)}`);
  return res.stdout;
}

suite.sequence('etcdctl watch --prefix --rev: replayed and live events', async (s) => {
  await s.ctl(['put', 'w1/a', '1']);
  await s.ctl(['put', 'w1/b', '2']);
  await s.ctl(['del', 'w1/a']);
  const out = await ctlWatch(s, ['w1/', '--prefix', `--rev=${s.rev(1)}`], /w1\/end\nlast\n/, async () => {
    await s.ctl(['put', 'w1/c', '3']);
    await s.ctl(['txn'], { stdin: '\nput w1/d 4\ndel w1/b\n\n\n' });
    await s.ctl(['put', 'other/ignored', 'x']);
    await s.ctl(['put', 'w1/end', 'last']);
  });
  assert.equal(out, 'PUT\nw1/a\n1\nPUT\nw1/b\n2\nDELETE\nw1/a\n\nPUT\nw1/c\n3\nPUT\nw1/d\n4\nDELETE\nw1/b\n\nPUT\nw1/end\nlast\n');
});

suite.sequence('etcdctl watch --prev-kv, one key, a range, JSON', async (s) => {
  await s.ctl(['put', 'w2/k', 'old']);
  await s.ctl(['put', 'w2/k', 'new']);
  await s.ctl(['put', 'w2/l', 'x']);
  await s.ctl(['put', 'w2/m', 'y']);
  await s.ctl(['del', 'w2/k']);
  await ctlWatch(s, ['w2/k', '--prev-kv', `--rev=${s.rev(1)}`], /DELETE\nw2\/k\nnew\nw2\/k\n\n/);
  await ctlWatch(s, ['w2/k', 'w2/m', `--rev=${s.rev(1)}`], /DELETE\nw2\/k\n\n/);
  await ctlWatch(s, ['w2/', '--prefix', '--prev-kv', `--rev=${s.rev(2)}`, '-w', 'json'], /"type":1/);
  await ctlWatch(s, ['w2/k', `--rev=${s.rev(1)}`, '-w', 'json'], /"type":1/);
});

suite.sequence('etcdctl watch running a command per event', async (s) => {
  await s.ctl(['put', 'w3/k', 'v1']);
  await s.ctl(['del', 'w3/k']);
  const cmd = ['sh', '-c', 'echo "$ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY [$ETCD_WATCH_VALUE]"'];
  await ctlWatch(s, ['w3/k', `--rev=${s.rev(1)}`, '--', ...cmd], /"DELETE" "w3\/k" \[""\]\n/);
});

function events(rs: readonly WatchResponse[]): number {
  return rs.reduce((n, r) => n + r.events.length, 0);
}

suite.sequence('gRPC watch: created response, live events, filters, prev_kv', async (s) => {
  const { watch } = s.clients;
  const live = await watchCollect(watch, WatchCreateRequest.fromPartial({ key: b('w4/'), range_end: prefixEnd('w4/'), prev_kv: true }), {
    afterCreated: async () => {
      await s.ctl(['put', 'w4/a', '1']);
      await s.ctl(['put', 'w4/a', '2']);
      await s.ctl(['del', 'w4/a']);
    },
    until: (rs) => events(rs) >= 3,
  });
  s.record('live watch with prev_kv', live, { ignore: ['watch_id'] });
  const noPut = await watchCollect(
    watch,
    WatchCreateRequest.fromPartial({ key: b('w4/a'), start_revision: BigInt(s.rev(1)), filters: [WatchCreateRequest_FilterType.NOPUT] }),
    { until: (rs) => events(rs) >= 1 },
  );
  s.record('NOPUT from the first put', noPut, { ignore: ['watch_id'] });
  const noDelete = await watchCollect(
    watch,
    WatchCreateRequest.fromPartial({ key: b('w4/a'), start_revision: BigInt(s.rev(1)), filters: [WatchCreateRequest_FilterType.NODELETE] }),
    { until: (rs) => events(rs) >= 2 },
  );
  s.record('NODELETE from the first put', noDelete, { ignore: ['watch_id'] });
  assert.equal(events(live), 3);
});

suite.sequence('gRPC watch from a future revision', async (s) => {
  const { watch } = s.clients;
  const rs = await watchCollect(watch, WatchCreateRequest.fromPartial({ key: b('w5/k'), start_revision: BigInt(s.rev(3)) }), {
    afterCreated: async () => {
      for (const v of ['1', '2', '3', '4']) await s.ctl(['put', 'w5/k', v]);
    },
    until: (r) => events(r) >= 2,
  });
  s.record('events from start + 3', rs, { ignore: ['watch_id'] });
  assert.equal(events(rs), 2);
});
