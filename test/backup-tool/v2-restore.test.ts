// tetcd-backup restore puts the set's v2 store back (offline, into the restored member's raft
// snapshot), keeps the v3 data, takes membership from the restore and not from the export;
// --no-v2 leaves it out; --bump-revision/--mark-compacted work as with tetcdctl.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/embed.js';
import { etcdctl, freePorts, makeTempDir, removeDir } from '../helpers/index.js';
import { cli, dumpKeys, putKeys } from './fixtures.js';

const TTL = 600;

/** A member in-process on loopback with the v2 API on. */
async function member(dataDir: string, name: string, peerUrl: string): Promise<RunningServer> {
  return startServer({
    name,
    dataDir,
    enableV2: true,
    listenClientUrls: [new URL('http://127.0.0.1:0')],
    listenPeerUrls: [new URL('http://127.0.0.1:0')],
    initialAdvertisePeerUrls: [new URL(peerUrl)],
    initialCluster: new Map([[name, [new URL(peerUrl)]]]),
    logger: 'silent',
  });
}

const base = (s: RunningServer) => `http://${s.clientUrls[0]!.host}`;

async function v2(s: RunningServer, method: string, path: string, form?: Record<string, string>): Promise<any> {
  const res = await fetch(`${base(s)}${path}`, { method, ...(form ? { body: new URLSearchParams(form) } : {}), signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

interface Shape {
  key: string;
  value?: string;
  dir?: boolean;
  ttl?: boolean;
  nodes?: Shape[];
}

/** The tree without indexes and clock readings: what must survive a restore. */
function shape(n: any): Shape {
  const out: Shape = { key: n.key ?? '/' };
  if (n.dir) out.dir = true;
  else out.value = n.value;
  if (n.ttl !== undefined) out.ttl = true;
  if (n.nodes) out.nodes = n.nodes.map(shape);
  return out;
}

function findNode(n: any, key: string): any {
  if (n.key === key) return n;
  for (const c of n.nodes ?? []) {
    const f = findNode(c, key);
    if (f) return f;
  }
  return undefined;
}

describe('tetcd-backup restore of the v2 store', () => {
  let dir: string;
  let target: string;
  let set: string;
  let tree: any;
  let v3Keys: string[];
  let v3Revision: number;

  before(async () => {
    dir = await makeTempDir('backup-tool-v2');
    target = join(dir, 'backups');
    const [peer] = await freePorts(1);
    const src = await member(join(dir, 'src'), 'src', `http://127.0.0.1:${peer}`);
    try {
      for (const [path, form] of [
        ['/v2/keys/app/a', { value: '1' }],
        ['/v2/keys/app/sub/b', { value: 'two words' }],
        ['/v2/keys/empty', { dir: 'true' }],
        ['/v2/keys/tmp', { value: 't', ttl: String(TTL) }],
        ['/v2/keys/tdir', { dir: 'true', ttl: String(TTL) }],
        ['/v2/keys/tdir/inner', { value: 'i' }],
      ] as const) {
        const r = await v2(src, 'PUT', path, form);
        assert.ok(r.status === 200 || r.status === 201, `${path}: ${JSON.stringify(r.body)}`);
      }
      tree = (await v2(src, 'GET', '/v2/keys/?recursive=true&sorted=true')).body.node;
      await putKeys(src.clientUrls[0]!.host, 5);
      v3Keys = await dumpKeys(src.clientUrls[0]!.host);
      const status = await etcdctl(src.clientUrls[0]!.host, ['endpoint', 'status', '-w', 'json']);
      v3Revision = JSON.parse(status.stdout)[0].Status.header.revision;
      const run = await cli(['run', '--target', target, '--endpoints', src.clientUrls[0]!.host, '--no-config', '--no-encrypt']);
      assert.equal(run.code, 0, run.stderr);
      set = run.stdout.trim();
    } finally {
      await src.close();
    }
  });
  after(async () => {
    if (dir) await removeDir(dir);
  });

  /** `tetcd-backup restore` of the set as member r1 into a new dir; returns the CLI result, data dir and peer URL. */
  async function restore(name: string, extra: string[] = []) {
    const dataDir = join(dir, name);
    const [peer] = await freePorts(1);
    const peerUrl = `http://127.0.0.1:${peer}`;
    const r = await cli(['restore', '--target', target, '--set', set, '--name', 'r1', '--data-dir', dataDir, '--initial-advertise-peer-urls', peerUrl, ...extra]);
    return { r, dataDir, peerUrl };
  }

  it('restores keys, dirs, values and TTLs; membership is the new cluster; v3 data intact', async () => {
    assert.ok(readdirSync(join(target, set)).some((f) => f.startsWith('v2-store.json')), 'the set holds the v2 export');
    const { r, dataDir, peerUrl } = await restore('restored');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /restored v2 store \(8 nodes, 2 with a TTL\)/);
    assert.match(r.stdout, /--enable-v2=true/, 'the start command serves the restored v2 keys');

    const srv = await member(dataDir, 'r1', peerUrl);
    try {
      const got = (await v2(srv, 'GET', '/v2/keys/?recursive=true&sorted=true')).body.node;
      assert.deepEqual(shape(got), shape(tree), 'the same tree: keys, values, dirs (empty too), TTL presence');
      for (const key of ['/tmp', '/tdir']) {
        const ttl = findNode(got, key).ttl;
        assert.ok(ttl > TTL - 60 && ttl <= TTL, `${key} keeps its remaining TTL, counted from the restore (got ${ttl})`);
      }
      // the real etcdctl's v2 API reads it too (--no-sync: the member advertises no client URL)
      const ctl = await etcdctl(base(srv), ['--no-sync', 'get', '/app/sub/b'], { api: '2' });
      assert.equal(ctl.code, 0, ctl.stderr);
      assert.equal(ctl.stdout, 'two words\n');
      const ls = await etcdctl(base(srv), ['--no-sync', 'ls', '--recursive', '/'], { api: '2' });
      assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['/app', '/app/a', '/app/sub', '/app/sub/b', '/empty', '/tdir', '/tdir/inner', '/tmp']);
      // membership: only the restored member, with the restore's peer URL
      const members = (await v2(srv, 'GET', '/v2/members')).body.members;
      assert.deepEqual(members.map((m: any) => [m.name, m.peerURLs]), [['r1', [peerUrl]]]);
      assert.equal(members[0].id, srv.memberId.toString(16));
      // v3 keys and revision as they were
      assert.deepEqual(await dumpKeys(srv.clientUrls[0]!.host), v3Keys);
      // the restored v2 store takes writes
      assert.equal((await v2(srv, 'PUT', '/v2/keys/app/new', { value: 'n' })).status, 201);
    } finally {
      await srv.close();
    }
  });

  it('--no-v2 leaves the v2 store out', async () => {
    const { r, dataDir, peerUrl } = await restore('no-v2', ['--no-v2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /v2 store not restored: left out by --no-v2/);
    assert.doesNotMatch(r.stdout, /--enable-v2/);
    const srv = await member(dataDir, 'r1', peerUrl);
    try {
      const got = await v2(srv, 'GET', '/v2/keys/app');
      assert.equal(got.status, 404);
      assert.equal(got.body.errorCode, 100);
      assert.deepEqual(await dumpKeys(srv.clientUrls[0]!.host), v3Keys);
    } finally {
      await srv.close();
    }
  });

  it('--bump-revision 100 --mark-compacted: revision + 100, old revisions compacted; either flag alone is a usage error', async () => {
    for (const extra of [['--mark-compacted'], ['--bump-revision', '100']]) {
      const bad = await restore('bad-flags', extra);
      assert.equal(bad.r.code, 2, extra.join(' '));
      assert.equal(bad.r.stderr, 'Error: --mark-compacted required if --revision-bump > 0\n');
      assert.equal(existsSync(bad.dataDir), false, 'nothing written');
    }
    const notNumber = await restore('bad-flags', ['--bump-revision', 'lots', '--mark-compacted']);
    assert.equal(notNumber.r.code, 2);

    const { r, dataDir, peerUrl } = await restore('bumped', ['--bump-revision', '100', '--mark-compacted']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`revision bumped by 100 to ${v3Revision + 100}, marked compacted`));
    const srv = await member(dataDir, 'r1', peerUrl);
    try {
      const ep = srv.clientUrls[0]!.host;
      const status = await etcdctl(ep, ['endpoint', 'status', '-w', 'json']);
      assert.equal(JSON.parse(status.stdout)[0].Status.header.revision, v3Revision + 100);
      assert.deepEqual(await dumpKeys(ep), v3Keys, 'keys and their revisions unchanged');
      const old = await etcdctl(ep, ['get', '/app/k1', '--rev', String(v3Revision)]);
      assert.match(old.stderr, /required revision has been compacted/);
      // the v2 store comes back with a bump too
      assert.equal((await v2(srv, 'GET', '/v2/keys/app/a')).body.node.value, '1');
    } finally {
      await srv.close();
    }
  });
});
