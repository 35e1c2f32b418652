// The v2 API through the real `ETCDCTL_API=2 etcdctl`, on etcd 3.4 --enable-v2 and on tetcd
// --enable-v2. Both servers start with the same three internal v2 writes (member attributes,
// raft attributes, cluster version), so the store indexes printed with -o extended/json agree
// as long as both ran the same sequences in the same order; only expiration times are masked.
import assert from 'node:assert/strict';
import { diffSuite } from '../helpers/index.js';
import type { Session } from '../helpers/diff.js';

const suite = diffSuite({ extraFlags: ['--enable-v2'] });

/** Expiration timestamps differ between runs; the TTL left (whole seconds) is compared. */
function maskTimes(out: string): string {
  return out.replace(/"expiration":"[^"]+"/g, '"expiration":"<time>"').replace(/^Expiration: .*$/gm, 'Expiration: <time>');
}

function v2(s: Session, args: string[], stdin?: string) {
  return s.ctl(args, { api: '2', transform: maskTimes, ...(stdin === undefined ? {} : { stdin }) });
}

suite.sequence('v2 set, get, mk, update, rm and their errors', async (s) => {
  assert.equal((await v2(s, ['set', '/v2a/x', 'one'])).stdout, 'one\n');
  await v2(s, ['get', '/v2a/x']);
  await v2(s, ['-o', 'extended', 'get', '/v2a/x']);
  await v2(s, ['-o', 'json', 'set', '/v2a/x', 'two']);
  await v2(s, ['mk', '/v2a/x', 'three']); // exists: 105
  await v2(s, ['mk', '/v2a/y', 'made']);
  await v2(s, ['update', '/v2a/y', 'updated']);
  await v2(s, ['update', '/v2a/missing', 'v']); // 100
  await v2(s, ['get', '/v2a/missing']);
  await v2(s, ['set', '/v2a/x', 'four', '--swap-with-value', 'wrong']); // 101
  await v2(s, ['-o', 'json', 'set', '/v2a/x', 'four', '--swap-with-value', 'two']);
  await v2(s, ['rm', '/v2a/x', '--with-value', 'nope']);
  await v2(s, ['-o', 'json', 'rm', '/v2a/x']);
  await v2(s, ['rm', '/v2a']); // a directory: 102
});

suite.sequence('v2 directories, ls --recursive --sort, rmdir, rm --recursive', async (s) => {
  await v2(s, ['mkdir', '/v2b/d1']);
  await v2(s, ['mkdir', '/v2b/d1']); // exists
  await v2(s, ['set', '/v2b/d1/k2', 'v2']);
  await v2(s, ['set', '/v2b/d1/k1', 'v1']);
  await v2(s, ['set', '/v2b/top', 't']);
  await v2(s, ['ls', '--recursive', '--sort', '/v2b']);
  await v2(s, ['-o', 'json', 'ls', '--recursive', '--sort', '/v2b']);
  await v2(s, ['rmdir', '/v2b/d1']); // not empty: 108
  await v2(s, ['get', '/v2b/d1']); // a dir: "is a directory"
  await v2(s, ['updatedir', '/v2b/d1', '--ttl', '100']);
  await v2(s, ['rm', '--recursive', '/v2b/d1']);
  await v2(s, ['ls', '/v2b']);
  await v2(s, ['rm', '/']); // root is read only: 107
});

suite.sequence('v2 TTLs and swap by index', async (s) => {
  const set = await v2(s, ['-o', 'json', 'set', '/v2c/t', 'v', '--ttl', '100']);
  const index = (JSON.parse(set.stdout) as { node: { modifiedIndex: number } }).node.modifiedIndex;
  await v2(s, ['set', '/v2c/t', 'w', '--swap-with-index', String(index + 100)]); // 101
  await v2(s, ['-o', 'json', 'set', '/v2c/t', 'w', '--swap-with-index', String(index)]);
  await v2(s, ['mk', '/v2c/bad', 'v', '--ttl', 'abc']);
});

suite.sequence('v2 and v3 keys never meet', async (s) => {
  await v2(s, ['set', '/both', 'from-v2']);
  await s.ctl(['put', '/both', 'from-v3']);
  await v2(s, ['get', '/both']);
  await s.ctl(['get', '/both']);
  await s.ctl(['get', '', '--prefix', '--keys-only']);
  await v2(s, ['ls', '--sort', '/']); // unsorted order is Go's random map order
});

suite.sequence('v2 member list and cluster-health', async (s) => {
  await v2(s, ['member', 'list']);
  await v2(s, ['cluster-health']);
});
