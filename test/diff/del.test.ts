// del through etcdctl: single keys, ranges, prefixes, from-key, and --prev-kv.
import assert from 'node:assert/strict';
import { diffSuite } from '../helpers/index.js';

const suite = diffSuite();

suite.sequence('del one key, a missing key, and a range', async (s) => {
  for (const k of ['a', 'b', 'c', 'd']) await s.ctl(['put', `del1/${k}`, k]);
  assert.equal((await s.ctl(['del', 'del1/a'])).stdout, '1\n');
  assert.equal((await s.ctl(['del', 'del1/a'])).stdout, '0\n');
  await s.ctl(['del', 'del1/missing', '-w', 'json']);
  await s.ctl(['del', 'del1/b', 'del1/d', '-w', 'json']); // [b, d): b and c
  await s.ctl(['get', 'del1/', '--prefix', '-w', 'json']);
  await s.ctl(['get', 'del1/b', `--rev=${s.rev(4)}`]); // still readable at an older revision
});

suite.sequence('del --prefix and --prev-kv', async (s) => {
  for (const k of ['x', 'y', 'z']) await s.ctl(['put', `del2/${k}`, `v${k}`]);
  await s.ctl(['put', 'del2x', 'outside the prefix']);
  assert.equal((await s.ctl(['del', 'del2/', '--prefix', '--prev-kv'])).stdout, '3\ndel2/x\nvx\ndel2/y\nvy\ndel2/z\nvz\n');
  await s.ctl(['put', 'del2/x', 'again']);
  await s.ctl(['del', 'del2/', '--prefix', '--prev-kv', '-w', 'json']);
  await s.ctl(['del', 'del2/', '--prefix', '-w', 'json']); // nothing left: no revision bump
  await s.ctl(['get', 'del2', '--prefix', '-w', 'json']);
});

suite.sequence('del --from-key', async (s) => {
  // '~' sorts after every other prefix in this file, so from-key deletes only these keys.
  for (const k of ['1', '2', '3']) await s.ctl(['put', `~del3/${k}`, k]);
  await s.ctl(['del', '~del3/2', '--from-key', '--prev-kv', '-w', 'json']);
  await s.ctl(['get', '~del3/', '--from-key']);
  await s.ctl(['del', '~del3/', '--from-key', '--prefix']); // etcdctl refuses both
});
