// `tetcdctl migrate`: the v2 keys of a stopped member become v3 keys (revisions from the v2
// indexes, version 1), TTL keys are left out with --no-ttl, and the member restarts with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../helpers/index.js';
import { ctlJson, endpointOf, startMember, tetcdctl } from './util.js';

const PEER = 'http://127.0.0.1:12580';

async function v2Put(host: string, key: string, form: Record<string, string>): Promise<{ modifiedIndex: number; createdIndex: number }> {
  const res = await fetch(`http://${host}/v2/keys${key}`, {
    method: 'PUT',
    body: new URLSearchParams(form).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.ok(res.status < 300, `v2 PUT ${key}: ${res.status}`);
  return ((await res.json()) as { node: { modifiedIndex: number; createdIndex: number } }).node;
}

test('migrate turns the v2 keys of a stopped member into v3 keys', async (t) => {
  const dir = await makeTempDir('migrate');
  t.after(() => removeDir(dir));
  const dataDir = join(dir, 'm');
  let srv = await startMember(dataDir, 'm', PEER, { enableV2: true });
  let a: { modifiedIndex: number; createdIndex: number };
  let b: { modifiedIndex: number; createdIndex: number };
  try {
    const host = endpointOf(srv);
    await v2Put(host, '/dir/a', { value: '1' });
    a = await v2Put(host, '/dir/a', { value: '2' });
    b = await v2Put(host, '/b', { value: 'bee' });
    await v2Put(host, '/ttl', { value: 't', ttl: '600' });
  } finally {
    await srv.close();
  }
  const run = await tetcdctl(['migrate', '--data-dir', dataDir, '--no-ttl']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'using default transformer\nfinished transforming keys\n');

  srv = await startMember(dataDir, 'm', PEER);
  t.after(() => srv.close());
  const got = await ctlJson(endpointOf(srv), ['get', '', '--prefix']);
  const kvs = got.kvs.map((kv: any) => ({
    key: Buffer.from(kv.key, 'base64').toString(),
    value: Buffer.from(kv.value, 'base64').toString(),
    create: kv.create_revision,
    mod: kv.mod_revision,
    version: kv.version,
  }));
  assert.deepEqual(kvs, [
    { key: '/b', value: 'bee', create: b.createdIndex, mod: b.modifiedIndex, version: 1 },
    { key: '/dir/a', value: '2', create: a.createdIndex, mod: a.modifiedIndex, version: 1 },
  ]);
  assert.equal(got.header.revision, b.modifiedIndex, 'the store revision is the newest migrated one');

  const noArgs = await tetcdctl(['migrate', '--data-dir', join(dir, 'nothing')]);
  assert.equal(noArgs.code, 1);
  assert.match(noArgs.stderr, /^Error: wal: file not found/);
});
