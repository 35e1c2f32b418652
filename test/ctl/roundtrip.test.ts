// Backup and restore round trips with tetcdctl against the tetcd binary:
// - a snapshot taken from a live member under write load restores to a consistent state (the
//   snapshot's revision, each writer's keys a gap-free prefix, the same HashKV as the original
//   at that revision);
// - the v2 `backup` of a stopped member starts with --force-new-cluster, with its v2 and v3 data
//   and a new cluster ID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { HashKVRequest, PutRequest, RangeRequest, StatusRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { connect, freePorts, makeTempDir, memberFlags, removeDir, sleep, startServer, tetcdSkipReason, TETCD_BIN, unary } from '../helpers/index.js';

const CTL = fileURLToPath(new URL('../../src/bin/tetcdctl.js', import.meta.url));

function tetcdctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CTL, ...args], { env: { ...process.env, ETCDCTL_API: '3', ...env } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function startMember(dataDir: string, extra: string[] = []) {
  const [cp, pp] = await freePorts(2);
  const proc = await startServer({
    command: process.execPath,
    args: [TETCD_BIN, ...memberFlags(dataDir, cp!, pp!), ...extra],
    healthUrl: `http://127.0.0.1:${cp}/health`,
  });
  return { proc, endpoint: `127.0.0.1:${cp}`, clientUrl: `http://127.0.0.1:${cp}`, peerPort: pp! };
}

test('a snapshot taken under write load restores to a consistent state', { skip: tetcdSkipReason(), timeout: 120_000 }, async (t) => {
  const dir = await makeTempDir('ctl-roundtrip');
  t.after(() => removeDir(dir));
  const m = await startMember(join(dir, 'data'));
  t.after(() => m.proc.stop());
  const c = connect(m.endpoint);
  t.after(() => c.close());
  let stop = false;
  const WRITERS = 8;
  const writers = Array.from({ length: WRITERS }, async (_, w) => {
    for (let i = 0; !stop && i < 100_000; i++) {
      await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(`w${w}/${String(i).padStart(6, '0')}`), value: Buffer.from(String(i)) }));
    }
  });
  await sleep(500);
  const snapFile = join(dir, 'snap.db');
  const saved = await tetcdctl([`--endpoints=${m.endpoint}`, 'snapshot', 'save', snapFile]);
  stop = true;
  await Promise.all(writers);
  assert.equal(saved.code, 0, saved.err);
  const status = await tetcdctl(['snapshot', 'status', snapFile, '-w', 'json']);
  assert.equal(status.code, 0, status.err);
  const snapRev = BigInt((JSON.parse(status.out) as { revision: number }).revision);
  const original = await unary(c.maintenance, c.maintenance.hashKv, HashKVRequest.fromPartial({ revision: snapRev }));

  const restored = join(dir, 'restored');
  const [pp] = await freePorts(1);
  const r = await tetcdctl(['snapshot', 'restore', snapFile, '--name=difftest', `--data-dir=${restored}`, `--initial-cluster=difftest=http://127.0.0.1:${pp}`, `--initial-advertise-peer-urls=http://127.0.0.1:${pp}`]);
  assert.equal(r.code, 0, r.err);
  const [cp] = await freePorts(1);
  const proc = await startServer({
    command: process.execPath,
    args: [TETCD_BIN, ...memberFlags(restored, cp!, pp!)],
    healthUrl: `http://127.0.0.1:${cp}/health`,
  });
  t.after(() => proc.stop());
  const rc = connect(`127.0.0.1:${cp}`);
  t.after(() => rc.close());
  const all = await unary(rc.kv, rc.kv.range, RangeRequest.fromPartial({ key: Buffer.from('w'), range_end: Buffer.from('x'), keys_only: true }));
  assert.equal(all.header!.revision, snapRev, 'the restored member is at the snapshot revision');
  const byWriter = new Map<number, number[]>();
  for (const kv of all.kvs) {
    const [w, i] = kv.key.toString().slice(1).split('/');
    byWriter.set(Number(w), [...(byWriter.get(Number(w)) ?? []), Number(i)]);
  }
  for (const [w, idx] of byWriter) {
    idx.sort((a, b) => a - b);
    assert.deepEqual(idx, idx.map((_, j) => j), `writer ${w}: its acknowledged keys form a prefix without gaps`);
  }
  const again = await unary(rc.maintenance, rc.maintenance.hashKv, HashKVRequest.fromPartial({ revision: snapRev }));
  assert.equal(again.hash, original.hash, 'the same history up to the snapshot revision');
});

test('v2 backup of a stopped member starts with --force-new-cluster, data kept, new cluster ID', { skip: tetcdSkipReason(), timeout: 120_000 }, async (t) => {
  const dir = await makeTempDir('ctl-backup');
  t.after(() => removeDir(dir));
  const m = await startMember(join(dir, 'data'), ['--enable-v2']);
  const c = connect(m.endpoint);
  const put = await fetch(`${m.clientUrl}/v2/keys/legacy/a`, { method: 'PUT', body: 'value=v2data', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(put.status, 201);
  await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from('v3key'), value: Buffer.from('v3data') }));
  const oldCluster = (await unary(c.maintenance, c.maintenance.status, StatusRequest.fromPartial({}))).header!.cluster_id;
  c.close();
  await m.proc.stop();

  const backupDir = join(dir, 'backup');
  const b = await tetcdctl(['backup', `--data-dir=${join(dir, 'data')}`, `--backup-dir=${backupDir}`, '--with-v3'], { ETCDCTL_API: '2' });
  assert.equal(b.code, 0, b.err + b.out);

  const n = await startMember(backupDir, ['--enable-v2', '--force-new-cluster']);
  t.after(() => n.proc.stop());
  const nc = connect(n.endpoint);
  t.after(() => nc.close());
  const v2 = (await (await fetch(`${n.clientUrl}/v2/keys/legacy/a`)).json()) as { node: { value: string } };
  assert.equal(v2.node.value, 'v2data');
  const v3 = await unary(nc.kv, nc.kv.range, RangeRequest.fromPartial({ key: Buffer.from('v3key') }));
  assert.equal(v3.kvs[0]?.value.toString(), 'v3data');
  assert.notEqual(v3.header!.cluster_id, oldCluster, 'the copy is a new cluster');
  const w = await unary(nc.kv, nc.kv.put, PutRequest.fromPartial({ key: Buffer.from('after'), value: Buffer.from('x') }));
  assert.ok(w.header!.revision > 0n);
});
