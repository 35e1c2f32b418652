// save()/recover(): etcd's Save() JSON shape, and a round trip that keeps tree, TTLs, history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PERMANENT, V2Store } from '../../src/v2store/index.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;
const newStore = (): V2Store => new V2Store({ namespaces: ['/0', '/1'], now: () => T0 });

describe('v2store snapshots', () => {
  it('writes the JSON shape of etcd 3.4 store.Save()', () => {
    const s = newStore();
    s.set('/1/k', false, 'v', { expireTime: T0 + 5n * S + 1n });
    const saved = s.save();
    const raw = JSON.parse(saved) as Record<string, any>;
    assert.deepEqual(Object.keys(raw), ['Root', 'WatcherHub', 'CurrentIndex', 'Stats', 'CurrentVersion']);
    assert.deepEqual(raw.Root.Children['1'].Children.k, {
      Path: '/1/k',
      CreatedIndex: 1,
      ModifiedIndex: 1,
      ExpireTime: '2023-11-14T22:13:25.000000001Z',
      Value: 'v',
      Children: null,
    });
    assert.ok(saved.startsWith('{"Root":{"Path":"/","CreatedIndex":0,"ModifiedIndex":0,"ExpireTime":"0001-01-01T00:00:00Z","Value":"","Children":{"0":{"Path":"/0",'));
    const q = raw.WatcherHub.EventHistory.Queue;
    assert.deepEqual([q.Events.length, q.Size, q.Front, q.Back, q.Capacity], [1000, 1, 0, 1, 1000]);
    assert.equal(q.Events[1], null);
    assert.deepEqual([raw.WatcherHub.EventHistory.StartIndex, raw.WatcherHub.EventHistory.LastIndex], [1, 1]);
    assert.deepEqual([raw.CurrentIndex, raw.CurrentVersion, raw.Stats.setsSuccess], [1, 2, 1]);
  });

  it('round-trips: same tree, same index, TTL keys still expire, history still answers watches', async () => {
    const a = newStore();
    a.set('/1/d/x', false, 'x', PERMANENT);
    a.set('/1/t', false, 't', { expireTime: T0 + 3n * S });
    a.create('/1/q', false, 'job', true, PERMANENT);
    a.delete('/1/d/x', false, false);
    const b = newStore();
    b.recover(a.save());
    assert.equal(b.save(), a.save());
    assert.equal(b.index, 4);
    assert.deepEqual(b.get('/1', true, true), a.get('/1', true, true));
    const ev = await b.watch('/1/d/x', false, false, 1).next();
    assert.equal(ev!.node.value, 'x');
    b.deleteExpiredKeys(T0 + 3n * S);
    assert.equal(b.index, 5);
    assert.throws(() => b.get('/1/t', false, false), /Key not found/);
  });

  it('clone is independent of later writes', () => {
    const s = newStore();
    s.set('/1/k', false, 'before', PERMANENT);
    const c = s.clone();
    s.set('/1/k', false, 'after', PERMANENT);
    assert.equal(c.get('/1/k', false, false).node.value, 'before');
    assert.equal(c.index, 1);
  });

  it('refuses malformed snapshots and keeps its state', () => {
    const s = newStore();
    s.set('/1/k', false, 'v', PERMANENT);
    assert.throws(() => s.recover('{"Root":{"Path":1}}'));
    assert.throws(() => s.recover('not json'));
    assert.equal(s.get('/1/k', false, false).node.value, 'v');
  });
});
