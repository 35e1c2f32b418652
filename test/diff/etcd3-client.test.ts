// Interop: the `etcd3` npm client (its own gRPC stack and proto loading) against both servers,
// doing put/get/delete/txn/lease/watch. Its results are recorded and compared like etcdctl's.
import assert from 'node:assert/strict';
import { Etcd3, type IKeyValue } from 'etcd3';
import { diffSuite, sleep, type NormaliseOptions, type Session } from '../helpers/index.js';

const suite = diffSuite();
const WATCH_WAIT_MS = 5_000;

/** A client for the session's target; each sequence closes it. */
function client(s: Session): Etcd3 {
  return new Etcd3({ hosts: `http://${s.endpoint}` });
}

/** Run `fn`, recording its result or its error class and message. */
async function step(s: Session, label: string, fn: () => PromiseLike<unknown>, opts: NormaliseOptions = {}): Promise<unknown> {
  try {
    const v = await fn();
    s.record(label, v ?? null, opts);
    return v;
  } catch (err) {
    const e = err as Error;
    s.record(label, { error: e.constructor.name, message: e.message });
    return undefined;
  }
}

suite.sequence('etcd3: put, get, getAll, delete', async (s) => {
  const c = client(s);
  try {
    await step(s, 'put a', () => c.put('e1/a').value('1').exec());
    await step(s, 'put b', () => c.put('e1/b').value('2').exec());
    await step(s, 'put a again, previous', () => c.put('e1/a').value('3').getPrevious());
    assert.equal(await step(s, 'get a', () => c.get('e1/a').string()), '3');
    await step(s, 'get missing', () => c.get('e1/missing').string());
    await step(s, 'get a raw', () => c.get('e1/a').exec());
    await step(s, 'getAll prefix strings', () => c.getAll().prefix('e1/').strings());
    await step(s, 'getAll prefix keys', () => c.getAll().prefix('e1/').keys());
    await step(s, 'getAll prefix count', () => c.getAll().prefix('e1/').count());
    await step(s, 'getAll sorted by value desc, limit 1', () => c.getAll().prefix('e1/').sort('Value', 'Descend').limit(1).strings());
    await step(s, 'get old revision', () => c.get('e1/a').revision(s.rev(1)).string());
    await step(s, 'get future revision', () => c.get('e1/a').revision(s.rev(100)).string());
    await step(s, 'delete a, previous', () => c.delete().key('e1/a').getPrevious());
    await step(s, 'delete prefix', () => c.delete().prefix('e1/').exec());
    await step(s, 'getAll after delete', () => c.getAll().prefix('e1/').strings());
  } finally {
    c.close();
  }
});

suite.sequence('etcd3: txn with compares', async (s) => {
  const c = client(s);
  try {
    await c.put('e2/k').value('v1');
    await step(s, 'if value == v1 then put', () => c.if('e2/k', 'Value', '==', 'v1').then(c.put('e2/k').value('v2')).else(c.get('e2/k')).commit());
    await step(s, 'if value == v1 (stale) else get', () => c.if('e2/k', 'Value', '==', 'v1').then(c.put('e2/k').value('v3')).else(c.get('e2/k')).commit());
    await step(s, 'if version > 1 and create == start+1', () =>
      c.if('e2/k', 'Version', '>', 1).and('e2/k', 'Create', '==', s.rev(1)).then(c.delete().key('e2/k')).commit(),
    );
    await step(s, 'if missing version == 0', () => c.if('e2/none', 'Version', '==', 0).then(c.put('e2/none').value('made')).commit());
    await step(s, 'duplicate keys', () => c.if('e2/k', 'Version', '==', 0).then(c.put('e2/d').value('1'), c.put('e2/d').value('2')).commit());
    await step(s, 'final state', () => c.getAll().prefix('e2/').strings());
  } finally {
    c.close();
  }
});

suite.sequence('etcd3: lease grant, put, ttl, revoke', async (s) => {
  const c = client(s);
  const lease = c.lease(600, { autoKeepAlive: false });
  try {
    const id = await lease.grant();
    s.record('grant', { lease: id });
    await step(s, 'put with lease', () => lease.put('e3/k').value('v').exec());
    await step(s, 'get with lease', () => c.get('e3/k').exec());
    // TTL here is the remaining time, which depends on timing.
    await step(s, 'time to live with keys', () => c.leaseClient.leaseTimeToLive({ ID: id, keys: true }), { ignore: ['TTL'] });
    await step(s, 'keepalive once', () => lease.keepaliveOnce());
    await step(s, 'revoke', () => lease.revoke());
    await step(s, 'get after revoke', () => c.get('e3/k').string());
    await step(s, 'revoke an unknown lease', () => c.leaseClient.leaseRevoke({ ID: '1234' }));
  } finally {
    if (!lease.revoked()) await lease.revoke().catch(() => undefined);
    c.close();
  }
});

suite.sequence('etcd3: watch puts and deletes', async (s) => {
  const c = client(s);
  const seen: { type: string; kv: IKeyValue }[] = [];
  try {
    const watcher = await c.watch().prefix('e4/').create();
    watcher.on('put', (kv) => seen.push({ type: 'put', kv }));
    watcher.on('delete', (kv) => seen.push({ type: 'delete', kv }));
    await c.put('e4/a').value('1');
    await c.put('e4/a').value('2');
    await c.delete().key('e4/a');
    const deadline = Date.now() + WATCH_WAIT_MS;
    while (seen.length < 3 && Date.now() < deadline) await sleep(20);
    await watcher.cancel();
    s.record('events', seen);
    assert.equal(seen.length, 3);
  } finally {
    c.close();
  }
});
