// The v2 store inside a member: writes go through the log, TTLs expire through it (the leader's
// SYNC), the store comes back after a restart from the WAL and from raft snapshots, and it is
// served only with --enable-v2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/embed.js';
import { decodeSnapshot } from '../../src/raft/index.js';
import { sleep } from '../helpers/index.js';

function start(dataDir: string, extra: Record<string, unknown> = {}): Promise<RunningServer> {
  return startServer({ name: 'v2', dataDir, listenClientUrls: [new URL('http://127.0.0.1:0')],
    listenPeerUrls: [new URL('http://127.0.0.1:0')], logger: 'silent', enableV2: true, ...extra });
}

async function v2(srv: RunningServer, method: string, key: string, form?: Record<string, string>): Promise<{ status: number; body: any; index: string | null }> {
  const url = `http://${srv.clientUrls[0]!.host}/v2/keys${key}`;
  const init: RequestInit = { method };
  if (form) {
    init.body = new URLSearchParams(form).toString();
    init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  }
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json(), index: res.headers.get('x-etcd-index') };
}

test('v2 keys survive restarts, from the WAL and from raft snapshots', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-v2-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  let srv = await start(dataDir, { snapshotCount: 30 });
  try {
    assert.equal((await v2(srv, 'PUT', '/dir/a', { value: '1' })).status, 201);
    for (let i = 0; i < 60; i++) assert.equal((await v2(srv, 'PUT', `/many/k${i}`, { value: String(i) })).status, 201);
    const post = await v2(srv, 'POST', '/queue', { value: 'job' });
    assert.equal(post.status, 201);
    assert.match(post.body.node.key, /^\/queue\/\d{20}$/);
  } finally {
    await srv.close();
  }
  const snaps = (await readdir(join(dataDir, 'member', 'snap'))).filter((f) => f.endsWith('.snap'));
  assert.ok(snaps.length > 0, 'raft snapshots were taken');
  // etcd's layout: the raft snapshot's data is the v2 store as JSON
  const { readSnapFile } = await import('../../src/snap/snapshotter.js');
  const newest = snaps.sort().at(-1)!;
  const snap = decodeSnapshot((await readSnapFile(join(dataDir, 'member', 'snap', newest))).data);
  const store = JSON.parse(snap.data.toString()) as { Root: { Children: Record<string, unknown> } };
  assert.ok(store.Root.Children['1'], 'the /1 namespace (client keys) is in the snapshot');

  srv = await start(dataDir, { snapshotCount: 30 });
  try {
    const a = await v2(srv, 'GET', '/dir/a');
    assert.equal(a.body.node.value, '1');
    const many = await v2(srv, 'GET', '/many?recursive=true&sorted=true');
    assert.equal(many.body.node.nodes.length, 60);
    assert.equal((await v2(srv, 'GET', '/queue')).body.node.nodes.length, 1);
    const next = await v2(srv, 'PUT', '/after', { value: 'x' });
    assert.equal(next.body.node.createdIndex, Number(a.index) + 1, 'the store index continues where it was');
  } finally {
    await srv.close();
  }
});

test('a v2 TTL expires through the log, and the expiry is an event', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-v2-ttl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const srv = await start(join(dir, 'data'));
  try {
    const set = await v2(srv, 'PUT', '/ttl', { value: 'v', ttl: '1' });
    assert.equal(set.body.node.ttl, 1);
    const watch = v2(srv, 'GET', `/ttl?wait=true&waitIndex=${set.body.node.modifiedIndex + 1}`);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await sleep(100);
      gone = (await v2(srv, 'GET', '/ttl')).status === 404;
    }
    assert.ok(gone, 'the key expired within 4 s');
    const ev = await watch;
    assert.equal(ev.body.action, 'expire');
    assert.equal(ev.body.prevNode.value, 'v');
  } finally {
    await srv.close();
  }
});

test('without --enable-v2 the v2 API answers 404, as etcd 3.4', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-v2-off-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const srv = await start(join(dir, 'data'), { enableV2: false });
  try {
    const res = await fetch(`http://${srv.clientUrls[0]!.host}/v2/keys/x`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '404 page not found\n');
  } finally {
    await srv.close();
  }
});
