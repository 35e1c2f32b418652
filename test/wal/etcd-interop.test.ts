// Compatibility with real etcd 3.4 both ways: we read the WAL etcd writes, re-encoding its
// records gives etcd's exact bytes, and etcd starts from a WAL we wrote and serves its keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WAL, type ReadAllResult } from '../../src/wal/index.js';
import { Decoder } from '../../src/wal/decoder.js';
import { Encoder, RecordType } from '../../src/wal/record.js';
import { Entry, EntryType } from '../../src/proto/raft/raftpb/raft.js';
import { Metadata } from '../../src/proto/etcdserver/etcdserverpb/etcdserver.js';
import { InternalRaftRequest } from '../../src/proto/etcdserver/etcdserverpb/raft_internal.js';
import { etcdctl, freePort, missingEtcd, startEtcd, type EtcdPorts } from './etcd-harness.js';
import { withTempDir } from './helpers.js';

const KEYS = [
  ['k1', 'v1'],
  ['k2', 'value two'],
  ['k3', 'v3'],
] as const;

function putsIn(entries: ReadAllResult['entries']): Array<[string, string]> {
  const puts: Array<[string, string]> = [];
  for (const e of entries) {
    const ent = Entry.decode(e.encoded);
    if ((ent.Type ?? EntryType.EntryNormal) !== EntryType.EntryNormal || !ent.Data?.length) continue;
    // As etcd's applier: data that is not an InternalRaftRequest is a v2 Request (member publish).
    let req: InternalRaftRequest;
    try {
      req = InternalRaftRequest.decode(ent.Data);
    } catch {
      continue;
    }
    if (req.put) puts.push([req.put.key.toString(), req.put.value.toString()]);
  }
  return puts;
}

test('real etcd 3.4 WAL: read by our decoder, re-encoded byte for byte, and etcd reads ours', { skip: missingEtcd() }, async () => {
  await withTempDir(async (root) => {
    const ports: EtcdPorts = { client: await freePort(), peer: await freePort() };

    // 1. etcd writes a WAL.
    const etcdDir = join(root, 'etcd');
    const etcd = await startEtcd(etcdDir, ports);
    try {
      for (const [k, v] of KEYS) await etcdctl(etcd.clientUrl, ['put', k, v]);
    } finally {
      await etcd.stop();
    }

    // 2. We read it.
    const walDir = join(etcdDir, 'member', 'wal');
    const segments = (await readdir(walDir)).filter((f) => f.endsWith('.wal'));
    assert.deepEqual(segments, ['0000000000000000-0000000000000000.wal']);
    const r = await (await WAL.openForRead(walDir, { index: 0, term: 0 })).readAll();
    const meta = Metadata.decode(r.metadata);
    assert.ok(meta.NodeID && meta.ClusterID, 'metadata holds the member and cluster IDs');
    assert.deepEqual(r.entries.map((e) => e.index), Array.from({ length: r.entries.length }, (_, i) => i + 1));
    assert.equal(Entry.decode(r.entries[0]!.encoded).Type, EntryType.EntryConfChange, 'bootstrap ConfChange first');
    assert.equal(r.entries[0]!.term, 1);
    assert.ok(r.entries.slice(1).every((e) => e.term === 2), 'elected at term 2 and stayed leader');
    assert.equal(r.hardState.term, 2);
    assert.equal(r.hardState.vote, meta.NodeID);
    assert.equal(r.hardState.commit, r.entries.at(-1)!.index);
    assert.deepEqual(putsIn(r.entries), KEYS.map(([k, v]) => [k, v]));

    // 3. Our encoder reproduces etcd's bytes exactly.
    const path = join(walDir, segments[0]!);
    const image = await readFile(path);
    const decoder = new Decoder([{ path, buf: image }]);
    const records = [...decoder.records()];
    assert.equal(decoder.torn(), false);
    // etcd leaves data out of crc records only (nil); every other record carries its data.
    const reencoded = new Encoder(0).encode(
      records.map((rec) => ({ type: rec.type, data: rec.type === RecordType.crc ? undefined : rec.data })),
    );
    assert.equal(reencoded.length, decoder.lastOffset());
    const firstDiff = reencoded.findIndex((b, i) => b !== image[i]);
    assert.equal(firstDiff, -1, `re-encoded bytes differ from etcd's at offset ${firstDiff}: ${reencoded.subarray(firstDiff - 16, firstDiff + 16).toString('hex')} vs ${image.subarray(firstDiff - 16, firstDiff + 16).toString('hex')}`);

    // 4. etcd starts from a WAL we wrote (no backend: it replays the log) and serves the keys.
    const ourDir = join(root, 'ours');
    const ours = await WAL.create(join(ourDir, 'member', 'wal'), r.metadata);
    await ours.save(r.hardState, r.entries);
    await ours.close();
    const etcd2 = await startEtcd(ourDir, ports);
    try {
      for (const [k, v] of KEYS) {
        assert.equal(await etcdctl(etcd2.clientUrl, ['get', k, '--print-value-only']), `${v}\n`);
      }
      await etcdctl(etcd2.clientUrl, ['put', 'k4', 'after restart']);
    } finally {
      await etcd2.stop();
    }

    // 5. ...and what etcd appended to our segment reads back with ours.
    const r2 = await (await WAL.openForRead(join(ourDir, 'member', 'wal'), { index: 0, term: 0 })).readAll();
    assert.deepEqual(r2.entries.slice(0, r.entries.length), r.entries);
    assert.deepEqual(putsIn(r2.entries), [...KEYS.map(([k, v]) => [k, v]), ['k4', 'after restart']]);
    assert.ok(r2.hardState.term > r.hardState.term, 'a new election after restart');
  });
});
