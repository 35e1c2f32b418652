import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LEASE_TTL, NO_LEASE, isLeaseError, minLeaseTtl } from '../../src/lease/index.js';
import { MapLeaseStore, k, newLessor } from './helpers.js';

const isErr = (kind: 'NotFound' | 'Exists' | 'TTLTooLarge' | 'NotPrimary') => (err: unknown) => isLeaseError(err, kind);

describe('grant', () => {
  test('stores the lease with its TTL and persists it', () => {
    const { lessor, store } = newLessor();
    assert.deepEqual(lessor.grant(5n, 10), { id: 5n, ttl: 10, remainingTtl: 0 });
    assert.deepEqual(lessor.lookup(5n), { id: 5n, ttl: 10, remainingTtl: 0 });
    assert.deepEqual(store.loadAll(), [{ id: 5n, ttl: 10, remainingTtl: 0 }]);
  });

  test('raises a TTL below the minimum to it (zero and negative too)', () => {
    const { lessor } = newLessor({ minTTL: 3 });
    assert.equal(lessor.grant(1n, 1).ttl, 3);
    assert.equal(lessor.grant(2n, 0).ttl, 3);
    assert.equal(lessor.grant(3n, -5).ttl, 3);
    assert.equal(lessor.grant(4n, 3).ttl, 3);
  });

  test('refuses ID 0 (NotFound, as etcd), an existing ID, and a TTL above MaxLeaseTTL', () => {
    const { lessor, store } = newLessor();
    assert.throws(() => lessor.grant(NO_LEASE, 10), isErr('NotFound'));
    lessor.grant(7n, 10);
    assert.throws(() => lessor.grant(7n, 20), isErr('Exists'));
    assert.equal(lessor.lookup(7n)?.ttl, 10);
    assert.throws(() => lessor.grant(8n, MAX_LEASE_TTL + 1), isErr('TTLTooLarge'));
    assert.equal(lessor.grant(9n, MAX_LEASE_TTL).ttl, MAX_LEASE_TTL);
    assert.deepEqual(lessor.leases().map((l) => l.id), [7n, 9n]);
    assert.equal(store.rows.size, 2);
  });

  test('errors carry etcd texts and gRPC codes', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10);
    assert.throws(() => lessor.grant(1n, 10), { message: 'etcdserver: lease already exists', code: 9 });
    assert.throws(() => lessor.revoke(2n), { message: 'etcdserver: requested lease not found', code: 5 });
    assert.throws(() => lessor.grant(2n, 9e9 + 1), { message: 'etcdserver: too large lease TTL', code: 11 });
  });
});

describe('leases and lookup', () => {
  test('leases() lists every lease ordered by (signed) ID', () => {
    const { lessor } = newLessor();
    for (const id of [30n, -4n, 2n, 0x7fffffffffffffffn]) lessor.grant(id, 10);
    assert.deepEqual(lessor.leases().map((l) => l.id), [-4n, 2n, 30n, 0x7fffffffffffffffn]);
    assert.equal(lessor.exists(2n), true);
    assert.equal(lessor.exists(3n), false);
    assert.equal(lessor.lookup(3n), undefined);
  });
});

describe('attach, detach, revoke', () => {
  test('revoke returns the attached keys in byte order and forgets them', () => {
    const { lessor, store } = newLessor();
    lessor.grant(1n, 10);
    lessor.grant(2n, 10);
    lessor.attach(1n, [k('b'), k('a'), Buffer.from([0xff]), Buffer.from([0x00, 0x01])]);
    lessor.attach(2n, [k('other')]);
    assert.deepEqual(lessor.revoke(1n), [Buffer.from([0x00, 0x01]), k('a'), k('b'), Buffer.from([0xff])]);
    assert.equal(lessor.exists(1n), false);
    assert.equal(lessor.getLease(k('a')), NO_LEASE);
    assert.equal(lessor.getLease(k('other')), 2n);
    assert.deepEqual(store.loadAll().map((l) => l.id), [2n]);
    assert.throws(() => lessor.revoke(1n), isErr('NotFound'));
  });

  test('getLease follows attach and detach; detach leaves other keys', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10);
    lessor.attach(1n, [k('x'), k('y')]);
    assert.equal(lessor.getLease(k('x')), 1n);
    assert.equal(lessor.detach(1n, [k('x')]), true);
    assert.equal(lessor.getLease(k('x')), NO_LEASE);
    assert.equal(lessor.getLease(k('y')), 1n);
    assert.deepEqual(lessor.revoke(1n), [k('y')]);
  });

  test('attaching a key to another lease moves it', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10);
    lessor.grant(2n, 10);
    lessor.attach(1n, [k('x')]);
    lessor.attach(2n, [k('x')]);
    assert.equal(lessor.getLease(k('x')), 2n);
    assert.deepEqual(lessor.revoke(1n), []);
    assert.deepEqual(lessor.revoke(2n), [k('x')]);
  });

  test('attach to an unknown lease fails; detach from a revoked one is a no-op', () => {
    const { lessor } = newLessor();
    assert.throws(() => lessor.attach(9n, [k('x')]), isErr('NotFound'));
    lessor.grant(1n, 10);
    lessor.attach(1n, [k('x')]);
    lessor.revoke(1n);
    // mvcc deleting the revoked lease's keys detaches them afterwards
    assert.equal(lessor.detach(1n, [k('x')]), false);
  });

  test('a stale detach does not take a key away from the lease it moved to', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10);
    lessor.grant(2n, 10);
    lessor.attach(1n, [k('x')]);
    lessor.attach(2n, [k('x')]);
    lessor.detach(1n, [k('x')]);
    assert.equal(lessor.getLease(k('x')), 2n);
  });
});

describe('expiry (primary only)', () => {
  test('a follower never expires leases and refuses renewals', async () => {
    const { lessor, clock } = newLessor();
    lessor.grant(1n, 5);
    clock.advance(3_600_000);
    assert.deepEqual(lessor.expired(), []);
    assert.equal(lessor.timeToLive(1n).remaining, 9_223_372_036);
    await assert.rejects(lessor.renew(1n), isErr('NotPrimary'));
  });

  test('on the primary a lease granted for 5 s expires at 5 s, not before', () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 5);
    clock.advance(4999);
    assert.deepEqual(lessor.expired(), []);
    clock.advance(1);
    assert.deepEqual(lessor.expired(), [1n]);
  });

  test('an expired lease is reported again only after the retry interval, until revoked', () => {
    const { lessor, clock } = newLessor({ expiredRetryIntervalMs: 3000 });
    lessor.promote(0);
    lessor.grant(1n, 5);
    clock.advance(5000);
    assert.deepEqual(lessor.expired(), [1n]);
    clock.advance(2999);
    assert.deepEqual(lessor.expired(), []);
    clock.advance(1);
    assert.deepEqual(lessor.expired(), [1n]);
    lessor.revoke(1n);
    clock.advance(10_000);
    assert.deepEqual(lessor.expired(), []);
  });

  test('expired() hands out at most `limit` leases per call, soonest first', () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    for (let i = 1; i <= 10; i++) lessor.grant(BigInt(i), 20 - i);
    clock.advance(60_000);
    assert.deepEqual(lessor.expired(4), [10n, 9n, 8n, 7n]);
    assert.deepEqual(lessor.expired(4), [6n, 5n, 4n, 3n]);
    assert.deepEqual(lessor.expired(4), [2n, 1n]);
    assert.deepEqual(lessor.expired(4), []);
  });

  test('demote stops expiry: leases live forever again', () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 5);
    lessor.demote();
    assert.equal(lessor.isPrimary(), false);
    clock.advance(60_000);
    assert.deepEqual(lessor.expired(), []);
  });

  test('promote restarts every deadline at now + extend + TTL', () => {
    const { lessor, clock } = newLessor();
    lessor.grant(1n, 10); // applied as a follower: no deadline
    clock.advance(100_000);
    lessor.promote(1500);
    assert.equal(lessor.timeToLive(1n).remaining, 11);
    clock.advance(11_499);
    assert.deepEqual(lessor.expired(), []);
    clock.advance(1);
    assert.deepEqual(lessor.expired(), [1n]);
  });

  test('a new leader extends leases that were about to expire under the old one', () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 10);
    clock.advance(9000);
    lessor.demote();
    lessor.promote(2000);
    clock.advance(11_999);
    assert.deepEqual(lessor.expired(), []);
    clock.advance(1);
    assert.deepEqual(lessor.expired(), [1n]);
  });

  test('with many leases, promote spreads bunched deadlines to 750 per second (etcd)', () => {
    const { lessor, clock } = newLessor({ expiredRetryIntervalMs: 3_600_000 });
    for (let i = 1; i <= 2000; i++) lessor.grant(BigInt(i), 10);
    lessor.promote(0);
    const count = (): number => lessor.expired(10_000).length;
    clock.advance(10_000);
    assert.equal(count(), 750);
    clock.advance(1000);
    assert.equal(count(), 0);
    clock.advance(1000);
    assert.equal(count(), 750);
    clock.advance(1000);
    assert.equal(count(), 500);
  });
});

describe('renew', () => {
  test('restarts the deadline at the full TTL and returns it', async () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 10);
    clock.advance(8000);
    assert.equal(await lessor.renew(1n), 10);
    assert.equal(lessor.timeToLive(1n).remaining, 10);
    clock.advance(9999);
    assert.deepEqual(lessor.expired(), []);
    clock.advance(1);
    assert.deepEqual(lessor.expired(), [1n]);
  });

  test('an unknown lease is NotFound', async () => {
    const { lessor } = newLessor();
    lessor.promote(0);
    await assert.rejects(lessor.renew(1n), isErr('NotFound'));
  });

  test('renewing an expired lease waits for its revoke, then fails NotFound', async () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 5);
    clock.advance(5000);
    let settled = false;
    const renewal = lessor.renew(1n).finally(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    lessor.revoke(1n);
    await assert.rejects(renewal, isErr('NotFound'));
  });

  test('renewing an expired lease fails NotPrimary if leadership is lost first', async () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 5);
    clock.advance(6000);
    const renewal = lessor.renew(1n);
    lessor.demote();
    await assert.rejects(renewal, isErr('NotPrimary'));
    assert.equal(lessor.exists(1n), true);
  });
});

describe('timeToLive', () => {
  test('reports granted TTL, remaining seconds truncated like etcd, and keys on request', () => {
    const { lessor, clock } = newLessor();
    lessor.promote(0);
    lessor.grant(1n, 10);
    lessor.attach(1n, [k('b'), k('a')]);
    assert.deepEqual(lessor.timeToLive(1n), { ttl: 10, remaining: 10, keys: [] });
    clock.advance(1);
    assert.deepEqual(lessor.timeToLive(1n, true), { ttl: 10, remaining: 9, keys: [k('a'), k('b')] });
    clock.advance(8999);
    assert.equal(lessor.timeToLive(1n).remaining, 1);
    clock.advance(1);
    assert.equal(lessor.timeToLive(1n).remaining, 0);
    assert.throws(() => lessor.timeToLive(2n), isErr('NotFound'));
  });
});

describe('persistence', () => {
  test('recover brings back every lease with its TTL, without keys or deadlines', () => {
    const store = new MapLeaseStore();
    const a = newLessor({ store }).lessor;
    a.grant(1n, 10);
    a.grant(-2n, 60);
    a.grant(3n, 30);
    a.attach(1n, [k('x')]);
    a.revoke(3n);

    const { lessor: b, clock } = newLessor({ store });
    b.recover();
    assert.deepEqual(b.leases(), [
      { id: -2n, ttl: 60, remainingTtl: 0 },
      { id: 1n, ttl: 10, remainingTtl: 0 },
    ]);
    assert.equal(b.getLease(k('x')), NO_LEASE);
    clock.advance(3_600_000);
    assert.deepEqual(b.expired(), []);
    b.promote(0);
    clock.advance(10_000);
    assert.deepEqual(b.expired(), [1n]);
  });

  test('recover raises stored TTLs below the current minimum', () => {
    const store = new MapLeaseStore();
    newLessor({ store, minTTL: 1 }).lessor.grant(1n, 1);
    const { lessor } = newLessor({ store, minTTL: 5 });
    lessor.recover();
    assert.equal(lessor.lookup(1n)?.ttl, 5);
  });

  test('recover replaces the previous state', () => {
    const store = new MapLeaseStore();
    const { lessor } = newLessor({ store });
    lessor.grant(1n, 10);
    lessor.attach(1n, [k('x')]);
    store.delete(1n);
    lessor.recover();
    assert.deepEqual(lessor.leases(), []);
    assert.equal(lessor.getLease(k('x')), NO_LEASE);
  });
});

describe('checkpointing (etcd 3.4 --experimental-enable-lease-checkpoint)', () => {
  function checkpointing(persist = false) {
    const proposed: Array<Array<{ id: bigint; remainingTtl: number }>> = [];
    const env = newLessor({ checkpointer: (cps) => proposed.push(cps), checkpointIntervalMs: 60_000, checkpointPersist: persist });
    return { ...env, proposed };
  }

  test('the leader checkpoints remaining TTLs each interval, rounded up to seconds', () => {
    const { lessor, clock, proposed } = checkpointing();
    lessor.promote(0);
    lessor.grant(1n, 300);
    lessor.grant(2n, 30); // shorter than the interval: never checkpointed
    clock.advance(59_999);
    lessor.checkpointScheduledLeases();
    assert.deepEqual(proposed, []);
    clock.advance(1);
    lessor.checkpointScheduledLeases();
    assert.deepEqual(proposed, [[{ id: 1n, remainingTtl: 240 }]]);
  });

  test('an applied checkpoint is where the next leader starts, and the next is scheduled', () => {
    const { lessor, clock, proposed } = checkpointing();
    lessor.promote(0);
    lessor.grant(1n, 300);
    clock.advance(60_000);
    lessor.checkpointScheduledLeases();
    for (const cp of proposed.flat()) lessor.checkpoint(cp.id, cp.remainingTtl);
    assert.equal(lessor.lookup(1n)?.remainingTtl, 240);
    // the deadline itself does not move on the current leader
    assert.equal(lessor.timeToLive(1n).remaining, 240);
    clock.advance(60_000);
    lessor.checkpointScheduledLeases();
    assert.deepEqual(proposed.at(-1), [{ id: 1n, remainingTtl: 180 }]);

    lessor.demote();
    lessor.promote(1000);
    assert.equal(lessor.timeToLive(1n).remaining, 241);
  });

  test('a follower applies checkpoints but proposes none', () => {
    const { lessor, clock, proposed } = checkpointing();
    lessor.grant(1n, 300);
    lessor.checkpoint(1n, 100);
    lessor.checkpoint(99n, 100); // unknown: ignored
    clock.advance(600_000);
    lessor.checkpointScheduledLeases();
    assert.deepEqual(proposed, []);
    lessor.promote(0);
    assert.equal(lessor.timeToLive(1n).remaining, 100);
  });

  test('renew clears a set checkpoint through the log, and only when set', async () => {
    const { lessor, proposed } = checkpointing();
    lessor.promote(0);
    lessor.grant(1n, 300);
    await lessor.renew(1n);
    assert.deepEqual(proposed, []);
    lessor.checkpoint(1n, 100);
    assert.equal(await lessor.renew(1n), 300);
    assert.deepEqual(proposed, [[{ id: 1n, remainingTtl: 0 }]]);
    assert.equal(lessor.timeToLive(1n).remaining, 300);
  });

  test('checkpoints survive a restart only with checkpointPersist', () => {
    for (const persist of [false, true]) {
      const { lessor, store } = checkpointing(persist);
      lessor.grant(1n, 300);
      lessor.checkpoint(1n, 100);
      const { lessor: restarted } = newLessor({ store });
      restarted.recover();
      assert.equal(restarted.lookup(1n)?.remainingTtl, persist ? 100 : 0);
    }
  });
});

describe('minLeaseTtl', () => {
  test('is etcd\'s ceil(((3*electionTicks)/2) * heartbeat) in seconds', () => {
    assert.equal(minLeaseTtl(1000, 100), 2); // 15 ticks * 100 ms = 1.5 s
    assert.equal(minLeaseTtl(5000, 500), 8); // 15 * 500 ms = 7.5 s
    assert.equal(minLeaseTtl(1100, 100), 2); // 16 ticks * 100 ms = 1.6 s
    assert.equal(minLeaseTtl(300, 100), 1); // 4 ticks (integer 9/2) * 100 ms
  });
});

