// etcd's --config-file: embed.Config's json tags as keys, the transport-security blocks, Go's
// JSON decoding rules (durations in nanoseconds, strict types) and etcd's error texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { parseServerConfig } from '../../src/config/parse.js';
import type { ServerConfig } from '../../src/config/server-config.js';
import { parseConfigYaml } from '../../src/config/yaml.js';
import { ETCD_BIN, etcdMissing } from './etcd-reference.js';
import { spawnSync } from 'node:child_process';

/** Runs `fn` with a temp dir holding `etcd.yml` = yaml, removing the dir afterwards. */
function withConfigFile<T>(yaml: string, fn: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-yaml-'));
  try {
    const path = join(dir, 'etcd.yml');
    writeFileSync(path, yaml);
    return fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fromYaml(yaml: string): ServerConfig {
  return withConfigFile(yaml, (path) => parseServerConfig(['--config-file', path], {}) as ServerConfig);
}

function yamlError(yaml: string): string {
  try {
    fromYaml(yaml);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.exitCode, 1);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

const SAMPLE = `
# etcd.conf.yml in the shape of etcd's sample config
name: 'infra1'
data-dir: /var/lib/etcd/infra1
wal-dir: ''
snapshot-count: 10000
heartbeat-interval: 100
election-timeout: 1000
quota-backend-bytes: 0
listen-peer-urls: http://127.0.0.1:12380
listen-client-urls: http://127.0.0.1:12379,http://127.0.0.1:22379
max-snapshots: 5
max-wals: 5
initial-advertise-peer-urls: http://127.0.0.1:12380
advertise-client-urls: http://127.0.0.1:12379
initial-cluster: infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380
initial-cluster-token: 'etcd-cluster-1'
initial-cluster-state: 'existing'
strict-reconfig-check: false
enable-v2: yes
grpc-keepalive-min-time: 3000000000
client-transport-security:
  cert-file: /etc/etcd/server.crt
  key-file: /etc/etcd/server.key
  client-cert-auth: true
  trusted-ca-file: /etc/etcd/ca.crt
  auto-tls: false
peer-transport-security:
  auto-tls: true
logger: zap
log-level: warn
log-outputs: [stdout]
auto-compaction-mode: revision
auto-compaction-retention: "1000"
`;

test("a config file in etcd's format sets every key it names and leaves the rest at etcd's defaults", () => {
  const c = fromYaml(SAMPLE);
  assert.equal(c.name, 'infra1');
  assert.equal(c.dataDir, '/var/lib/etcd/infra1');
  assert.equal(c.snapshotCount, 10000);
  assert.deepEqual(c.listenClientUrls.map((u) => u.href), ['http://127.0.0.1:12379/', 'http://127.0.0.1:22379/']);
  assert.deepEqual([...c.initialCluster.keys()], ['infra1', 'infra2']);
  assert.equal(c.initialClusterToken, 'etcd-cluster-1');
  assert.equal(c.initialClusterState, 'existing');
  assert.equal(c.strictReconfigCheck, false);
  assert.equal(c.enableV2, true, 'YAML 1.1: yes is true');
  assert.equal(c.grpcKeepaliveMinTime, 3000, 'durations are nanoseconds in the file');
  assert.equal(c.certFile, '/etc/etcd/server.crt');
  assert.equal(c.keyFile, '/etc/etcd/server.key');
  assert.equal(c.clientCertAuth, true);
  assert.equal(c.trustedCaFile, '/etc/etcd/ca.crt');
  assert.equal(c.autoTls, false);
  assert.equal(c.peerAutoTls, true);
  assert.equal(c.peerCertFile, '');
  assert.equal(c.loggerType, 'zap');
  assert.equal(c.logLevel, 'warn');
  assert.deepEqual(c.logOutputs, ['stdout']);
  assert.deepEqual(c.autoCompaction, { mode: 'revision', retention: 1000 });
  assert.equal(c.maxTxnOps, 128, 'unset keys keep their defaults');
  assert.equal(c.grpcKeepaliveInterval, 2 * 3600_000);
});

test('an empty file is all defaults; a name alone derives the initial cluster and data dir', () => {
  const empty = fromYaml('');
  assert.equal(empty.name, 'default');
  assert.equal(empty.dataDir, 'default.tetcd');
  const named = fromYaml('name: solo\n');
  assert.deepEqual([...named.initialCluster].map(([n, u]) => [n, u.map((x) => x.href)]), [['solo', ['http://localhost:2380/']]]);
  assert.equal(named.dataDir, 'solo.tetcd');
});

test('unlike the command line, a file with listen-client-urls keeps the default advertise URL (as etcd)', () => {
  const c = fromYaml('listen-client-urls: http://127.0.0.1:12379\n');
  assert.deepEqual(c.advertiseClientUrls.map((u) => u.href), ['http://localhost:2379/']);
});

test("keys match case-insensitively, as Go's encoding/json does; unknown keys are warned about", () => {
  const c = fromYaml('Name: upper\nno-such-key: 1\n');
  assert.equal(c.name, 'upper');
  assert.ok(c.warnings.includes('unknown key in config file is ignored (key=no-such-key)'));
});

test('wrong JSON types are refused with the texts of Go\'s encoding/json', () => {
  const prefix = 'error unmarshaling JSON: while decoding JSON: json: ';
  assert.equal(yamlError('name: 123\n'), `${prefix}cannot unmarshal number into Go struct field configYAML.name of type string`);
  assert.equal(yamlError('heartbeat-interval: 1s\n'), `${prefix}cannot unmarshal string into Go struct field configYAML.heartbeat-interval of type uint`);
  assert.equal(yamlError('auto-compaction-retention: 1\n'), `${prefix}cannot unmarshal number into Go struct field configYAML.auto-compaction-retention of type string`);
  assert.equal(yamlError('grpc-keepalive-min-time: 1.5\n'), `${prefix}cannot unmarshal number 1.5 into Go struct field configYAML.grpc-keepalive-min-time of type time.Duration`);
  assert.equal(
    yamlError('client-transport-security:\n  cert-file: 5\n'),
    `${prefix}cannot unmarshal number into Go struct field securityConfig.client-transport-security.cert-file of type string`,
  );
  assert.equal(yamlError('log-outputs: stderr\n'), `${prefix}cannot unmarshal string into Go struct field configYAML.log-outputs of type []string`);
});

test('bad URLs, bad YAML and a missing file are reported with etcd\'s texts', () => {
  assert.equal(yamlError('listen-client-urls: foo\n'), 'unexpected error setting up listen-client-urls: URL scheme must be http, https, unix, or unixs: foo');
  assert.equal(yamlError('advertise-client-urls: foo\n'), 'unexpected error setting up advertise-peer-urls: URL scheme must be http, https, unix, or unixs: foo');
  assert.match(yamlError('a: [\n'), /^error converting YAML to JSON: yaml: /);
  assert.equal(yamlError('initial-cluster-state: bogus\n'), 'unexpected clusterState "bogus"');
  assert.equal(yamlError('proxy: sideways\n'), 'unexpected error setting up proxyFlag: invalid value');
  assert.throws(() => parseServerConfig(['--config-file', '/nonexistent/etcd.yml'], {}), {
    message: 'open /nonexistent/etcd.yml: no such file or directory',
  });
});

test('unsupported settings in a file are refused like on the command line', () => {
  assert.equal(yamlError('experimental-initial-corrupt-check: true\n'), '--experimental-initial-corrupt-check is not supported by tetcd yet (not implemented in tetcd yet)');
  assert.equal(fromYaml('enable-pprof: false\n').enablePprof, false);
});

test('null values keep the default; initial-cluster-state "" means new', () => {
  const v = parseConfigYaml('name: ~\ninitial-cluster-state: ""\n');
  assert.equal(v.get('name'), 'default');
  assert.equal(v.get('initial-cluster-state'), 'new');
});

test('the same files are refused by the real etcd with the same text', (t) => {
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  const files = ['name: 123\n', 'heartbeat-interval: 1s\n', 'grpc-keepalive-min-time: 1.5\n', 'listen-client-urls: foo\n', 'client-transport-security:\n  cert-file: 5\n'];
  for (const yaml of files) {
    withConfigFile(yaml, (path, dir) => {
      const r = spawnSync(ETCD_BIN, ['--config-file', path], { encoding: 'utf8', timeout: 5000, cwd: dir });
      const line = r.stderr.split('\n').find((l) => l !== '' && !l.includes(' I | ') && !l.startsWith('[WARNING]')) ?? '';
      const etcdMessage = /error verifying flags, (.*)\. See 'etcd --help'\.$/.exec(line)?.[1] ?? line;
      assert.equal(yamlError(yaml), etcdMessage, yaml);
    });
  }
});
