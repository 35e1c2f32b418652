// `tetcdctl snapshot restore`: a snapshot saved from a REAL etcd and one saved from tetcd are
// restored into new data dirs, tetcd starts on them as a new cluster, and keys, revisions,
// leases and the member list are checked; the hash check and etcd's refusals are compared with
// the real etcdctl's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeClusterId, computeMemberId } from '../../src/server/membership.js';
import { ETCDCTL_BIN, etcdctl, etcdSkipReason, makeTempDir, removeDir, startEtcd } from '../helpers/index.js';
import { ctlJson, endpointOf, kvsOf, startMember, tetcdctl } from './util.js';
import { spawnSync } from 'node:child_process';

const PEER = 'http://127.0.0.1:12380';
const TOKEN = 'restore-token';

function restoreArgs(file: string, dataDir: string, name = 'r1', extra: string[] = []): string[] {
  return ['snapshot', 'restore', file, '--data-dir', dataDir, '--name', name, '--initial-cluster', `${name}=${PEER}`, '--initial-advertise-peer-urls', PEER, '--initial-cluster-token', TOKEN, ...extra];
}

/** Writes keys (one overwritten, one deleted, one leased) through the real etcdctl; returns the lease ID (hex). */
async function populate(endpoint: string): Promise<string> {
  for (const args of [['put', 'k1', 'v1'], ['put', 'k1', 'v2'], ['put', 'k2', 'x'], ['del', 'k2'], ['put', 'k3', 'v3']]) {
    assert.equal((await etcdctl(endpoint, args)).code, 0);
  }
  const grant = await etcdctl(endpoint, ['lease', 'grant', '900']);
  const lease = /lease ([0-9a-f]+) granted/.exec(grant.stdout)![1]!;
  assert.equal((await etcdctl(endpoint, ['put', '--lease', lease, 'leased', 'lv'])).code, 0);
  return lease;
}

/** Restores `file`, starts tetcd on it and checks it holds what `expected` (a get -w json of the source) held. */
async function restoreAndCheck(t: { after(fn: () => Promise<void>): void }, dir: string, file: string, expected: any, lease: string): Promise<void> {
  const dataDir = join(dir, 'restored');
  const r = await tetcdctl(restoreArgs(file, dataDir));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'etcdctl prints nothing on stdout');
  const msgs = r.stderr.trim().split('\n').map((l) => JSON.parse(l).msg);
  assert.deepEqual(msgs, ['restoring snapshot', 'added member', 'restored snapshot']);

  const srv = await startMember(dataDir, 'r1', PEER);
  t.after(() => srv.close());
  const memberId = computeMemberId([PEER], TOKEN);
  assert.equal(srv.memberId, memberId, 'the member ID is the one etcd computes from the flags');
  assert.equal(srv.clusterId, computeClusterId([memberId]));
  const ep = endpointOf(srv);
  const got = await ctlJson(ep, ['get', '', '--prefix']);
  assert.deepEqual(kvsOf(got), kvsOf(expected), 'same keys, values, revisions, versions and leases');
  assert.equal(got.header.revision, expected.header.revision, 'the revision is the snapshot\'s');
  const leases = await ctlJson(ep, ['lease', 'list']);
  // etcdctl prints lease IDs as %016x (zero-padded): compare the numbers
  assert.deepEqual(leases.leases.map((l: any) => BigInt(l.id)), [BigInt(`0x${lease}`)]);
  const ttl = await etcdctl(ep, ['lease', 'timetolive', lease, '--keys']);
  assert.match(ttl.stdout, /granted with TTL\(900s\).*attached keys\(\[leased\]\)/);
  const members = await ctlJson(ep, ['member', 'list']);
  assert.equal(members.members.length, 1, 'only the new member');
  assert.equal(BigInt(members.members[0].ID), memberId);
  assert.deepEqual(members.members[0].peerURLs, [PEER]);
  assert.equal(members.members[0].name, 'r1');
  const put = await ctlJson(ep, ['put', 'after', 'restore']);
  assert.equal(put.header.revision, expected.header.revision + 1, 'writes continue from the snapshot\'s revision');
}

test('a snapshot saved by the real etcd restores into a tetcd member', { skip: etcdSkipReason() }, async (t) => {
  const dir = await makeTempDir('restore-etcd');
  t.after(() => removeDir(dir));
  const etcd = await startEtcd();
  const file = join(dir, 'etcd.db');
  let expected: any;
  let lease: string;
  try {
    lease = await populate(etcd.endpoint);
    expected = await ctlJson(etcd.endpoint, ['get', '', '--prefix']);
    assert.equal((await etcdctl(etcd.endpoint, ['snapshot', 'save', file])).code, 0);
  } finally {
    await etcd.stop();
  }
  await restoreAndCheck(t, dir, file, expected, lease);
});

test('a snapshot saved from tetcd restores into a new tetcd member', async (t) => {
  const dir = await makeTempDir('restore-tetcd');
  t.after(() => removeDir(dir));
  const src = await startMember(join(dir, 'src'), 'src', 'http://127.0.0.1:12390');
  const file = join(dir, 'tetcd.db');
  let expected: any;
  let lease: string;
  try {
    const ep = endpointOf(src);
    lease = await populate(ep);
    expected = await ctlJson(ep, ['get', '', '--prefix']);
    const saved = await tetcdctl(['--endpoints', ep, 'snapshot', 'save', file]);
    assert.equal(saved.code, 0, saved.stderr);
  } finally {
    await src.close();
  }
  await restoreAndCheck(t, dir, file, expected, lease);
});

/** The same restore run by the real etcdctl and by tetcdctl: same `Error:` line and exit code. */
async function sameRefusal(dir: string, file: string, extra: string[] = [], name = 'r1'): Promise<string> {
  const theirs = spawnSync(ETCDCTL_BIN, restoreArgs(file, join(dir, 'etcd-out'), name, extra), { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
  const ours = await tetcdctl(restoreArgs(file, join(dir, 'tetcd-out'), name, extra));
  const errLine = (s: string) => s.split('\n').find((l) => l.startsWith('Error:'));
  assert.equal(ours.code, theirs.status);
  assert.equal(errLine(ours.stderr), errLine(theirs.stderr));
  assert.equal(existsSync(join(dir, 'tetcd-out')), false, 'a failed restore leaves no data dir behind');
  await removeDir(join(dir, 'etcd-out'));
  return errLine(ours.stderr)!;
}

test('restore refuses what etcdctl refuses, with its messages', { skip: etcdSkipReason() }, async (t) => {
  const dir = await makeTempDir('restore-refuse');
  t.after(() => removeDir(dir));
  const src = await startMember(join(dir, 'src'), 'src', 'http://127.0.0.1:12391');
  const good = join(dir, 'good.db');
  try {
    await etcdctl(endpointOf(src), ['put', 'a', 'b']);
    assert.equal((await tetcdctl(['--endpoints', endpointOf(src), 'snapshot', 'save', good])).code, 0);
  } finally {
    await src.close();
  }
  const bytes = await readFile(good);
  const flipped = Buffer.from(bytes);
  flipped[4096 + 20]! ^= 0xff;
  await writeFile(join(dir, 'bad.db'), flipped);
  assert.match(await sameRefusal(dir, join(dir, 'bad.db')), /^Error: expected sha256 \[[0-9 ]+\], got \[[0-9 ]+\]$/);

  await writeFile(join(dir, 'nohash.db'), bytes.subarray(0, bytes.length - 32));
  assert.equal(await sameRefusal(dir, join(dir, 'nohash.db')), 'Error: snapshot missing hash but --skip-hash-check=false');
  const skipped = await tetcdctl(restoreArgs(join(dir, 'nohash.db'), join(dir, 'skipped'), 'r1', ['--skip-hash-check']));
  assert.equal(skipped.code, 0, '--skip-hash-check restores a db copied without its trailer');

  await sameRefusal(dir, join(dir, 'missing.db'));
  await sameRefusal(dir, good, ['--initial-cluster', 'other=http://127.0.0.1:1']);
  await sameRefusal(dir, good, ['--initial-advertise-peer-urls', 'http://127.0.0.1:1']);
  const exists = await tetcdctl(restoreArgs(good, join(dir, 'skipped')));
  assert.equal(exists.code, 1);
  assert.equal(exists.stderr.trim(), `Error: data-dir "${join(dir, 'skipped')}" exists`);
  const noArg = await tetcdctl(['snapshot', 'restore']);
  assert.equal(noArg.code, 128);
  assert.equal(noArg.stderr, 'Error: snapshot restore requires exactly one argument\n');
});
