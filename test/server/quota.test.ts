// --quota-backend-bytes with the real etcdctl against the tetcd binary: a put that would grow the
// backend past the quota raises the NOSPACE alarm and fails with etcd's error; writes stay
// refused until the alarm is disarmed, reads keep working, nothing acknowledged is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, etcdSkipReason, startTetcd, tetcdSkipReason } from '../helpers/index.js';

const skip = tetcdSkipReason() ?? etcdSkipReason();

test('NOSPACE alarm from --quota-backend-bytes, list and disarm', { skip }, async (t) => {
  const m = await startTetcd({ extraFlags: ['--quota-backend-bytes=400000'] });
  t.after(() => m.stop());
  const big = 'x'.repeat(100_000);
  let acked = 0;
  let err = '';
  for (let i = 0; i < 20; i++) {
    const r = await etcdctl(m.endpoint, ['put', `big${i}`, big]);
    if (r.code !== 0) {
      err = r.stderr;
      break;
    }
    acked++;
  }
  assert.ok(acked >= 1 && acked < 20, `some puts fit, then the quota stops them (${acked})`);
  assert.match(err, /etcdserver: mvcc: database space exceeded/);
  const alarms = await etcdctl(m.endpoint, ['alarm', 'list']);
  assert.match(alarms.stdout, /^memberID:\d+ alarm:NOSPACE $/m);
  const small = await etcdctl(m.endpoint, ['put', 'small', 'v']);
  assert.notEqual(small.code, 0, 'with the alarm raised even a small put is refused');
  assert.match(small.stderr, /database space exceeded/);
  const get = await etcdctl(m.endpoint, ['get', 'big0', '--keys-only']);
  assert.equal(get.stdout.trim(), 'big0', 'reads still work');
  const count = await etcdctl(m.endpoint, ['get', 'big', '--prefix', '--keys-only', '-w', 'json']);
  assert.equal(JSON.parse(count.stdout).count, acked, 'every acknowledged put is there');

  const status = await etcdctl(m.endpoint, ['endpoint', 'status', '-w', 'json']);
  assert.match(status.stdout, /alarm:NOSPACE/);

  // make room, then disarm
  for (let i = 0; i < acked; i++) assert.equal((await etcdctl(m.endpoint, ['del', `big${i}`])).code, 0);
  const rev = JSON.parse((await etcdctl(m.endpoint, ['get', 'x', '-w', 'json'])).stdout).header.revision;
  assert.equal((await etcdctl(m.endpoint, ['compaction', String(rev), '--physical'])).code, 0);
  assert.equal((await etcdctl(m.endpoint, ['defrag'])).code, 0);
  const disarm = await etcdctl(m.endpoint, ['alarm', 'disarm']);
  assert.match(disarm.stdout, /alarm:NOSPACE/);
  assert.equal((await etcdctl(m.endpoint, ['alarm', 'list'])).stdout, '');
  const again = await etcdctl(m.endpoint, ['put', 'small', 'v']);
  assert.equal(again.code, 0, again.stderr);
});
