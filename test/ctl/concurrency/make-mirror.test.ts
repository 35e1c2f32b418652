// make-mirror between two real etcds: tetcdctl and etcdctl mirror the same source (initial copy
// under --prefix, then puts, deletes and a multi-op txn followed by the watch) to different
// --dest-prefix roots of one destination, and both copies must be identical.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replaceFirst } from '../../../src/ctl/commands/make-mirror.js';
import { etcdSkipReason, etcdctl, sleep, startEtcd, type Member } from '../../helpers/index.js';
import { runTool, startTool } from './background.js';

const skip = etcdSkipReason();
const WAIT_MS = 10_000;

/** `key=value` lines under a prefix of the destination, with the prefix cut off. */
async function copyUnder(dst: Member, pfx: string): Promise<string[]> {
  const r = await etcdctl(dst.endpoint, ['get', '--prefix', pfx, '-w', 'json']);
  const kvs = (JSON.parse(r.stdout) as { kvs?: { key: string; value: string }[] }).kvs ?? [];
  return kvs.map((kv) => `${Buffer.from(kv.key, 'base64').toString().slice(pfx.length)}=${Buffer.from(kv.value, 'base64').toString()}`);
}

async function waitForCopies(dst: Member, expected: string[]): Promise<void> {
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    const [t, e] = await Promise.all([copyUnder(dst, 't/'), copyUnder(dst, 'e/')]);
    if (JSON.stringify(t) === JSON.stringify(expected) && JSON.stringify(e) === JSON.stringify(expected)) return;
    await sleep(100);
  }
  assert.deepEqual({ t: await copyUnder(dst, 't/'), e: await copyUnder(dst, 'e/') }, { t: expected, e: expected });
}

describe('make-mirror helpers', () => {
  it('replaces the first occurrence of the prefix as strings.Replace(key, p, d, 1), an empty prefix prepends', () => {
    const b = (s: string) => Buffer.from(s);
    assert.equal(replaceFirst(b('src/a'), b('src/'), b('t/')).toString(), 't/a');
    assert.equal(replaceFirst(b('a'), b(''), b('t/')).toString(), 't/a');
    assert.equal(replaceFirst(b('x/src/a'), b('src/'), b('')).toString(), 'x/a');
  });
});

describe('make-mirror', { skip }, () => {
  let src: Member;
  let dst: Member;
  before(async () => {
    [src, dst] = await Promise.all([startEtcd(), startEtcd()]);
  });
  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  it('copies, then follows the source exactly as etcdctl does', async () => {
    for (const [k, v] of [['src/a', '1'], ['src/b', '2'], ['src/c', 'x y'], ['other/z', 'no']]) await etcdctl(src.endpoint, ['put', k, v]);
    const dstUrl = dst.endpoint;
    const mirrors = [
      startTool('tetcdctl', src.endpoint, ['make-mirror', '--prefix', 'src/', '--dest-prefix', 't/', dstUrl]),
      startTool('etcdctl', src.endpoint, ['make-mirror', '--prefix', 'src/', '--dest-prefix', 'e/', dstUrl]),
    ];
    try {
      await waitForCopies(dst, ['a=1', 'b=2', 'c=x y']);
      await etcdctl(src.endpoint, ['put', 'src/d', '4']);
      await etcdctl(src.endpoint, ['del', 'src/a']);
      await etcdctl(src.endpoint, ['put', 'other/q', 'ignored']);
      await etcdctl(src.endpoint, ['txn'], { stdin: '\nput src/t1 x\nput src/b 22\ndel src/c\n\n\n' });
      await waitForCopies(dst, ['b=22', 'd=4', 't1=x']);
      for (const m of mirrors) assert.equal(m.stderr(), '');
    } finally {
      await Promise.all(mirrors.map((m) => m.stop('SIGTERM')));
    }
  });

  it('argument errors as etcdctl', async () => {
    for (const args of [['make-mirror'], ['make-mirror', 'a', 'b'], ['make-mirror', '--dest-prefix', 'x', '--no-dest-prefix', dst.endpoint]]) {
      assert.deepEqual(await runTool('tetcdctl', src.endpoint, args), await runTool('etcdctl', src.endpoint, args), args.join(' '));
    }
  });
});
