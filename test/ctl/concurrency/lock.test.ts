// lock: the Mutex over a real etcd (queueing, abort, release), and `tetcdctl lock` against the
// real etcdctl on the same server: exec mode, holding until a signal, errors, and mutual
// exclusion between two tetcdctl processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RangeRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { V3Client } from '../../../src/client/v3.js';
import { CanceledError, Mutex, Session } from '../../../src/ctl/concurrency/index.js';
import { prefixRangeEnd } from '../../../src/ctl/keys.js';
import { etcdSkipReason, sleep, startEtcd, type Member } from '../../helpers/index.js';
import { normaliseKeys, runTool, startTool } from './background.js';

const skip = etcdSkipReason();

async function keysUnder(c: V3Client, pfx: string): Promise<string[]> {
  const key = Buffer.from(pfx);
  const r = await c.unary('kv', 'range', RangeRequest.fromPartial({ key, range_end: prefixRangeEnd(key) }));
  return r.kvs.map((kv) => kv.key.toString());
}

/** Settles within `ms`? (a pending lock must stay pending) */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await sleep(ms);
  return done;
}

describe('lock', { skip }, () => {
  let etcd: Member;
  let client: V3Client;
  before(async () => {
    etcd = await startEtcd();
    client = new V3Client({ endpoints: [etcd.endpoint] });
  });
  after(async () => {
    client?.close();
    await etcd?.stop();
  });

  it('Mutex: the second session waits for the first, and an aborted waiter leaves the queue', async () => {
    const [s1, s2, s3] = await Promise.all([Session.create(client, { ttl: 5 }), Session.create(client, { ttl: 5 }), Session.create(client, { ttl: 5 })]);
    try {
      const m1 = new Mutex(s1, 'lib');
      await m1.lock();
      assert.equal(m1.key, `lib/${s1.lease.toString(16)}`);
      const m2 = new Mutex(s2, 'lib');
      const second = m2.lock();
      assert.equal(await settlesWithin(second, 300), false, 'second lock granted while the first holds it');
      await m1.unlock();
      await second;
      assert.ok(m2.header!.revision > 0n);
      const ac = new AbortController();
      const third = new Mutex(s3, 'lib').lock(ac.signal);
      assert.equal(await settlesWithin(third, 200), false);
      assert.equal((await keysUnder(client, 'lib/')).length, 2);
      ac.abort();
      await assert.rejects(third, CanceledError);
      assert.deepEqual(await keysUnder(client, 'lib/'), [m2.key]);
      await s2.close();
      assert.deepEqual(await keysUnder(client, 'lib/'), [], 'closing the session revokes its lease and key');
      await s2.done;
    } finally {
      for (const s of [s1, s2, s3]) s.orphan();
    }
  });

  it('exec mode: the same output as etcdctl, ETCD_LOCK_KEY/ETCD_LOCK_REV set, lock released', async () => {
    const args = ['lock', 'ex', '--', 'sh', '-c', 'echo "key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV"'];
    const t = await runTool('tetcdctl', etcd.endpoint, args);
    const e = await runTool('etcdctl', etcd.endpoint, args);
    assert.match(t.stdout, /^key=ex\/[0-9a-f]+ rev=[1-9]\d*\n$/);
    assert.deepEqual({ ...t, stdout: normaliseKeys(t.stdout) }, { ...e, stdout: normaliseKeys(e.stdout) });
    assert.deepEqual(await keysUnder(client, 'ex/'), []);
  });

  it('errors: as etcdctl (no name, failing command, missing executable)', async () => {
    for (const args of [['lock'], ['lock', 'er', '--', 'sh', '-c', 'exit 3'], ['lock', 'er', 'no-such-program-x']]) {
      const t = await runTool('tetcdctl', etcd.endpoint, args);
      const e = await runTool('etcdctl', etcd.endpoint, args);
      assert.deepEqual(t, e, args.join(' '));
    }
    assert.deepEqual(await keysUnder(client, 'er/'), []);
  });

  it('holds until SIGINT printing the key as etcdctl, then releases', async () => {
    const outs: string[] = [];
    for (const tool of ['tetcdctl', 'etcdctl'] as const) {
      const b = startTool(tool, etcd.endpoint, ['lock', 'held', '--ttl', '5']);
      assert.ok(await b.waitFor(/\n\n$/), `${tool} did not print the lock key: ${b.stderr()}`);
      assert.equal((await keysUnder(client, 'held/')).length, 1);
      assert.equal(await b.stop('SIGINT'), 0, b.stderr());
      assert.deepEqual(await keysUnder(client, 'held/'), []);
      outs.push(normaliseKeys(b.stdout()));
    }
    assert.equal(outs[0], 'held/<lease>\n\n');
    assert.equal(outs[0], outs[1]);
  });

  it('mutual exclusion between two tetcdctl processes', async () => {
    const holder = startTool('tetcdctl', etcd.endpoint, ['lock', 'mx']);
    try {
      assert.ok(await holder.waitFor(/^mx\/[0-9a-f]+\n\n$/), holder.stderr());
      const holderKey = holder.stdout().split('\n')[0]!;
      const waiter = startTool('tetcdctl', etcd.endpoint, ['lock', 'mx', '--', 'sh', '-c', 'echo "got $ETCD_LOCK_KEY"']);
      assert.equal(await waiter.waitFor(/got/, 2000), false, 'the waiter ran while the lock was held');
      // the waiter is a fresh Node process: give it (bounded) time to start and queue its key
      let queued = (await keysUnder(client, 'mx/')).length;
      for (let i = 0; i < 100 && queued < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        queued = (await keysUnder(client, 'mx/')).length;
      }
      assert.equal(queued, 2, 'the waiter is queued');
      assert.equal(await holder.stop('SIGTERM'), 0);
      assert.equal(await waiter.exited, 0, waiter.stderr());
      assert.match(waiter.stdout(), /^got mx\/[0-9a-f]+\n$/);
      assert.notEqual(waiter.stdout().slice(4, -1), holderKey);
      assert.deepEqual(await keysUnder(client, 'mx/'), []);
    } finally {
      await holder.stop('SIGKILL');
    }
  });
});
