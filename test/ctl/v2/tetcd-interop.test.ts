// A handful of API 2 command lines against tetcd --enable-v2: tetcdctl and the real etcdctl
// must print the same thing (masked indexes), so tetcdctl and tetcd's /v2 agree with etcd's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTetcd, tetcdSkipReason, type Member } from '../../helpers/index.js';
import { mask, run, runInProcess } from './harness.js';

const CASES: readonly (readonly string[])[] = [
  ['set', '/i/a', 'va'],
  ['-o', 'json', 'get', '/i/a'],
  ['-o', 'extended', 'get', '/i/a'],
  ['get', '/i/nokey'],
  ['mkdir', '/i/d'],
  ['ls', '--sort', '-r', '-p', '/i'],
  ['mk', '/i/a', 'x'],
  ['update', '/i/a', 'u'],
  ['rm', '/i/d'],
  ['rmdir', '/i/d'],
  ['member', 'list'],
  ['cluster-health'],
];

describe('tetcdctl ETCDCTL_API=2 against tetcd --enable-v2', { skip: tetcdSkipReason() }, () => {
  let tetcd: Member;
  before(async () => {
    tetcd = await startTetcd({ extraFlags: ['--enable-v2'] });
  });
  after(async () => tetcd?.stop());

  it('prints what etcdctl prints', async () => {
    const ep = `--endpoints=${tetcd.clientUrl}`;
    const failures: string[] = [];
    for (const c of CASES) {
      await run('etcdctl', [ep, 'rm', '-r', '/i']);
      for (const s of [['set', '/i/a', 'va'], ['mkdir', '/i/d']]) await run('etcdctl', [ep, ...s]);
      const want = await run('etcdctl', [ep, ...c]);
      await run('etcdctl', [ep, 'rm', '-r', '/i']);
      for (const s of [['set', '/i/a', 'va'], ['mkdir', '/i/d']]) await run('etcdctl', [ep, ...s]);
      const got = await runInProcess([ep, ...c]);
      const show = (r: typeof got) => `code ${r.code}\n${mask(r.stdout)}--\n${mask(r.stderr)}`;
      if (show(got) !== show(want)) failures.push(`${c.join(' ')}\n=== etcdctl\n${show(want)}\n=== tetcdctl\n${show(got)}`);
    }
    assert.deepEqual(failures, []);
  });
});
