// Watchers and the 1000-event history (etcd: watcher_hub_test.go, event_test.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_HISTORY_CAPACITY, PERMANENT, V2Error, V2Store } from '../../src/v2store/index.js';

const newStore = (): V2Store => new V2Store({ namespaces: ['/0', '/1'], now: () => 0n });

describe('v2store watchers and history', () => {
  it('a one-shot watcher fires once on its key, then is gone', async () => {
    const s = newStore();
    const w = s.watch('/1/k', false, false, 0);
    assert.equal(w.startIndex, 0);
    assert.equal(s.watcherCount, 1);
    s.set('/1/other', false, 'x', PERMANENT);
    s.set('/1/k', false, 'v', PERMANENT);
    assert.equal(s.watcherCount, 0);
    const ev = await w.next();
    assert.deepEqual([ev!.action, ev!.node.key, ev!.node.modifiedIndex], ['set', '/1/k', 2]);
  });

  it('recursive watchers see changes below; non-recursive do not; hidden keys are not shown below', async () => {
    const s = newStore();
    const rec = s.watch('/1/d', true, true, 0);
    const flat = s.watch('/1/d', false, false, 0);
    s.set('/1/d/_hidden', false, 'h', PERMANENT);
    s.set('/1/d/a', false, 'a', PERMANENT);
    const ev = await rec.next();
    assert.equal(ev!.node.key, '/1/d/a');
    assert.equal(s.watcherCount, 2);
    flat.remove();
    rec.remove();
    assert.equal(s.watcherCount, 0);
    assert.equal(await rec.next(), null);
  });

  it('a stream watcher gets every event in order', async () => {
    const s = newStore();
    const w = s.watch('/1/k', false, true, 0);
    for (const v of ['a', 'b', 'c']) s.set('/1/k', false, v, PERMANENT);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await w.next())!.node.value);
    assert.deepEqual(got, ['a', 'b', 'c']);
    w.remove();
  });

  it('deleting a directory notifies watchers of keys inside it', async () => {
    const s = newStore();
    s.set('/1/d/k', false, 'v', PERMANENT);
    const w = s.watch('/1/d/k', false, false, 0);
    s.delete('/1/d', true, true);
    const ev = await w.next();
    assert.deepEqual([ev!.action, ev!.node.key], ['delete', '/1/d']);
  });

  it('a waitIndex in the history answers at once with the store index as etcdIndex', async () => {
    const s = newStore();
    s.set('/1/k', false, 'a', PERMANENT);
    s.set('/1/k', false, 'b', PERMANENT);
    s.set('/1/x', false, 'c', PERMANENT);
    const w = s.watch('/1/k', false, false, 2);
    assert.equal(s.watcherCount, 0);
    const ev = await w.next();
    assert.deepEqual([ev!.node.value, ev!.etcdIndex, w.startIndex], ['b', 3, 3]);
    // In history a deleted directory matches keys below it.
    s.set('/1/dir/k', false, 'v', PERMANENT);
    s.delete('/1/dir', true, true);
    const below = await s.watch('/1/dir/k/deeper', false, false, 5).next();
    assert.deepEqual([below!.action, below!.node.key, below!.node.modifiedIndex], ['delete', '/1/dir', 5]);
  });

  it('an index older than the 1000-event history is 401 EventIndexCleared', () => {
    const s = newStore();
    for (let i = 0; i < EVENT_HISTORY_CAPACITY + 5; i++) s.set('/1/k', false, String(i), PERMANENT);
    try {
      s.watch('/1/k', false, false, 3);
      assert.fail('expected 401');
    } catch (err) {
      assert.ok(err instanceof V2Error);
      assert.deepEqual(
        [err.errorCode, err.message, err.cause, err.index, err.statusCode],
        [401, 'The event in requested index is outdated and cleared', 'the requested history has been cleared [6/3]', 1005, 400],
      );
    }
    assert.equal(s.watch('/1/k', false, false, 6).startIndex, 1005);
  });

  it('a watcher that falls 100 events behind is closed', async () => {
    const s = newStore();
    const w = s.watch('/1/k', false, true, 0);
    for (let i = 0; i < 101; i++) s.set('/1/k', false, String(i), PERMANENT);
    assert.equal(s.watcherCount, 0);
    let n = 0;
    while ((await w.next()) !== null) n++;
    assert.equal(n, 100);
  });
});
