// elect: the Election over a real etcd (campaign order, proclaim, observe, resign, session
// loss), and `tetcdctl elect` against the real etcdctl: the same observer and campaigner
// output for the same scenario, and the same argument errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RangeResponse } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { V3Client } from '../../../src/client/v3.js';
import { Election, ElectionNotLeaderError, Session } from '../../../src/ctl/concurrency/index.js';
import { etcdSkipReason, sleep, startEtcd, type Member } from '../../helpers/index.js';
import { normaliseKeys, runTool, startTool, type Tool } from './background.js';

const skip = etcdSkipReason();
const WAIT_MS = 10_000;

/** Observer, leader p1, queued p2; p1 resigns (SIGINT), p2 leads, then everything stops. */
async function scenario(tool: Tool, endpoint: string, name: string): Promise<string[]> {
  const observer = startTool(tool, endpoint, ['elect', '-l', name]);
  const c1 = startTool(tool, endpoint, ['elect', name, 'p1']);
  let c2: ReturnType<typeof startTool> | undefined;
  try {
    assert.ok(await c1.waitFor(/\np1\n$/, WAIT_MS), `${tool} c1: ${c1.stderr()}`);
    assert.ok(await observer.waitFor(/\np1\n$/, WAIT_MS), `${tool} observer: ${observer.stderr()}`);
    c2 = startTool(tool, endpoint, ['elect', name, 'p2']);
    assert.equal(await c2.waitFor(/p2/, 2000), false, `${tool}: two leaders at once`);
    assert.equal(await c1.stop('SIGINT'), 0, c1.stderr());
    assert.ok(await c2.waitFor(/\np2\n$/, WAIT_MS), `${tool}: the queued campaigner was not elected`);
    assert.ok(await observer.waitFor(/\np2\n$/, WAIT_MS), `${tool}: the observer missed the new leader`);
    assert.equal(await c2.stop('SIGINT'), 0, c2.stderr());
    assert.equal(await observer.stop('SIGINT'), 0, observer.stderr());
    return [observer.stdout(), c1.stdout(), c2.stdout()].map(normaliseKeys);
  } finally {
    await Promise.all([observer, c1, c2].map((b) => b?.stop('SIGKILL')));
  }
}

describe('elect', { skip }, () => {
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

  it('Election: first campaigner leads, proclaim is observed, resign hands over, a lost session ends', async () => {
    const [s1, s2, so] = await Promise.all([Session.create(client, { ttl: 5 }), Session.create(client, { ttl: 5 }), Session.create(client, { ttl: 5 })]);
    const ac = new AbortController();
    const seen: RangeResponse[] = [];
    const observing = (async () => {
      for await (const r of new Election(so, 'lib').observe(ac.signal)) seen.push(r);
    })();
    try {
      const e1 = new Election(s1, 'lib');
      const e2 = new Election(s2, 'lib');
      await e1.campaign('one');
      const second = e2.campaign('two');
      await sleep(300);
      await e1.proclaim('one-again');
      await e1.resign();
      await second;
      await assert.rejects(e1.proclaim('x'), ElectionNotLeaderError);
      const until = Date.now() + WAIT_MS;
      while (seen.length < 3 && Date.now() < until) await sleep(25);
      assert.deepEqual(
        seen.map((r) => `${r.kvs[0]!.key.toString()}=${r.kvs[0]!.value.toString()}`),
        [`lib/${s1.lease.toString(16)}=one`, `lib/${s1.lease.toString(16)}=one-again`, `lib/${s2.lease.toString(16)}=two`],
      );
      await client.unary('lease', 'leaseRevoke', { ID: s2.lease });
      await Promise.race([s2.done, sleep(WAIT_MS).then(() => assert.fail('session did not notice its revoked lease'))]);
    } finally {
      ac.abort();
      await observing;
      for (const s of [s1, s2, so]) s.orphan();
    }
  });

  it('observer and campaigners print as etcdctl', async () => {
    const t = await scenario('tetcdctl', etcd.endpoint, 'te');
    const e = await scenario('etcdctl', etcd.endpoint, 'te');
    assert.equal(t[0], 'te/<lease>\np1\nte/<lease>\np2\n');
    assert.deepEqual(t, e);
  });

  it('argument errors as etcdctl', async () => {
    for (const args of [['elect'], ['elect', 'a'], ['elect', '-l', 'a', 'b'], ['elect', 'a', 'b', 'c']]) {
      assert.deepEqual(await runTool('tetcdctl', etcd.endpoint, args), await runTool('etcdctl', etcd.endpoint, args), args.join(' '));
    }
  });
});
