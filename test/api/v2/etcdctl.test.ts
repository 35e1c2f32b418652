// The real `ETCDCTL_API=2 etcdctl` (3.4) against the v2 handler over the in-memory member.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startFixture, type FixtureServer } from './fixture.js';

const ETCDCTL = '/usr/bin/etcdctl';
const skip = existsSync(ETCDCTL) ? false : `${ETCDCTL} not installed`;

let fx: FixtureServer;
before(async () => (fx = await startFixture()));
after(() => fx.close());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ctl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      ETCDCTL,
      ['--endpoints', fx.url, ...args],
      { env: { ...process.env, ETCDCTL_API: '2' }, timeout: 10_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await ctl(...args);
  assert.equal(r.code, 0, `etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('ETCDCTL_API=2 etcdctl against the v2 handler', { skip }, () => {
  it('set, get, mk, update and their errors', async () => {
    assert.equal(await ok('set', '/foo', 'bar'), 'bar\n');
    assert.equal(await ok('get', '/foo'), 'bar\n');
    const mk = await ctl('mk', '/foo', 'again');
    assert.equal(mk.code, 4);
    assert.match(mk.stderr, /Error:\s+105: Key already exists \(\/foo\) \[1\]/);
    assert.equal(await ok('mk', '/new', 'v'), 'v\n');
    assert.equal(await ok('update', '/foo', 'baz'), 'baz\n');
    const missing = await ctl('get', '/nope');
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /100: Key not found \(\/nope\)/);
  });

  it('mkdir, ls --recursive --sort, rmdir, rm --recursive, updatedir', async () => {
    await ok('mkdir', '/dir');
    await ok('set', '/dir/b', '2');
    await ok('set', '/dir/a', '1');
    await ok('mkdir', '/dir/sub');
    assert.equal(await ok('ls', '--recursive', '--sort', '/dir'), '/dir/a\n/dir/b\n/dir/sub\n');
    const notEmpty = await ctl('rmdir', '/dir');
    assert.match(notEmpty.stderr, /108: Directory not empty \(\/dir\)/);
    await ok('rmdir', '/dir/sub');
    await ok('updatedir', '--ttl', '100', '/dir');
    const json = JSON.parse(await ok('-o', 'json', 'get', '/dir/a'));
    assert.equal(json.node.value, '1');
    await ok('rm', '--recursive', '/dir');
    assert.match((await ctl('ls', '/dir')).stderr, /100: Key not found/);
  });

  it('--ttl, --swap-with-value, --swap-with-index, rm --with-value', async () => {
    await ok('set', '--ttl', '60', '/t', 'v');
    const ext = await ok('-o', 'extended', 'get', '/t');
    assert.match(ext, /^Key: \/t\nCreated-Index: \d+\nModified-Index: \d+\nTTL: (60|59)\nIndex: \d+\n\nv\n$/);
    const bad = await ctl('set', '--swap-with-value', 'wrong', '/t', 'w');
    assert.match(bad.stderr, /101: Compare failed \(\[wrong != v\]\)/);
    await ok('set', '--swap-with-value', 'v', '/t', 'w');
    const index = fx.member.v2Store.get('/1/t', false, false).node.modifiedIndex;
    await ok('set', '--swap-with-index', String(index), '/t', 'x');
    assert.equal(await ok('get', '/t'), 'x\n');
    await ok('rm', '--with-value', 'x', '/t');
  });

  it('watch --after-index answers from history; watch waits for the next change', async () => {
    await ok('set', '/wk', 'first');
    const idx = fx.member.v2Store.index;
    await ok('set', '/wk', 'second');
    assert.equal(await ok('watch', '--after-index', String(idx), '/wk'), 'second\n');
    const pending = ctl('watch', '/wk');
    await new Promise((r) => setTimeout(r, 300));
    await ok('set', '/wk', 'third');
    const r = await pending;
    assert.equal(r.stdout, 'third\n');
  });

  it('member list', async () => {
    const out = await ok('member', 'list');
    assert.equal(out, `8e9e05c52164694d: name=default peerURLs=http://127.0.0.1:2380 clientURLs=${fx.url} isLeader=true\n`);
  });
});
