// A v2 store snapshot written by a real etcd 3.4 (member/snap/*.snap, JSON inside): recover()
// must read it, answer reads from it, and save() must write the very same bytes back.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { snapshot as SnapFile } from '../../src/proto/etcdserver/api/snap/snappb/snap.js';
import { Snapshot as RaftSnapshot } from '../../src/proto/raft/raftpb/raft.js';
import { V2Store } from '../../src/v2store/index.js';
import { etcdSkipReason, startEtcd } from '../helpers/etcd.js';
import type { Member } from '../helpers/member.js';

const skip = etcdSkipReason() ?? false;
const SNAPSHOT_COUNT = 20;

describe('v2 store snapshot written by etcd 3.4', { skip }, () => {
  let etcd: Member;
  let storeJson: string;

  before(async () => {
    etcd = await startEtcd({ extraFlags: ['--enable-v2', `--snapshot-count=${SNAPSHOT_COUNT}`] });
    const put = (key: string, form: Record<string, string>, query = '') =>
      fetch(`${etcd.clientUrl}/v2/keys/${key}${query}`, {
        method: 'PUT',
        body: new URLSearchParams(form).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }).then((r) => r.text());
    await put('dir/ttl', { value: 'expiring', ttl: '3600' });
    await put('dir/_hidden', { value: 'h' });
    await put('emptydir', {}, '?dir=true');
    await put('a', { value: 'x', ttl: '7200' }, '');
    await put('a', { ttl: '7300', refresh: 'true' }, '?prevExist=true');
    for (let i = 0; i < SNAPSHOT_COUNT + 5; i++) await put(`k${i % 7}`, { value: `v${i}<&>` });
    await fetch(`${etcd.clientUrl}/v2/keys/k1`, { method: 'DELETE' });
    const snapDir = join(etcd.dataDir, 'data', 'member', 'snap');
    let files: string[] = [];
    for (let i = 0; i < 50 && files.length === 0; i++) {
      files = (await readdir(snapDir)).filter((f) => f.endsWith('.snap')).sort();
      if (files.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(files.length > 0, 'etcd wrote no snapshot');
    const snap = SnapFile.decode(await readFile(join(snapDir, files.at(-1)!)));
    storeJson = Buffer.from(RaftSnapshot.decode(snap.data!).data!).toString('utf8');
  });
  after(() => etcd?.stop());

  it('recovers etcd JSON and saves it back byte for byte', () => {
    const s = new V2Store({ namespaces: ['/0', '/1'] });
    s.recover(storeJson);
    assert.equal(s.save(), storeJson);
  });

  it('answers reads and history from the recovered state', async () => {
    const s = new V2Store({ namespaces: ['/0', '/1'] });
    s.recover(storeJson);
    // The snapshot is cut at some index inside the sequence: k0 has one of its values by then.
    assert.match(s.get('/1/k0', false, false).node.value!, /^v\d+<&>$/);
    assert.equal(s.get('/1/dir/ttl', false, false).node.ttl! > 3500, true);
    assert.deepEqual(s.get('/1/dir', false, true).node.nodes!.map((n) => n.key), ['/1/dir/ttl']);
    assert.equal(s.hasTtlKeys(), true);
    const members = s.get('/0/members', true, true).node.nodes!;
    assert.equal(members.length, 1);
    const ev = await s.watch('/1', true, false, s.index - 3).next();
    assert.equal(ev!.node.modifiedIndex, s.index - 3);
  });
});
