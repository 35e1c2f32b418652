// `tetcdctl snapshot restore --bump-revision N --mark-compacted` (etcdutl's flags): the restored
// member serves the snapshot's keys unchanged, at revision latest+N, with everything before that
// compacted (reads and watches from old revisions get ErrCompacted), new writes above it, and
// the state survives a restart. etcdutl's flag check and message are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WatchCreateRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, connect, etcdctl, makeTempDir, removeDir, watchCollect } from '../helpers/index.js';
import { ctlJson, endpointOf, kvsOf, startMember, tetcdctl } from './util.js';

const PEER = 'http://127.0.0.1:12395';
const BUMP = 1000;

function restoreArgs(file: string, dataDir: string, extra: string[]): string[] {
  return ['snapshot', 'restore', file, '--data-dir', dataDir, '--name', 'r1', '--initial-cluster', `r1=${PEER}`, '--initial-advertise-peer-urls', PEER, ...extra];
}

test('restore --bump-revision 1000 --mark-compacted: old revision + 1000, compacted below, data unchanged', async (t) => {
  const dir = await makeTempDir('restore-bump');
  t.after(() => removeDir(dir));
  const src = await startMember(join(dir, 'src'), 'src', 'http://127.0.0.1:12396');
  const file = join(dir, 'snap.db');
  let expected: any;
  try {
    const ep = endpointOf(src);
    for (const args of [['put', 'k1', 'v1'], ['put', 'k1', 'v2'], ['put', 'k2', 'x'], ['del', 'k2'], ['put', 'k3', 'v3']]) {
      assert.equal((await etcdctl(ep, args)).code, 0);
    }
    expected = await ctlJson(ep, ['get', '', '--prefix']);
    assert.equal((await tetcdctl(['--endpoints', ep, 'snapshot', 'save', file])).code, 0);
  } finally {
    await src.close();
  }
  const old: number = expected.header.revision;
  const bumped = old + BUMP;

  const dataDir = join(dir, 'restored');
  const r = await tetcdctl(restoreArgs(file, dataDir, ['--bump-revision', String(BUMP), '--mark-compacted']));
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.msg), ['restoring snapshot', 'bumping latest revision', 'marking revision compacted', 'added member', 'restored snapshot']);
  const bumpLine = lines[1];
  assert.deepEqual([bumpLine['latest-revision'], bumpLine['bump-amount'], bumpLine['new-latest-revision']], [old, BUMP, bumped]);
  assert.equal(lines[2].revision, bumped);

  let srv = await startMember(dataDir, 'r1', PEER);
  let closed = false;
  t.after(() => (closed ? undefined : srv.close()));
  let ep = endpointOf(srv);
  const status = await ctlJson(ep, ['endpoint', 'status']);
  assert.equal(status[0].Status.header.revision, bumped, 'endpoint status: the old revision + the bump');
  const got = await ctlJson(ep, ['get', '', '--prefix']);
  assert.deepEqual(kvsOf(got), kvsOf(expected), 'keys, values, create/mod revisions and versions unchanged');
  assert.equal(got.header.revision, bumped);

  const oldRead = await etcdctl(ep, ['get', 'k1', '--rev', String(old)]);
  assert.notEqual(oldRead.code, 0);
  assert.match(oldRead.stderr, /mvcc: required revision has been compacted/);

  const clients = connect(ep);
  try {
    const rs = await watchCollect(clients.watch, WatchCreateRequest.fromPartial({ key: b('k1'), start_revision: 2n }), {
      until: (x) => x.some((w) => w.canceled),
    });
    const canceled = rs.find((w) => w.canceled);
    assert.ok(canceled, `the watch from revision 2 is canceled: ${JSON.stringify(rs.map((w) => ({ ...w, header: undefined })), (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    assert.equal(canceled.compact_revision, BigInt(bumped));
    // etcd 3.4 sends no cancel_reason here: clients (clientv3) turn compact_revision into
    // ErrCompacted, "mvcc: required revision has been compacted"
    assert.equal(canceled.cancel_reason, '');
    assert.equal(rs.reduce((n, w) => n + w.events.length, 0), 0, 'no events from the old history');
  } finally {
    clients.close();
  }

  const put = await ctlJson(ep, ['put', 'after', 'bump']);
  assert.equal(put.header.revision, bumped + 1, 'a new write gets the revision above the bumped one');
  const compactOld = await etcdctl(ep, ['compaction', String(bumped)]);
  assert.match(compactOld.stderr, /mvcc: required revision has been compacted/, 'the bumped revision is the compact revision');

  // the marks are persisted: a restart serves the same revision and compact revision
  await srv.close();
  closed = true;
  srv = await startMember(dataDir, 'r1', PEER);
  closed = false;
  ep = endpointOf(srv);
  const again = await ctlJson(ep, ['get', 'after']);
  assert.equal(again.header.revision, bumped + 1);
  assert.equal(kvsOf(again)[0]!.mod_revision, bumped + 1);
  assert.match((await etcdctl(ep, ['get', 'k1', '--rev', String(bumped - 1)])).stderr, /required revision has been compacted/);
});

test('--bump-revision and --mark-compacted go together (etcdutl\'s check, exit 128)', async (t) => {
  const dir = await makeTempDir('restore-bump-flags');
  t.after(() => removeDir(dir));
  for (const extra of [['--mark-compacted'], ['--bump-revision', '5'], ['--bump-revision', '0', '--mark-compacted']]) {
    const out = join(dir, 'out');
    const r = await tetcdctl(restoreArgs(join(dir, 'unused.db'), out, extra));
    assert.equal(r.code, 128, extra.join(' '));
    assert.equal(r.stderr, 'Error: --mark-compacted required if --revision-bump > 0\n');
    assert.equal(existsSync(out), false, 'nothing written');
  }
  const bad = await tetcdctl(restoreArgs(join(dir, 'unused.db'), join(dir, 'out'), ['--bump-revision', '-1', '--mark-compacted']));
  assert.notEqual(bad.code, 0, 'a negative bump is not a uint');
});
