// TTLs: expiration and ttl in answers, expiry only through deleteExpiredKeys (SYNC), refresh.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PERMANENT, V2Store, eventJson } from '../../src/v2store/index.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S; // 2023-11-14T22:13:20Z

function storeAt(clock: { now: bigint }): V2Store {
  return new V2Store({ namespaces: ['/0', '/1'], now: () => clock.now });
}

describe('v2store TTLs', () => {
  it('shows expiration (RFC 3339 with Go nanoseconds) and ttl rounded up', () => {
    const clock = { now: T0 };
    const s = storeAt(clock);
    const e = s.set('/1/k', false, 'v', { expireTime: T0 + 10n * S + 123_450_000n });
    assert.equal(eventJson(e), '{"action":"set","node":{"key":"/1/k","value":"v","expiration":"2023-11-14T22:13:30.12345Z","ttl":11,"modifiedIndex":1,"createdIndex":1}}');
    clock.now = T0 + 10n * S;
    assert.equal(s.get('/1/k', false, false).node.ttl, 1);
  });

  it('keys expire only when deleteExpiredKeys reaches them, one index per key, in expiry order', () => {
    const clock = { now: T0 };
    const s = storeAt(clock);
    s.set('/1/late', false, 'v', { expireTime: T0 + 20n * S });
    s.set('/1/early', false, 'v', { expireTime: T0 + 5n * S });
    s.set('/1/forever', false, 'v', PERMANENT);
    clock.now = T0 + 60n * S; // the clock alone expires nothing
    assert.equal(s.get('/1/early', false, false).node.value, 'v');
    s.deleteExpiredKeys(T0 + 5n * S - 1n);
    assert.equal(s.index, 3);
    s.deleteExpiredKeys(T0 + 30n * S);
    assert.equal(s.index, 5);
    assert.deepEqual(s.get('/1', false, true).node.nodes!.map((n) => n.key), ['/1/forever']);
    assert.equal(s.hasTtlKeys(), false);
    const w = s.watch('/1/early', false, false, 4);
    return w.next().then((ev) => {
      assert.equal(eventJson(ev!), `{"action":"expire","node":{"key":"/1/early","modifiedIndex":4,"createdIndex":2},"prevNode":{"key":"/1/early","value":"v","expiration":"2023-11-14T22:13:25Z","ttl":-55,"modifiedIndex":2,"createdIndex":2}}`);
    });
  });

  it('an expiring directory takes its children and notifies their watchers', async () => {
    const s = storeAt({ now: T0 });
    s.set('/1/d', true, '', { expireTime: T0 + S });
    s.set('/1/d/child', false, 'v', PERMANENT);
    const w = s.watch('/1/d/child', false, false, 0);
    s.deleteExpiredKeys(T0 + S);
    const ev = await w.next();
    assert.deepEqual([ev!.action, ev!.node.key, ev!.node.dir], ['expire', '/1/d', true]);
    assert.equal(s.index, 3);
  });

  it('update can add, change and remove a TTL', () => {
    const s = storeAt({ now: T0 });
    s.set('/1/k', false, 'v', PERMANENT);
    s.update('/1/k', 'v', { expireTime: T0 + 3n * S });
    assert.equal(s.hasTtlKeys(), true);
    s.update('/1/k', 'v', { expireTime: T0 + 9n * S });
    s.deleteExpiredKeys(T0 + 5n * S);
    assert.equal(s.get('/1/k', false, false).node.ttl, 9);
    s.update('/1/k', 'v', PERMANENT);
    assert.equal(s.hasTtlKeys(), false);
    assert.equal(s.get('/1/k', false, false).node.expiration, undefined);
  });

  it('refresh renews the TTL, keeps the value, and wakes no watcher', async () => {
    const s = storeAt({ now: T0 });
    s.set('/1/k', false, 'v', { expireTime: T0 + 5n * S });
    const w = s.watch('/1/k', false, false, 0);
    const e = s.update('/1/k', '', { expireTime: T0 + 50n * S, refresh: true });
    assert.deepEqual([e.node.value, e.node.ttl, e.refresh], ['v', 50, true]);
    s.set('/1/k', false, 'x', PERMANENT);
    const ev = await w.next();
    assert.deepEqual([ev!.action, ev!.node.value], ['set', 'x']);
  });

  it('expirations before the year 2000 count as none (etcd: minExpireTime)', () => {
    const s = storeAt({ now: T0 });
    const e = s.set('/1/k', false, 'v', { expireTime: 1n });
    assert.equal(e.node.expiration, undefined);
    assert.equal(s.hasTtlKeys(), false);
  });
});
