// Command line and environment as etcd 3.4's etcdmain reads them: Go flag syntax, ETCD_*
// variables under the command line, derived defaults, validation texts and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { parseServerConfig } from '../../src/config/parse.js';
import type { ServerConfig } from '../../src/config/server-config.js';

/** Parses to a ServerConfig, failing the test on help/version results. */
function cfg(argv: string[], env: NodeJS.ProcessEnv = {}): ServerConfig {
  const r = parseServerConfig(argv, env);
  assert.ok(!('help' in r) && !('version' in r), 'a server config');
  return r as ServerConfig;
}

/** Asserts that parsing fails with exactly this message and exit code. */
function fails(argv: string[], message: string, exitCode: number, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(
    () => parseServerConfig(argv, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `ConfigError, got ${String(err)}`);
      assert.equal(err.message, message);
      assert.equal(err.exitCode, exitCode);
      return true;
    },
  );
}

const hrefs = (urls: URL[]) => urls.map((u) => u.href);

test('no flags: etcd 3.4 defaults, data dir default.tetcd', () => {
  const c = cfg([]);
  assert.equal(c.name, 'default');
  assert.equal(c.dataDir, 'default.tetcd');
  assert.equal(c.walDir, '');
  assert.deepEqual(hrefs(c.listenClientUrls), ['http://localhost:2379/']);
  assert.deepEqual(hrefs(c.advertiseClientUrls), ['http://localhost:2379/']);
  assert.deepEqual(hrefs(c.listenPeerUrls), ['http://localhost:2380/']);
  assert.deepEqual(hrefs(c.initialAdvertisePeerUrls), ['http://localhost:2380/']);
  assert.deepEqual([...c.initialCluster].map(([n, u]) => [n, hrefs(u)]), [['default', ['http://localhost:2380/']]]);
  assert.equal(c.initialClusterState, 'new');
  assert.equal(c.initialClusterToken, 'etcd-cluster');
  assert.equal(c.snapshotCount, 100000);
  assert.equal(c.heartbeatInterval, 100);
  assert.equal(c.electionTimeout, 1000);
  assert.equal(c.quotaBackendBytes, 0);
  assert.equal(c.maxRequestBytes, 1572864);
  assert.equal(c.maxTxnOps, 128);
  assert.equal(c.maxSnapshots, 5);
  assert.equal(c.maxWals, 5);
  assert.equal(c.grpcKeepaliveMinTime, 5000);
  assert.equal(c.grpcKeepaliveInterval, 2 * 3600 * 1000);
  assert.equal(c.grpcKeepaliveTimeout, 20000);
  assert.equal(c.strictReconfigCheck, true);
  assert.equal(c.enableV2, false);
  assert.equal(c.autoCompactionMode, 'periodic');
  assert.deepEqual(c.autoCompaction, { mode: 'periodic', retention: 0 });
  assert.equal(c.loggerType, 'capnslog');
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.logOutputs, ['stderr'], "etcd's 'default' output is stderr");
  assert.equal(c.authToken, 'simple');
  assert.equal(c.bcryptCost, 10);
  assert.equal(c.authTokenTtl, 300);
  assert.equal(c.metrics, 'basic');
  assert.deepEqual(c.listenMetricsUrls, []);
  assert.equal(c.configFile, '');
  assert.deepEqual(c.warnings, ["'data-dir' was empty; using default (data-dir=default.tetcd)"]);
});

test('Go flag syntax: --flag=value, --flag value, -flag value, -flag=value', () => {
  for (const argv of [['--name=a'], ['--name', 'a'], ['-name', 'a'], ['-name=a']]) {
    assert.equal(cfg(argv).name, 'a', argv.join(' '));
  }
  assert.equal(cfg(['--name', '--x']).name, '--x', 'a non-bool flag takes the next argument whatever it is');
  assert.equal(cfg(['--data-dir=a=b']).dataDir, 'a=b', 'only the first = separates the value');
  assert.equal(cfg(['--name', 'a', '--name', 'b']).name, 'b', 'the last occurrence wins');
});

test('bool flags: bare means true, =value uses strconv.ParseBool, and they never take the next argument', () => {
  assert.equal(cfg(['--enable-v2']).enableV2, true);
  assert.equal(cfg(['--enable-v2=false']).enableV2, false);
  assert.equal(cfg(['--enable-v2=T']).enableV2, true);
  assert.equal(cfg(['--enable-v2=0']).enableV2, false);
  assert.equal(cfg(['--strict-reconfig-check=false']).strictReconfigCheck, false);
  fails(['--enable-v2', 'false'], "'false' is not a valid flag", 1);
  fails(['--enable-v2=maybe'], 'invalid boolean value "maybe" for -enable-v2: parse error', 2);
});

test('syntax errors exit 2 with the texts of Go\'s flag package', () => {
  fails(['--foo'], 'flag provided but not defined: -foo', 2);
  fails(['-foo=1'], 'flag provided but not defined: -foo', 2);
  fails(['---name', 'a'], 'bad flag syntax: ---name', 2);
  fails(['--=x'], 'bad flag syntax: --=x', 2);
  fails(['--name'], 'flag needs an argument: -name', 2);
  fails(['--heartbeat-interval', 'x'], 'invalid value "x" for flag -heartbeat-interval: parse error', 2);
  fails(['--snapshot-count', '-1'], 'invalid value "-1" for flag -snapshot-count: parse error', 2);
  fails(['--initial-cluster-state', 'bogus'], 'invalid value "bogus" for flag -initial-cluster-state: invalid value', 2);
  fails(['--listen-client-urls', 'localhost:2379'], 'invalid value "localhost:2379" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: localhost:2379', 2);
});

test('arguments after the flags are refused like etcd (exit 1); -- ends the flags', () => {
  fails(['extra'], "'extra' is not a valid flag", 1);
  fails(['--name', 'a', '--', '--enable-v2'], "'--enable-v2' is not a valid flag", 1);
  fails(['-'], "'-' is not a valid flag", 1);
});

test('-h, -help, --help give the help text; --version asks for the version before anything else is checked', () => {
  for (const h of ['-h', '--h', '-help', '--help']) {
    const r = parseServerConfig([h], {});
    assert.ok('help' in r && r.help.includes("--name 'default'"), h);
  }
  fails(['--foo', '--help'], 'flag provided but not defined: -foo', 2);
  assert.deepEqual(parseServerConfig(['--help', '--foo'], {}), parseServerConfig(['-h'], {}), 'parsing stops at -h');
  assert.deepEqual(parseServerConfig(['--version'], {}), { version: true });
  assert.deepEqual(parseServerConfig(['--version', '--election-timeout', '1'], {}), { version: true });
  assert.deepEqual(parseServerConfig(['--version'], { ETCD_CONFIG_FILE: '/nonexistent' }), { version: true });
});

test('durations: --heartbeat-interval/--election-timeout are integer ms, grpc ones are Go durations', () => {
  const c = cfg(['--heartbeat-interval', '50', '--election-timeout', '500', '--grpc-keepalive-min-time', '1m30s', '--grpc-keepalive-timeout=1.5s']);
  assert.equal(c.heartbeatInterval, 50);
  assert.equal(c.electionTimeout, 500);
  assert.equal(c.grpcKeepaliveMinTime, 90_000);
  assert.equal(c.grpcKeepaliveTimeout, 1500);
  fails(['--heartbeat-interval', '100ms'], 'invalid value "100ms" for flag -heartbeat-interval: parse error', 2);
  fails(['--grpc-keepalive-min-time', '5'], 'invalid value "5" for flag -grpc-keepalive-min-time: parse error', 2);
  assert.equal(cfg(['--grpc-keepalive-interval', '0']).grpcKeepaliveInterval, 0);
});

test('integers take Go base prefixes and underscores; out of range is refused', () => {
  assert.equal(cfg(['--max-txn-ops', '0x100']).maxTxnOps, 256);
  assert.equal(cfg(['--max-txn-ops', '0o17']).maxTxnOps, 15);
  assert.equal(cfg(['--max-txn-ops', '017']).maxTxnOps, 15);
  assert.equal(cfg(['--snapshot-count', '1_000']).snapshotCount, 1000);
  assert.equal(cfg(['--quota-backend-bytes', '-1']).quotaBackendBytes, -1);
  fails(['--max-txn-ops', '1__0'], 'invalid value "1__0" for flag -max-txn-ops: parse error', 2);
  fails(['--max-concurrent-streams', '4294967296'], 'invalid value "4294967296" for flag -max-concurrent-streams: strconv.ParseUint: parsing "4294967296": value out of range', 2);
  fails(['--snapshot-count', '18446744073709551616'], 'invalid value "18446744073709551616" for flag -snapshot-count: value out of range', 2);
});

test('URL lists are sorted, may repeat a flag value, and keep etcd\'s checks', () => {
  const c = cfg(['--listen-client-urls', 'http://127.0.0.1:2379, https://10.0.0.1:2379', '--advertise-client-urls', 'https://10.0.0.1:2379,http://127.0.0.1:2379']);
  assert.deepEqual(hrefs(c.listenClientUrls), ['http://127.0.0.1:2379/', 'https://10.0.0.1:2379/']);
  assert.deepEqual(hrefs(c.advertiseClientUrls), ['http://127.0.0.1:2379/', 'https://10.0.0.1:2379/']);
  fails(['--listen-peer-urls', 'http://example.com:2380'], 'expected IP in URL for binding (http://example.com:2380)', 1);
  fails(['--advertise-client-urls', 'http://:2379'], '--advertise-client-urls "http://:2379" must be "host:port" (unexpected empty host (http://:2379))', 1);
  fails(['--listen-client-urls', 'http://127.0.0.1:2379/x'], 'invalid value "http://127.0.0.1:2379/x" for flag -listen-client-urls: URL must not contain a path: http://127.0.0.1:2379/x', 2);
  fails(['--initial-advertise-peer-urls', 'http://a'], 'invalid value "http://a" for flag -initial-advertise-peer-urls: URL address does not have the form "host:port": http://a', 2);
  fails(['--listen-client-urls', 'ftp://127.0.0.1:1'], 'invalid value "ftp://127.0.0.1:1" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:1', 2);
});

test('--listen-client-urls without --advertise-client-urls is refused, as etcd does', () => {
  fails(['--listen-client-urls', 'http://127.0.0.1:2379'], '--advertise-client-urls is required when --listen-client-urls is set explicitly', 1);
  fails([], '--advertise-client-urls is required when --listen-client-urls is set explicitly', 1, { ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:2379' });
});

test('--initial-cluster: parsed to a map, derived from --name when left at its default, errors as etcd', () => {
  const c = cfg([
    '--name', 'a',
    '--initial-advertise-peer-urls', 'http://10.0.0.1:2380',
    '--initial-cluster', 'a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,b=http://10.0.0.3:2380,c=http://10.0.0.4:2380',
  ]);
  assert.deepEqual([...c.initialCluster].map(([n, u]) => [n, hrefs(u)]), [
    ['a', ['http://10.0.0.1:2380/']],
    ['b', ['http://10.0.0.2:2380/', 'http://10.0.0.3:2380/']],
    ['c', ['http://10.0.0.4:2380/']],
  ]);
  const derived = cfg(['--name', 'infra0', '--initial-advertise-peer-urls', 'http://10.0.0.2:2380,http://10.0.0.1:2380']);
  assert.deepEqual([...derived.initialCluster].map(([n, u]) => [n, hrefs(u)]), [['infra0', ['http://10.0.0.1:2380/', 'http://10.0.0.2:2380/']]]);
  assert.equal(derived.dataDir, 'infra0.tetcd');
  fails(['--initial-cluster', 'foo'], 'error setting up initial cluster: URL scheme must be http, https, unix, or unixs: ', 1);
  fails(['--initial-cluster', 'a=http://x:1,a=foo'], 'error setting up initial cluster: URL scheme must be http, https, unix, or unixs: foo', 1);
  fails(['--initial-cluster', 'a=http://x'], 'error setting up initial cluster: URL address does not have the form "host:port": http://x', 1);
});

test('etcd\'s validation of timing, cluster state and compaction, with its texts', () => {
  fails(['--heartbeat-interval', '0'], '--heartbeat-interval must be >0 (set to 0ms)', 1);
  fails(['--election-timeout', '0'], '--election-timeout must be >0 (set to 0ms)', 1);
  fails(['--election-timeout', '400'], '--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]', 1);
  fails(['--election-timeout', '50001', '--heartbeat-interval', '1000'], '--election-timeout[50001ms] is too long, and should be set less than 50000ms', 1);
  fails(['--auto-compaction-mode', 'daily'], 'unknown auto-compaction-mode "daily"', 1);
  fails(['--logger', 'glog'], 'unknown logger option "glog"', 1);
  fails(['--log-level', 'loud'], 'unknown level "loud"', 1);
  fails(['--log-outputs', 'stderr,stdout'], `--logger=capnslog supports only 1 value in '--log-outputs', got ["stderr" "stdout"]`, 1);
  assert.deepEqual(cfg(['--logger', 'zap', '--log-outputs', 'stdout,stderr']).logOutputs, ['stderr', 'stdout']);
  fails(['--logger', 'zap', '--log-outputs', 'default,stdout'], 'multi logoutput for "default" is not supported yet', 1);
});

test('auto compaction retention: bare numbers are hours (periodic) or revisions, else Go durations', () => {
  assert.deepEqual(cfg(['--auto-compaction-retention', '2']).autoCompaction, { mode: 'periodic', retention: 2 * 3600_000 });
  assert.deepEqual(cfg(['--auto-compaction-retention', '30m']).autoCompaction, { mode: 'periodic', retention: 1800_000 });
  assert.deepEqual(cfg(['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '1000']).autoCompaction, { mode: 'revision', retention: 1000 });
  fails(['--auto-compaction-retention', 'soon'], 'error parsing CompactionRetention: time: invalid duration "soon"', 1);
});

test('unsupported flags: fine at their default, refused with exit 1 at any other value', () => {
  assert.equal(cfg(['--enable-pprof=false']).enablePprof, false);
  assert.equal(cfg(['--initial-election-tick-advance=true', '--proxy', 'off']).initialElectionTickAdvance, true);
  fails(['--enable-pprof'], "--enable-pprof is not supported by tetcd yet (Go's pprof endpoints have no Node.js equivalent in tetcd yet)", 1);
  fails(['--initial-election-tick-advance=false'], '--initial-election-tick-advance is not supported by tetcd yet (not implemented in tetcd yet)', 1);
  fails([], '--experimental-initial-corrupt-check is not supported by tetcd yet (not implemented in tetcd yet)', 1, {
    ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK: 'true',
  });
  fails(['--discovery', 'https://discovery.etcd.io/x'], '--discovery is not supported by tetcd yet (discovery bootstrap is not implemented in tetcd yet; use --initial-cluster)', 1);
});

test('ETCD_* variables set flags not given on the command line; the command line wins', () => {
  const c = cfg(['--snapshot-count', '5'], {
    ETCD_NAME: 'env-name',
    ETCD_ENABLE_V2: 'true',
    ETCD_HEARTBEAT_INTERVAL: '200',
    ETCD_ELECTION_TIMEOUT: '2000',
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
    ETCD_LISTEN_PEER_URLS: 'http://127.0.0.1:12380',
    PATH: '/usr/bin',
  });
  assert.equal(c.name, 'env-name');
  assert.equal(c.enableV2, true);
  assert.equal(c.heartbeatInterval, 200);
  assert.equal(c.electionTimeout, 2000);
  assert.equal(c.initialClusterState, 'existing');
  assert.deepEqual(hrefs(c.listenPeerUrls), ['http://127.0.0.1:12380/']);
  assert.equal(c.snapshotCount, 5);
  assert.deepEqual(c.warnings, ["'data-dir' was empty; using default (data-dir=env-name.tetcd)"]);
  assert.ok(c.messages.some((m) => m.msg === 'recognized and used environment variable ETCD_NAME=env-name'));
});

test('a variable shadowed by a command-line flag is fatal, as in etcd 3.4', () => {
  fails(['--name', 'cli'], 'conflicting environment variable "ETCD_NAME" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)', 1, { ETCD_NAME: 'env' });
});

test('unknown and empty ETCD_* variables are warned about; ETCDCTL_* and others are not', () => {
  const c = cfg([], { ETCD_FOO: '1', ETCD_NAME: '', ETCDCTL_API: '3', HOME: '/root' });
  assert.equal(c.name, 'default', 'an empty variable does not set its flag');
  assert.deepEqual(c.warnings.slice(0, 2), ['unrecognized environment variable ETCD_FOO=1', 'unrecognized environment variable ETCD_NAME=']);
  assert.equal(c.warnings.length, 3);
});

test('a bad environment value is reported with the variable name (exit 1)', () => {
  fails([], 'invalid value "1s" for ETCD_HEARTBEAT_INTERVAL: parse error', 1, { ETCD_HEARTBEAT_INTERVAL: '1s' });
  fails([], 'invalid value "maybe" for ETCD_ENABLE_V2: parse error', 1, { ETCD_ENABLE_V2: 'maybe' });
});

test("etcd's retired flags are accepted with its warning and take no value", () => {
  const c = cfg(['--snapshot', '--peer-heartbeat-interval', '--name', 'x']);
  assert.equal(c.name, 'x');
  assert.ok(c.warnings.includes('flag "-snapshot" is no longer supported - ignoring.'));
  assert.ok(c.warnings.includes('flag "-peer-heartbeat-interval" is no longer supported - ignoring.'));
});

test('--config-file (or ETCD_CONFIG_FILE) replaces all other flags and variables, with etcd\'s log line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-config-'));
  try {
    const file = join(dir, 'etcd.yml');
    writeFileSync(file, 'name: from-file\nheartbeat-interval: 50\nelection-timeout: 600\n');
    for (const [argv, env] of [
      [['--config-file', file, '--name', 'cli', '--snapshot-count', '7'], { ETCD_NAME: 'env', ETCD_ENABLE_V2: 'true' }],
      [['--name', 'cli'], { ETCD_CONFIG_FILE: file, ETCD_ENABLE_V2: 'true' }],
    ] as const) {
      const c = cfg([...argv], { ...env });
      assert.equal(c.name, 'from-file');
      assert.equal(c.heartbeatInterval, 50);
      assert.equal(c.electionTimeout, 600);
      assert.equal(c.snapshotCount, 100000, 'command-line flags are ignored');
      assert.equal(c.enableV2, false, 'environment variables are ignored');
      assert.equal(c.configFile, file);
      assert.deepEqual(c.messages[0], {
        level: 'info',
        msg: 'loaded server configuration, other configuration command line flags and environment variables will be ignored if provided',
        fields: { path: file },
      });
    }
    fails(['--config-file', join(dir, 'missing.yml')], `open ${join(dir, 'missing.yml')}: no such file or directory`, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
