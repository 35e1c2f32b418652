// endpoint hashkv: etcd's KV hash is a CRC32-Castagnoli over the key bucket's revision keys and
// encoded KeyValues, so two servers with the same history (and no leases, whose IDs are in the
// values) must print the same hash. This file's servers are fresh and run only this history,
// so the whole key space is equal between them and the hashes are compared exactly.
import assert from 'node:assert/strict';
import { diffSuite } from '../helpers/index.js';

const suite = diffSuite();

suite.sequence('hashkv of the same history is equal, before and after compaction', async (s) => {
  assert.equal(s.norm.baseRevision, 1, 'hashkv needs a fresh server: it hashes the whole history');
  await s.ctl(['put', 'hk/a', '1']);
  await s.ctl(['put', 'hk/b', '2']);
  await s.ctl(['put', 'hk/a', '3']);
  await s.ctl(['del', 'hk/b']);
  await s.ctl(['txn'], { stdin: '\nput hk/c 4\nput hk/d 5\n\n\n' });
  await s.ctl(['put', 'hk/e', ''], {});
  const full = await s.ctl(['endpoint', 'hashkv', '-w', 'json']);
  assert.match(full.stdout, /"hash":\d+/);
  await s.ctl(['endpoint', 'hashkv']);
  await s.ctl(['endpoint', 'hashkv', `--rev=${s.rev(3)}`, '-w', 'json']);
  await s.ctl(['endpoint', 'hashkv', `--rev=${s.rev(100)}`]);
  await s.ctl(['compaction', String(s.rev(3))]);
  await s.ctl(['endpoint', 'hashkv', '-w', 'json']);
  await s.ctl(['endpoint', 'hashkv', `--rev=${s.rev(3)}`, '-w', 'json']);
  await s.ctl(['endpoint', 'hashkv', `--rev=${s.rev(2)}`]);
  await s.ctl(['compaction', String(s.rev(6)), '--physical']);
  await s.ctl(['endpoint', 'hashkv', '-w', 'json']);
});
