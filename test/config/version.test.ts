// `tetcd --version` keeps the shape of `etcd --version` and adds tetcd's own version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CLUSTER_VERSION, ETCD_API_VERSION, TETCD_VERSION, formatVersion } from '../../src/config/version.js';
import { etcdMissing, runEtcd } from './etcd-reference.js';

test('the first four lines have the labels of `etcd --version`, then tetcd\'s version', (t) => {
  const ours = formatVersion().trimEnd().split('\n');
  assert.equal(ours.length, 5);
  assert.equal(ours[0], `etcd Version: ${ETCD_API_VERSION}`);
  assert.equal(ours[4], `tetcd Version: ${TETCD_VERSION}`);
  assert.ok(formatVersion().endsWith('\n'));
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  const etcd = runEtcd(['--version']).stdout.trimEnd().split('\n');
  assert.deepEqual(ours.slice(0, 4).map(label), etcd.map(label));
  assert.equal(ours[0], etcd[0], 'the etcd version tetcd implements is the installed reference etcd');
  assert.equal(ours[3], etcd[3], 'same OS/arch naming as Go');
});

test('TETCD_VERSION is the package.json version; the cluster version is 3.4.0', () => {
  const pkg = JSON.parse(readFileSync(findPackageJson(), 'utf8')) as { version: string };
  assert.equal(TETCD_VERSION, pkg.version);
  assert.equal(CLUSTER_VERSION, '3.4.0');
});

/** The repository's package.json, wherever the compiled test runs from (dist/ or build/<area>/). */
function findPackageJson(): URL {
  for (let up = '../'; up.length < 40; up += '../') {
    const u = new URL(`${up}package.json`, import.meta.url);
    if (existsSync(u)) {
      const pkg = JSON.parse(readFileSync(u, 'utf8')) as { name?: string };
      if (pkg.name === 'tetcd') return u;
    }
  }
  throw new Error('package.json of tetcd not found above ' + import.meta.url);
}

function label(line: string): string {
  return line.slice(0, line.indexOf(':'));
}
