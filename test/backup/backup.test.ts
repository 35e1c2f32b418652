// The v2 `backup` of a stopped tetcd data dir: the copy starts (as a plain restart) as a new
// single-member cluster with new member and cluster IDs, the same v2 keys, and the v3 keys only
// with --with-v3; the source is left untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBackup } from '../../src/backup/index.js';
import type { RunningServer } from '../../src/embed.js';
import { etcdctl, makeTempDir, removeDir } from '../helpers/index.js';
import { ctlJson, endpointOf, kvsOf, startMember } from './util.js';

const PEER = 'http://127.0.0.1:12480';

async function v2Put(srv: RunningServer, key: string, value: string): Promise<void> {
  const res = await fetch(`http://${endpointOf(srv)}/v2/keys${key}`, {
    method: 'PUT',
    body: new URLSearchParams({ value }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.ok(res.status === 200 || res.status === 201, `v2 PUT ${key}: ${res.status}`);
}

async function v2Get(srv: RunningServer, key: string): Promise<string | undefined> {
  const res = await fetch(`http://${endpointOf(srv)}/v2/keys${key}`);
  if (res.status === 404) return undefined;
  return ((await res.json()) as { node: { value: string } }).node.value;
}

/** sha256 of every file under dir (relative path → hash). */
async function treeHash(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out.set(p, createHash('sha256').update(await readFile(p)).digest('hex'));
  }
  return out;
}

interface Source {
  dataDir: string;
  memberId: bigint;
  clusterId: bigint;
  v3: any;
}

/** A stopped source member with v2 keys (some overwritten) and v3 keys. */
async function makeSource(dir: string, snapshotCount: number): Promise<Source> {
  const dataDir = join(dir, 'src');
  const srv = await startMember(dataDir, 'src', PEER, { enableV2: true, snapshotCount });
  try {
    for (let i = 0; i < 12; i++) await v2Put(srv, `/v2dir/k${i}`, `v${i}`);
    await v2Put(srv, '/v2dir/k0', 'rewritten');
    for (let i = 0; i < 8; i++) assert.equal((await etcdctl(endpointOf(srv), ['put', `v3k${i}`, `x${i}`])).code, 0);
    return { dataDir, memberId: srv.memberId, clusterId: srv.clusterId, v3: await ctlJson(endpointOf(srv), ['get', '', '--prefix']) };
  } finally {
    await srv.close();
  }
}

async function checkCopy(t: { after(fn: () => Promise<void>): void }, src: Source, backupDir: string, withV3: boolean, extra: Record<string, unknown> = {}): Promise<void> {
  const copy = await startMember(backupDir, 'src', PEER, { enableV2: true, ...extra });
  t.after(() => copy.close());
  assert.notEqual(copy.memberId, src.memberId, 'a new member ID');
  assert.notEqual(copy.clusterId, src.clusterId, 'a new cluster ID');
  assert.equal(await v2Get(copy, '/v2dir/k0'), 'rewritten');
  assert.equal(await v2Get(copy, '/v2dir/k11'), 'v11');
  const ep = endpointOf(copy);
  const members = await ctlJson(ep, ['member', 'list']);
  assert.equal(members.members.length, 1, 'the copy is a cluster of its own');
  assert.equal(BigInt(members.members[0].ID), copy.memberId);
  assert.deepEqual(members.members[0].peerURLs, [PEER], 'it keeps the old member\'s peer URLs');
  assert.equal(members.members[0].name, 'src');
  const got = await ctlJson(ep, ['get', '', '--prefix']);
  if (withV3) {
    assert.deepEqual(kvsOf(got), kvsOf(src.v3), 'the v3 keys with their revisions');
    assert.equal(got.header.revision, src.v3.header.revision);
  } else {
    assert.deepEqual(kvsOf(got), [], 'without --with-v3 no v3 data is carried');
  }
  await v2Put(copy, '/v2dir/new', 'n');
  assert.equal(await v2Get(copy, '/v2dir/new'), 'n', 'the copy takes writes');
}

test('backup of a data dir with a raft snapshot, --with-v3, starts as a new cluster with all data', async (t) => {
  const dir = await makeTempDir('backup-v3');
  t.after(() => removeDir(dir));
  const src = await makeSource(dir, 10);
  assert.ok((await readdir(join(src.dataDir, 'member', 'snap'))).some((f) => f.endsWith('.snap')), 'the source has a raft snapshot');
  const before = await treeHash(src.dataDir);
  const lines: string[] = [];
  await runBackup({ dataDir: src.dataDir, backupDir: join(dir, 'copy'), withV3: true }, (l) => lines.push(l));
  assert.deepEqual(await treeHash(src.dataDir), before, 'the source is not modified');
  await checkCopy(t, src, join(dir, 'copy'), true);
});

test('backup without --with-v3 of a data dir without raft snapshot, into a separate WAL dir', async (t) => {
  const dir = await makeTempDir('backup-v2');
  t.after(() => removeDir(dir));
  const src = await makeSource(dir, 100_000);
  assert.ok(!(await readdir(join(src.dataDir, 'member', 'snap'))).some((f) => f.endsWith('.snap')), 'no raft snapshot yet');
  const lines: string[] = [];
  const backupWalDir = join(dir, 'copy-wal');
  await runBackup({ dataDir: src.dataDir, backupDir: join(dir, 'copy'), backupWalDir, withV3: false }, (l) => lines.push(l));
  assert.ok(lines.includes('ignoring EntryConfChange raft entry'), 'the old cluster\'s conf change is dropped');
  assert.ok(lines.includes('ignoring v3 raft entry'), 'v3 entries are dropped');
  assert.ok(lines.includes(`ignoring member attribute update on /0/members/${src.memberId.toString(16)}/attributes`));
  await checkCopy(t, src, join(dir, 'copy'), false, { walDir: backupWalDir });
});
