// --bump-revision on a snapshot whose compact revision lies above its highest key revision (the
// newest revisions were tombstones, compacted away): the bump must never move the compact
// revision backwards, and the restored store starts at or above it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../src/backend/index.js';
import { bumpRevision, latestRevision } from '../../src/backup/revision-bump.js';
import { FINISHED_COMPACT_KEY, SCHEDULED_COMPACT_KEY } from '../../src/mvcc/meta.js';
import { KVStore } from '../../src/mvcc/kvstore.js';
import { bytesToRev } from '../../src/mvcc/revision.js';

const b = (s: string) => Buffer.from(s);
const metaRev = (backend: Backend, key: Buffer) => bytesToRev(backend.readTx().get('meta', key)!).main;

test('bump keeps the compact revision when it is above latest + N', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-bump-compacted-'));
  const path = join(dir, 'db');
  let backend = Backend.open(path);
  try {
    let kv = KVStore.open(backend, { compactionPauseMs: 0 });
    kv.write(1, (t) => t.put(b('k1'), b('v'), 0n)); // rev 2
    kv.write(2, (t) => t.put(b('k2'), b('v'), 0n)); // rev 3
    kv.write(3, (t) => t.put(b('k3'), b('v'), 0n)); // rev 4
    kv.write(4, (t) => t.deleteRange(b('k2'), undefined)); // rev 5
    kv.write(5, (t) => t.deleteRange(b('k3'), undefined)); // rev 6
    const oldCompact = kv.rev();
    await kv.compact(oldCompact);
    await kv.close();
    assert.equal(oldCompact, 6);
    assert.equal(latestRevision(backend).main, 2, 'the tombstones above k1 are compacted away');

    const bumped = await bumpRevision(backend, 1, () => undefined);
    assert.ok(bumped >= oldCompact, `returned ${bumped}, below the old compact revision ${oldCompact}`);
    assert.equal(metaRev(backend, FINISHED_COMPACT_KEY), bumped);
    assert.equal(metaRev(backend, SCHEDULED_COMPACT_KEY), bumped);

    await backend.sync();
    await backend.close();
    backend = Backend.open(path);
    kv = KVStore.open(backend, { compactionPauseMs: 0 });
    try {
      assert.ok(kv.rev() >= oldCompact, `current revision ${kv.rev()} below the old compact revision ${oldCompact}`);
      assert.ok(kv.compactRev() >= oldCompact);
    } finally {
      await kv.close();
    }
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
