// Leases through etcdctl: grant, time-to-live, keep-alive, list, revoke, expiry, and the
// keys a lease takes with it. Every sequence revokes what it grants, so `lease list` in one
// sequence never sees another's leases.
import assert from 'node:assert/strict';
import { RangeRequest, WatchCreateRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, diffSuite, prefixEnd, sleep, unary, watchCollect, type Session } from '../helpers/index.js';

const suite = diffSuite();
const EXPIRY_WAIT_MS = 12_000;

/** `lease grant ttl`, returning the lease ID in hex as etcdctl printed it. */
async function grant(s: Session, ttl: number): Promise<string> {
  const res = await s.ctl(['lease', 'grant', String(ttl)]);
  const id = /^lease ([0-9a-f]+) granted/.exec(res.stdout)?.[1];
  assert.ok(id !== undefined, `lease grant printed ${JSON.stringify(res.stdout)}`);
  return id;
}

suite.sequence('lease grant, timetolive, keep-alive --once, list, revoke', async (s) => {
  const id = await grant(s, 600);
  await s.ctl(['lease', 'grant', '300', '-w', 'json']).then(async (r) => {
    const other = /"ID":(\d+)/.exec(r.stdout)?.[1];
    assert.ok(other !== undefined);
    await s.ctl(['lease', 'revoke', BigInt(other).toString(16)]);
  });
  await s.ctl(['put', 'ls1/a', 'x', `--lease=${id}`]);
  await s.ctl(['put', 'ls1/b', 'y', `--lease=${id}`]);
  await s.ctl(['lease', 'timetolive', id]);
  await s.ctl(['lease', 'timetolive', id, '--keys']);
  await s.ctl(['lease', 'timetolive', id, '--keys', '-w', 'json']);
  assert.match((await s.ctl(['lease', 'keep-alive', '--once', id])).stdout, /keepalived with TTL\(600\)/);
  await s.ctl(['lease', 'keep-alive', '--once', id, '-w', 'json']);
  await s.ctl(['lease', 'list']);
  await s.ctl(['lease', 'list', '-w', 'json']);
  await s.ctl(['get', 'ls1/', '--prefix', '-w', 'json']);
  await s.ctl(['lease', 'revoke', id]);
  await s.ctl(['lease', 'revoke', id]);
  await s.ctl(['lease', 'timetolive', id]);
  await s.ctl(['lease', 'timetolive', id, '-w', 'json']);
  await s.ctl(['lease', 'keep-alive', '--once', id]);
  await s.ctl(['lease', 'list']);
  await s.ctl(['get', 'ls1/', '--prefix', '-w', 'json']);
});

suite.sequence('unknown leases and the minimum TTL', async (s) => {
  await s.ctl(['lease', 'timetolive', '1234abcd']);
  await s.ctl(['lease', 'revoke', '1234abcd']);
  await s.ctl(['lease', 'keep-alive', '--once', '1234abcd']);
  await s.ctl(['put', 'ls2/k', 'v', '--lease=1234abcd']);
  const short = await grant(s, 1); // raised to etcd's minimum TTL
  await s.ctl(['lease', 'revoke', short]);
  await s.ctl(['lease', 'grant', 'abc']);
});

suite.sequence('revoking a lease deletes all its keys in one revision', async (s) => {
  const id = await grant(s, 600);
  for (const k of ['a', 'b', 'c']) await s.ctl(['put', `ls3/${k}`, k, `--lease=${id}`]);
  await s.ctl(['put', 'ls3/unleased', 'stays']);
  await s.ctl(['put', 'ls3/b', 'moved off the lease']); // a plain put detaches the key
  await s.ctl(['lease', 'timetolive', id, '--keys']);
  await s.ctl(['lease', 'revoke', id]);
  const after = await s.ctl(['get', 'ls3/', '--prefix', '-w', 'json']);
  assert.match(after.stdout, new RegExp(`"revision":${s.rev(6)}\\b`));
  const { watch } = s.clients;
  const create = WatchCreateRequest.fromPartial({ key: b('ls3/'), range_end: prefixEnd('ls3/'), start_revision: BigInt(s.rev(1)) });
  const events = (await watchCollect(watch, create, { until: (rs) => rs.flatMap((r) => r.events).length >= 7 })).flatMap(
    (r) => r.events,
  );
  s.record('events from the first put on', events);
  assert.equal(events.length, 7);
});

suite.sequence('an expiring lease deletes its keys', async (s) => {
  const id = await grant(s, 2);
  await s.ctl(['put', 'ls4/k', 'v', `--lease=${id}`]);
  const deadline = Date.now() + EXPIRY_WAIT_MS;
  const { kv } = s.clients;
  // Poll through gRPC, not etcdctl, so the wait is not part of the compared transcript.
  while (Date.now() < deadline) {
    const res = await unary(kv, kv.range, RangeRequest.fromPartial({ key: b('ls4/k') }));
    if (res.kvs.length === 0) break;
    await sleep(200);
  }
  await s.ctl(['get', 'ls4/k', '-w', 'json']);
  await s.ctl(['lease', 'timetolive', id]);
  await s.ctl(['get', 'ls4/k', `--rev=${s.rev(1)}`]);
});
