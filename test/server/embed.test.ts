// The embedding API end to end: a member started in-process, used through real gRPC clients,
// closed, and started again from the same data dir with everything it acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/embed.js';
import { LeaseGrantRequest, LeaseLeasesRequest, PutRequest, RangeRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { connect, unary } from '../helpers/index.js';

function start(dataDir: string, extra: Record<string, unknown> = {}): Promise<RunningServer> {
  return startServer({
    name: 'embed',
    dataDir,
    listenClientUrls: [new URL('http://127.0.0.1:0')],
    listenPeerUrls: [new URL('http://127.0.0.1:0')],
    advertiseClientUrls: [new URL('http://127.0.0.1:0')],
    logger: 'silent',
    ...extra,
  });
}

test('a member started in-process serves, closes, and restarts with its data', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-embed-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');

  let srv = await start(dataDir);
  let c = connect(srv.clientUrls[0]!.host);
  let lastRev = 0n;
  let leaseId = 0n;
  try {
    const lease = await unary(c.lease, c.lease.leaseGrant, LeaseGrantRequest.fromPartial({ TTL: 600n }));
    leaseId = lease.ID;
    for (let i = 0; i < 20; i++) {
      const r = await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), lease: i === 0 ? leaseId : 0n }));
      assert.ok(r.header!.revision > lastRev, 'every put moves the revision');
      lastRev = r.header!.revision;
    }
    const got = await unary(c.kv, c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('k'), range_end: Buffer.from('l') }));
    assert.equal(got.count, 20n);
    assert.equal(got.header!.member_id, srv.memberId);
  } finally {
    c.close();
    await srv.close();
  }
  await srv.close(); // closing twice is harmless

  // The data dir has etcd's layout.
  assert.deepEqual((await readdir(join(dataDir, 'member'))).sort(), ['snap', 'wal']);
  assert.ok((await readdir(join(dataDir, 'member', 'wal'))).some((f) => f.endsWith('.wal')));

  srv = await start(dataDir);
  c = connect(srv.clientUrls[0]!.host);
  try {
    const got = await unary(c.kv, c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('k'), range_end: Buffer.from('l') }));
    assert.equal(got.count, 20n, 'every acknowledged put survived the restart');
    assert.equal(got.header!.revision, lastRev, 'the revision is where it was');
    const k0 = got.kvs.find((kv) => kv.key.toString() === 'k0')!;
    assert.equal(k0.lease, leaseId, 'the key keeps its lease');
    const leases = await unary(c.lease, c.lease.leaseLeases, LeaseLeasesRequest.fromPartial({}));
    assert.deepEqual(leases.leases.map((l) => l.ID), [leaseId], 'the lease survived the restart');
    const next = await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from('after'), value: Buffer.from('x') }));
    assert.equal(next.header!.revision, lastRev + 1n);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a data dir is recovered across raft snapshots and released WAL segments', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-embed-snap-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  let srv = await start(dataDir, { snapshotCount: 50 });
  let c = connect(srv.clientUrls[0]!.host);
  try {
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 40; i++) await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(`s/${w}/${i}`), value: Buffer.from(String(i)) }));
      }),
    );
  } finally {
    c.close();
    await srv.close();
  }
  const snaps = (await readdir(join(dataDir, 'member', 'snap'))).filter((f) => f.endsWith('.snap'));
  assert.ok(snaps.length >= 1, `raft snapshots were written (${snaps.join(',')})`);
  assert.ok(snaps.length <= 5, 'old snapshots are purged to --max-snapshots');

  srv = await start(dataDir, { snapshotCount: 50 });
  c = connect(srv.clientUrls[0]!.host);
  try {
    const got = await unary(c.kv, c.kv.range, RangeRequest.fromPartial({ key: Buffer.from('s/'), range_end: Buffer.from('s0'), count_only: true }));
    assert.equal(got.count, 320n);
    assert.equal(got.header!.revision, 321n);
  } finally {
    c.close();
    await srv.close();
  }
});

test('joining an existing cluster with no other member to ask is refused with a clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-embed-bad-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(start(join(dir, 'data2'), { initialClusterState: 'existing' }), /cannot fetch cluster info from peer urls/);
});

test('a corrupt WAL record or backend file is refused at start, and left as it was', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-embed-corrupt-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const srv = await start(dataDir);
  const c = connect(srv.clientUrls[0]!.host);
  try {
    for (let i = 0; i < 30; i++) await unary(c.kv, c.kv.put, PutRequest.fromPartial({ key: Buffer.from(`c${i}`), value: Buffer.alloc(200, 'v') }));
  } finally {
    c.close();
    await srv.close();
  }
  const walDir = join(dataDir, 'member', 'wal');
  const walFile = join(walDir, (await readdir(walDir)).find((f) => f.endsWith('.wal'))!);
  const dbFile = join(dataDir, 'member', 'snap', 'db');
  const wal = await readFile(walFile);
  const db = await readFile(dbFile);

  // A flipped byte early in the log: acknowledged entries follow it, so nothing may be cut.
  const badWal = Buffer.from(wal);
  badWal[600] = badWal[600]! ^ 0xff;
  await writeFile(walFile, badWal);
  await assert.rejects(start(dataDir), /crc|corrupt/i);
  assert.deepEqual(await readFile(walFile), badWal, 'the WAL is left untouched');
  await writeFile(walFile, wal);

  const badDb = Buffer.from(db);
  badDb.fill(0x5a, 0, 4096);
  await writeFile(dbFile, badDb);
  await assert.rejects(start(dataDir), /not a tetcd database|not an LMDB|corrupt/i);
  assert.deepEqual(await readFile(dbFile), badDb, 'the db is left untouched');
  await writeFile(dbFile, db);

  const ok = await start(dataDir);
  await ok.close();
});
