// Tree operations of the v2 store and every error they can give (etcd: store_test.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PERMANENT, V2Error, V2Store, eventJson } from '../../src/v2store/index.js';

const NOW = 1_700_000_000_000_000_000n;
const newStore = (): V2Store => new V2Store({ namespaces: ['/0', '/1'], now: () => NOW });

function errorOf(fn: () => unknown): V2Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof V2Error) return err;
    throw err;
  }
  assert.fail('expected a V2Error');
}

describe('v2store tree operations', () => {
  it('set creates files and intermediate directories at the same index', () => {
    const s = newStore();
    const e = s.set('/1/a/b/c', false, 'v', PERMANENT);
    assert.equal(e.action, 'set');
    assert.equal(e.etcdIndex, 1);
    assert.deepEqual(e.node, { key: '/1/a/b/c', value: 'v', modifiedIndex: 1, createdIndex: 1 });
    const dir = s.get('/1/a', false, false);
    assert.deepEqual(dir.node, {
      key: '/1/a',
      dir: true,
      nodes: [{ key: '/1/a/b', dir: true, modifiedIndex: 1, createdIndex: 1 }],
      modifiedIndex: 1,
      createdIndex: 1,
    });
    assert.equal(s.index, 1);
  });

  it('set replaces a file and reports prevNode; refuses to replace a directory', () => {
    const s = newStore();
    s.set('/1/k', false, 'one', PERMANENT);
    const e = s.set('/1/k', false, 'two', PERMANENT);
    assert.deepEqual(e.prevNode, { key: '/1/k', value: 'one', modifiedIndex: 1, createdIndex: 1 });
    assert.deepEqual(e.node, { key: '/1/k', value: 'two', modifiedIndex: 2, createdIndex: 2 });
    s.set('/1/d', true, '', PERMANENT);
    const err = errorOf(() => s.set('/1/d', false, 'x', PERMANENT));
    assert.deepEqual([err.errorCode, err.message, err.cause, err.index, err.statusCode], [102, 'Not a file', '/1/d', 3, 403]);
  });

  it('a file in the path is 104 Not a directory', () => {
    const s = newStore();
    s.set('/1/f', false, 'v', PERMANENT);
    const err = errorOf(() => s.set('/1/f/g', false, 'v', PERMANENT));
    assert.deepEqual([err.errorCode, err.cause, err.index], [104, '/1/f', 1]);
    const getErr = errorOf(() => s.get('/1/f/g', false, false));
    assert.deepEqual([getErr.errorCode, getErr.cause], [104, '/1/f']);
  });

  it('get of a missing key is 100 with the first missing path as cause', () => {
    const s = newStore();
    const err = errorOf(() => s.get('/1/x/y', false, false));
    assert.deepEqual([err.errorCode, err.message, err.cause, err.index, err.statusCode], [100, 'Key not found', '/1/x', 0, 404]);
    assert.equal(err.toJSONString(), '{"errorCode":100,"message":"Key not found","cause":"/1/x","index":0}');
  });

  it('create refuses existing keys (105) and the read-only roots (107)', () => {
    const s = newStore();
    s.create('/1/k', false, 'v', false, PERMANENT);
    const err = errorOf(() => s.create('/1/k', false, 'v', false, PERMANENT));
    assert.deepEqual([err.errorCode, err.cause, err.index, err.statusCode], [105, '/1/k', 1, 412]);
    for (const p of ['/', '/1', '/0', '/1/']) {
      const ro = errorOf(() => s.set(p, false, 'v', PERMANENT));
      assert.deepEqual([ro.errorCode, ro.cause], [107, '/'], p);
    }
    assert.equal(errorOf(() => s.delete('/1', true, true)).errorCode, 107);
    assert.equal(errorOf(() => s.update('/', '', PERMANENT)).errorCode, 107);
    assert.equal(errorOf(() => s.compareAndSwap('/0', 'a', 0, 'b', PERMANENT)).errorCode, 107);
  });

  it('unique create makes zero-padded 20-digit in-order keys from the coming index', () => {
    const s = newStore();
    s.set('/1/other', false, 'x', PERMANENT);
    const a = s.create('/1/queue', false, 'job1', true, PERMANENT);
    const b = s.create('/1/queue', false, 'job2', true, PERMANENT);
    assert.equal(a.node.key, '/1/queue/00000000000000000002');
    assert.equal(b.node.key, '/1/queue/00000000000000000003');
    assert.equal(a.action, 'create');
    const list = s.get('/1/queue', true, true).node.nodes!.map((n) => n.value);
    assert.deepEqual(list, ['job1', 'job2']);
  });

  it('get lists one level, recursive lists all, sorted orders by key, hidden nodes never show', () => {
    const s = newStore();
    for (const k of ['/1/d/z', '/1/d/a', '/1/d/_hidden', '/1/d/m/x']) s.set(k, false, k, PERMANENT);
    const flat = s.get('/1/d', false, true).node.nodes!;
    assert.deepEqual(flat.map((n) => n.key), ['/1/d/a', '/1/d/m', '/1/d/z']);
    assert.equal(flat[1]!.nodes, undefined);
    const deep = s.get('/1/d', true, true).node.nodes!;
    assert.deepEqual(deep[1]!.nodes!.map((n) => n.key), ['/1/d/m/x']);
    // A hidden node is still readable by its own name.
    assert.equal(s.get('/1/d/_hidden', false, false).node.value, '/1/d/_hidden');
  });

  it('update changes value keeping createdIndex; 100 when missing; directories only take a TTL', () => {
    const s = newStore();
    s.set('/1/k', false, 'a', PERMANENT);
    const e = s.update('/1/k', 'b', PERMANENT);
    assert.deepEqual(e.node, { key: '/1/k', value: 'b', modifiedIndex: 2, createdIndex: 1 });
    assert.equal(e.prevNode!.value, 'a');
    assert.equal(errorOf(() => s.update('/1/nope', 'x', PERMANENT)).errorCode, 100);
    s.set('/1/d', true, '', PERMANENT);
    assert.equal(errorOf(() => s.update('/1/d', 'x', PERMANENT)).errorCode, 102);
    const du = s.update('/1/d', '', { expireTime: NOW + 5_000_000_000n });
    assert.deepEqual([du.node.dir, du.node.modifiedIndex, du.node.ttl], [true, 4, 5]);
    // etcd leaves a directory's own modifiedIndex alone on update.
    assert.equal(s.get('/1/d', false, false).node.modifiedIndex, 3);
  });

  it('compareAndSwap checks value, index or both with etcd causes', () => {
    const s = newStore();
    s.set('/1/k', false, 'a', PERMANENT);
    const byValue = errorOf(() => s.compareAndSwap('/1/k', 'x', 0, 'b', PERMANENT));
    assert.deepEqual([byValue.errorCode, byValue.cause, byValue.statusCode], [101, '[x != a]', 412]);
    assert.equal(errorOf(() => s.compareAndSwap('/1/k', '', 9, 'b', PERMANENT)).cause, '[9 != 1]');
    assert.equal(errorOf(() => s.compareAndSwap('/1/k', 'x', 9, 'b', PERMANENT)).cause, '[x != a] [9 != 1]');
    const ok = s.compareAndSwap('/1/k', 'a', 1, 'b', PERMANENT);
    assert.deepEqual([ok.action, ok.node.value, ok.node.modifiedIndex, ok.prevNode!.value], ['compareAndSwap', 'b', 2, 'a']);
    s.set('/1/d', true, '', PERMANENT);
    assert.equal(errorOf(() => s.compareAndSwap('/1/d', 'a', 0, 'b', PERMANENT)).errorCode, 102);
  });

  it('delete: files, empty dirs with dir, full dirs only recursive', () => {
    const s = newStore();
    s.set('/1/d/f', false, 'v', PERMANENT);
    assert.equal(errorOf(() => s.delete('/1/d', false, false)).errorCode, 102);
    const notEmpty = errorOf(() => s.delete('/1/d', true, false));
    assert.deepEqual([notEmpty.errorCode, notEmpty.cause, notEmpty.statusCode], [108, '/1/d', 403]);
    const e = s.delete('/1/d', false, true);
    assert.deepEqual(e.node, { key: '/1/d', dir: true, modifiedIndex: 2, createdIndex: 1 });
    assert.deepEqual(e.prevNode, { key: '/1/d', dir: true, modifiedIndex: 1, createdIndex: 1 });
    assert.equal(errorOf(() => s.get('/1/d/f', false, false)).errorCode, 100);
    assert.equal(errorOf(() => s.delete('/1/d', true, true)).errorCode, 100);
  });

  it('compareAndDelete checks like compareAndSwap and refuses directories', () => {
    const s = newStore();
    s.set('/1/k', false, 'a', PERMANENT);
    assert.equal(errorOf(() => s.compareAndDelete('/1/k', 'b', 0)).errorCode, 101);
    const e = s.compareAndDelete('/1/k', 'a', 1);
    assert.equal(eventJson(e), '{"action":"compareAndDelete","node":{"key":"/1/k","modifiedIndex":2,"createdIndex":1},"prevNode":{"key":"/1/k","value":"a","modifiedIndex":1,"createdIndex":1}}');
    s.set('/1/d', true, '', PERMANENT);
    assert.equal(errorOf(() => s.compareAndDelete('/1/d', 'a', 0)).errorCode, 102);
  });

  it('errors do not move the index; stats count successes and failures', () => {
    const s = newStore();
    s.set('/1/k', false, 'a', PERMANENT);
    errorOf(() => s.create('/1/k', false, 'a', false, PERMANENT));
    errorOf(() => s.get('/1/nope', false, false));
    s.get('/1/k', false, false);
    assert.equal(s.index, 1);
    const stats = JSON.parse(s.statsJson()) as Record<string, number>;
    assert.deepEqual([stats.setsSuccess, stats.createFail, stats.getsFail, stats.getsSuccess], [1, 1, 1, 1]);
  });
});
