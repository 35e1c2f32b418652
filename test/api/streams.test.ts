// The streaming RPCs and the concurrency recipes over real gRPC calls.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { LeaseGrantResponse, SnapshotResponse, WatchResponse, LeaseKeepAliveResponse } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import type { CampaignResponse, LeaderResponse } from '../../src/proto/etcdserver/api/v3election/v3electionpb/v3election.js';
import type { LockResponse } from '../../src/proto/etcdserver/api/v3lock/v3lockpb/v3lock.js';
import { b, call, callError, startHarness, type Harness } from './fixtures/harness.js';

const withTimeout = <T>(p: Promise<T>, ms = 3000) =>
  Promise.race([p, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error('timed out')), ms).unref())]);

describe('streaming RPCs', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('watches over gRPC: created, then events', async () => {
    const stream = h.watch.watch();
    const got: WatchResponse[] = [];
    const done = new Promise<void>((resolve) =>
      stream.on('data', (r: WatchResponse) => {
        got.push(r);
        if (r.created) void call((cb) => h.kv.put({ key: b('w'), value: b('1'), lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false }, cb));
        if (r.events.length > 0) resolve();
      }),
    );
    stream.on('error', () => {});
    stream.write({ request_union: { $case: 'create_request', value: { key: b('w'), range_end: Buffer.alloc(0), start_revision: 0n, progress_notify: false, filters: [], prev_kv: false, watch_id: 0n, fragment: false } } });
    await withTimeout(done);
    stream.cancel();
    assert.equal(got[0]!.created, true);
    assert.equal(got[1]!.events[0]!.kv?.value.toString(), '1');
  });

  it('keep-alive answers TTL, and TTL 0 for a missing lease without ending the stream', async () => {
    const lease = await call<LeaseGrantResponse>((cb) => h.lease.leaseGrant({ TTL: 30n, ID: 0n }, cb));
    const stream = h.lease.leaseKeepAlive();
    const got: LeaseKeepAliveResponse[] = [];
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    stream.on('data', (r: LeaseKeepAliveResponse) => got.push(r));
    stream.write({ ID: lease.ID });
    stream.write({ ID: 12345n });
    stream.end();
    await withTimeout(ended);
    assert.deepEqual(got.map((r) => [r.ID, r.TTL]), [[lease.ID, 30n], [12345n, 0n]]);
  });

  it('time-to-live of a missing lease is TTL -1, not an error', async () => {
    const r = await call<{ TTL: bigint; ID: bigint }>((cb) => h.lease.leaseTimeToLive({ ID: 777n, keys: false }, cb));
    assert.deepEqual([r.ID, r.TTL], [777n, -1n]);
  });

  it('streams a snapshot in 32 KiB blobs with remaining_bytes and a sha256 trailer', async () => {
    h.member.snapshotBytes = Buffer.alloc(70_000, 7);
    const got: SnapshotResponse[] = [];
    const stream = h.maintenance.snapshot({});
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        stream.on('data', (r: SnapshotResponse) => got.push(r));
        stream.on('end', resolve);
        stream.on('error', reject);
      }),
    );
    assert.deepEqual(got.map((r) => [r.blob.length, r.remaining_bytes]), [[32768, 70000n - 32768n], [32768, 70000n - 65536n], [4464, 0n], [32, 0n]]);
    assert.deepEqual(got[3]!.blob, createHash('sha256').update(h.member.snapshotBytes).digest());
  });

  it('answers membership changes as a single-member etcd does', async () => {
    const self = h.member.memberId;
    assert.equal((await callError((cb) => h.cluster.memberRemove({ ID: 5n }, cb))).details, 'etcdserver: member not found');
    const rm = await callError((cb) => h.cluster.memberRemove({ ID: self }, cb));
    assert.deepEqual([rm.code, rm.details], [2, 'etcdserver: re-configuration failed due to not enough started members']);
    const pr = await callError((cb) => h.cluster.memberPromote({ ID: self }, cb));
    assert.deepEqual([pr.code, pr.details], [9, 'etcdserver: can only promote a learner member']);
    const add = await callError((cb) => h.cluster.memberAdd({ peerURLs: ['http://127.0.0.1:2380'], isLearner: false }, cb));
    assert.equal(add.details, 'etcdserver: Peer URLs already exists');
    const bad = await callError((cb) => h.cluster.memberAdd({ peerURLs: ['http://127.0.0.1:1/abc'], isLearner: false }, cb));
    assert.equal(bad.details, 'etcdserver: given member URLs are invalid');
  });

  it('runs an election: campaign, leader, a second candidate waits until the first resigns', async () => {
    const l1 = await call<LeaseGrantResponse>((cb) => h.lease.leaseGrant({ TTL: 60n, ID: 0n }, cb));
    const l2 = await call<LeaseGrantResponse>((cb) => h.lease.leaseGrant({ TTL: 60n, ID: 0n }, cb));
    const first = await withTimeout(call<CampaignResponse>((cb) => h.election.campaign({ name: b('el'), lease: l1.ID, value: b('one') }, cb)));
    assert.equal(first.leader?.key.toString(), `el/${l1.ID.toString(16)}`);
    const leader = await call<LeaderResponse>((cb) => h.election.leader({ name: b('el') }, cb));
    assert.equal(leader.kv?.value.toString(), 'one');
    let secondWon = false;
    const second = call<CampaignResponse>((cb) => h.election.campaign({ name: b('el'), lease: l2.ID, value: b('two') }, cb)).then((r) => {
      secondWon = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(secondWon, false, 'the second candidate waits');
    await call((cb) => h.election.resign({ leader: first.leader }, cb));
    const won = await withTimeout(second);
    assert.equal(won.leader?.lease, l2.ID);
    const now = await call<LeaderResponse>((cb) => h.election.leader({ name: b('el') }, cb));
    assert.equal(now.kv?.value.toString(), 'two');
    const none = await callError((cb) => h.election.leader({ name: b('nobody') }, cb));
    assert.deepEqual([none.code, none.details], [2, 'election: no leader']);
  });

  it('locks: a second locker waits for unlock', async () => {
    const l1 = await call<LeaseGrantResponse>((cb) => h.lease.leaseGrant({ TTL: 60n, ID: 0n }, cb));
    const l2 = await call<LeaseGrantResponse>((cb) => h.lease.leaseGrant({ TTL: 60n, ID: 0n }, cb));
    const a = await withTimeout(call<LockResponse>((cb) => h.lock.lock({ name: b('lk'), lease: l1.ID }, cb)));
    let bGot = false;
    const bLock = call<LockResponse>((cb) => h.lock.lock({ name: b('lk'), lease: l2.ID }, cb)).then((r) => {
      bGot = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(bGot, false);
    await call((cb) => h.lock.unlock({ key: a.key }, cb));
    const bRes = await withTimeout(bLock);
    assert.equal(bRes.key.toString(), `lk/${l2.ID.toString(16)}`);
  });
});
