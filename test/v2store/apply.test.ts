// applyV2Request: etcd's mapping of pb.Request to store calls (apply_v2.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { V2Error, V2Store, applyV2Request, type V2Event } from '../../src/v2store/index.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;
const newStore = (): V2Store => new V2Store({ namespaces: ['/0', '/1'], now: () => T0 });

function ev(x: V2Event | V2Error | null): V2Event {
  assert.ok(x !== null && !(x instanceof V2Error), `expected an event, got ${String(x)}`);
  return x;
}

describe('applyV2Request', () => {
  it('PUT: set, prevExist=false create, prevExist=true update, prevValue/prevIndex CAS', () => {
    const s = newStore();
    assert.equal(ev(applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'a' })).action, 'set');
    const exists = applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'b', PrevExist: false });
    assert.ok(exists instanceof V2Error && exists.errorCode === 105);
    assert.equal(ev(applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'b', PrevExist: true })).action, 'update');
    assert.equal(ev(applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'c', PrevValue: 'b' })).action, 'compareAndSwap');
    assert.equal(ev(applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'd', PrevIndex: 3n, PrevExist: true })).action, 'compareAndSwap');
    assert.equal(ev(applyV2Request(s, { Method: 'PUT', Path: '/1/n', Val: 'e', PrevExist: false })).action, 'create');
  });

  it('PUT with Expiration sets the TTL; Refresh keeps the value', () => {
    const s = newStore();
    applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'a', Expiration: T0 + 7n * S });
    const r = ev(applyV2Request(s, { Method: 'PUT', Path: '/1/k', PrevExist: true, Refresh: true, Expiration: T0 + 9n * S }));
    assert.deepEqual([r.node.value, r.node.ttl], ['a', 9]);
  });

  it('POST makes in-order keys; DELETE plain, dir, recursive and compare; QGET reads', () => {
    const s = newStore();
    assert.equal(ev(applyV2Request(s, { Method: 'POST', Path: '/1/q', Val: 'x' })).node.key, '/1/q/00000000000000000001');
    applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'a' });
    const cad = applyV2Request(s, { Method: 'DELETE', Path: '/1/k', PrevValue: 'zz' });
    assert.ok(cad instanceof V2Error && cad.errorCode === 101);
    assert.equal(ev(applyV2Request(s, { Method: 'DELETE', Path: '/1/k', PrevIndex: 2n })).action, 'compareAndDelete');
    assert.equal(ev(applyV2Request(s, { Method: 'QGET', Path: '/1/q', Recursive: true })).node.nodes!.length, 1);
    const full = applyV2Request(s, { Method: 'DELETE', Path: '/1/q', Dir: true });
    assert.ok(full instanceof V2Error && full.errorCode === 108);
    assert.equal(ev(applyV2Request(s, { Method: 'DELETE', Path: '/1/q', Recursive: true })).action, 'delete');
  });

  it('SYNC expires keys at the request time; unknown methods are 300', () => {
    const s = newStore();
    applyV2Request(s, { Method: 'PUT', Path: '/1/k', Val: 'a', Expiration: T0 + S });
    assert.equal(applyV2Request(s, { Method: 'SYNC', Time: T0 }), null);
    assert.equal(s.index, 1);
    assert.equal(applyV2Request(s, { Method: 'SYNC', Time: T0 + S }), null);
    assert.equal(s.index, 2);
    const bad = applyV2Request(s, { Method: 'NOPE' });
    assert.ok(bad instanceof V2Error);
    assert.deepEqual([bad.errorCode, bad.cause], [300, 'etcdserver: unknown method']);
  });
});
