// /etc/etcd/etcd.conf-style environment files, and feeding one to the server config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { parseEnvFile, readEnvFile } from '../../src/config/env-file.js';
import { parseServerConfig } from '../../src/config/parse.js';
import type { ServerConfig } from '../../src/config/server-config.js';

// The layout of the etcd.conf shipped by Fedora/RHEL's etcd package.
const ETCD_CONF = `#[Member]
#ETCD_CORS=""
ETCD_DATA_DIR="/var/lib/etcd/default.etcd"
#ETCD_WAL_DIR=""
ETCD_LISTEN_CLIENT_URLS="http://127.0.0.1:2379"
ETCD_NAME="default"
ETCD_SNAPSHOT_COUNT=10000   # fewer snapshots
#
#[Clustering]
ETCD_ADVERTISE_CLIENT_URLS='http://127.0.0.1:2379'
export ETCD_INITIAL_CLUSTER_TOKEN="my \\"quoted\\" token"
ETCD_ENABLE_V2=true
`;

test('parses assignments, quotes, export and comments', () => {
  assert.deepEqual(parseEnvFile(ETCD_CONF), {
    ETCD_DATA_DIR: '/var/lib/etcd/default.etcd',
    ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:2379',
    ETCD_NAME: 'default',
    ETCD_SNAPSHOT_COUNT: '10000',
    ETCD_ADVERTISE_CLIENT_URLS: 'http://127.0.0.1:2379',
    ETCD_INITIAL_CLUSTER_TOKEN: 'my "quoted" token',
    ETCD_ENABLE_V2: 'true',
  });
});

test('single quotes are literal, # inside quotes or words is kept, empty values allowed, later lines win', () => {
  assert.deepEqual(parseEnvFile("A='x\\ny #z'\nB=a#b\nC=\nD=\"\"\nA=2\n"), { A: '2', B: 'a#b', C: '', D: '' });
  assert.deepEqual(parseEnvFile('A="x\\\\y\\$z"\r\nB=1\r\n'), { A: 'x\\y$z', B: '1' });
});

test('malformed lines are errors naming file and line', () => {
  assert.throws(() => parseEnvFile('A=1\nnot an assignment\n', 'etcd.conf'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message, 'etcd.conf:2: expected NAME=value, got "not an assignment"');
    return true;
  });
  assert.throws(() => parseEnvFile('A="open\n', 'f'), { message: 'f:1: unterminated " quote' });
  assert.throws(() => parseEnvFile('1A=x\n', 'f'), { message: 'f:1: expected NAME=value, got "1A=x"' });
});

test('an etcd.conf read from disk configures the server like the environment does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-envfile-'));
  try {
    const path = join(dir, 'etcd.conf');
    writeFileSync(path, ETCD_CONF);
    const c = parseServerConfig([], readEnvFile(path)) as ServerConfig;
    assert.equal(c.dataDir, '/var/lib/etcd/default.etcd');
    assert.equal(c.snapshotCount, 10000);
    assert.equal(c.initialClusterToken, 'my "quoted" token');
    assert.equal(c.enableV2, true);
    assert.deepEqual(c.advertiseClientUrls.map((u) => u.href), ['http://127.0.0.1:2379/']);
    assert.deepEqual(c.warnings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
