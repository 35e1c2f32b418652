// tetcdctl2 and tetcdctl3 fix ETCDCTL_API whatever the environment says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (name: string) => fileURLToPath(new URL(`../../src/bin/${name}.js`, import.meta.url));

test('tetcdctl2 and tetcdctl3 pick their API version', () => {
  const v2 = spawnSync(process.execPath, [bin('tetcdctl2'), '--version'], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
  assert.equal(v2.status, 0, v2.stderr);
  assert.match(v2.stdout, /^etcdctl version: .+\nAPI version: 2\n$/);
  const v3 = spawnSync(process.execPath, [bin('tetcdctl3'), 'version'], { env: { ...process.env, ETCDCTL_API: '2' }, encoding: 'utf8' });
  assert.equal(v3.status, 0, v3.stderr);
  assert.match(v3.stdout, /^etcdctl version: .+\nAPI version: 3\.4\n$/);
});
