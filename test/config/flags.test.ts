// The FLAGS table against the real etcd 3.4: every flag etcd registers or lists in --help is
// in the table, with etcd's help text, etcd's displayed default and a YAML key etcd reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAGS, SECTIONS, flagField, flagToEnv, lookupFlag } from '../../src/config/flags.js';
import { defaultFlagValues } from '../../src/config/server-config.js';
import { parseFlagValue } from '../../src/config/values.js';
import { etcdMissing, etcdSourceMissing, flagNamesInSource, parseHelp, runEtcd, yamlKeysInSource } from './etcd-reference.js';

/**
 * Flags whose `etcd --help` default is not the flag's real default (etcd's help.go shows the
 * runtime fallback), or where tetcd deliberately differs (the data dir suffix).
 */
const HELP_DEFAULT_DIFFERS = new Set([
  'data-dir',
  'backend-batch-interval',
  'max-concurrent-streams',
  'experimental-backend-bbolt-freelist-type',
  'experimental-compaction-batch-limit',
  'experimental-watch-progress-notify-interval',
]);

test('every flag listed by `etcd --help` is in the table, in the same section and order, with the same help text', (t) => {
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  const etcdHelp = parseHelp(runEtcd(['--help']).stdout);
  assert.ok(etcdHelp.length > 70, 'etcd --help lists its flags');
  const ours = FLAGS.filter((f) => f.section !== null);
  assert.deepEqual(
    ours.map((f) => `${f.section}: ${f.name}`),
    etcdHelp.map((e) => `${e.section}: ${e.name}`),
  );
  for (const e of etcdHelp) {
    const spec = lookupFlag(e.name)!;
    assert.deepEqual(spec.help, e.help, `help text of --${e.name}`);
    if (e.name !== 'data-dir') assert.equal(spec.helpDefault, e.helpDefault, `displayed default of --${e.name}`);
  }
});

test("each flag's default is the one `etcd --help` shows, except where help.go shows a runtime fallback", (t) => {
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  for (const e of parseHelp(runEtcd(['--help']).stdout)) {
    if (HELP_DEFAULT_DIFFERS.has(e.name)) continue;
    const spec = lookupFlag(e.name)!;
    const shown = e.helpDefault.replace(/^'(.*)'$/, '$1');
    assert.deepEqual(parseFlagValue(spec, spec.default), parseFlagValue(spec, shown), `default of --${e.name}`);
  }
});

test('the defaults help.go does not show are those of etcd 3.4 newConfig/embed.NewConfig', () => {
  const d = defaultFlagValues();
  assert.equal(d.get('data-dir'), '', 'empty: derived from --name at parse time');
  assert.equal(d.get('backend-batch-interval'), 0);
  assert.equal(d.get('max-concurrent-streams'), 2 ** 32 - 1);
  assert.equal(d.get('experimental-backend-bbolt-freelist-type'), '');
  assert.equal(d.get('experimental-compaction-batch-limit'), 0);
  assert.equal(d.get('experimental-watch-progress-notify-interval'), 0);
  assert.equal(d.get('experimental-enable-lease-checkpoint-persist'), false);
  assert.equal(d.get('enable-grpc-gateway'), true);
  assert.equal(d.get('unsafe-no-fsync'), false);
});

test('every flag etcd registers in etcdmain/config.go is in the table, and nothing else', (t) => {
  const missing = etcdSourceMissing();
  if (missing) return t.skip(missing);
  assert.deepEqual(FLAGS.map((f) => f.name).sort(), flagNamesInSource().sort());
});

test("every YAML key of the table is a json tag of etcd's config structs", (t) => {
  const missing = etcdSourceMissing();
  if (missing) return t.skip(missing);
  const tags = yamlKeysInSource();
  for (const f of FLAGS) {
    if (f.yamlKey === null) continue;
    for (const part of f.yamlKey.split('.')) assert.ok(tags.has(part), `--${f.name}: yaml key part ${part}`);
  }
});

test('the table is well-formed: unique names, known sections, parseable defaults, choices for choice flags', () => {
  assert.equal(new Set(FLAGS.map((f) => f.name)).size, FLAGS.length);
  for (const f of FLAGS) {
    if (f.section !== null) assert.ok((SECTIONS as readonly string[]).includes(f.section));
    assert.doesNotThrow(() => parseFlagValue(f, f.default), `default of --${f.name} parses`);
    assert.equal(f.type === 'choice', f.choices !== undefined, `--${f.name} choices`);
    if (f.supported !== true) assert.ok(f.supported.length > 10, `--${f.name} says why it is unsupported`);
  }
});

test('the flags the brief requires are supported, and the ones tetcd cannot honour yet are not', () => {
  const supported = [
    'name', 'data-dir', 'wal-dir', 'listen-client-urls', 'advertise-client-urls', 'listen-peer-urls',
    'initial-advertise-peer-urls', 'initial-cluster', 'initial-cluster-state', 'initial-cluster-token',
    'snapshot-count', 'heartbeat-interval', 'election-timeout', 'quota-backend-bytes', 'max-request-bytes',
    'max-txn-ops', 'auto-compaction-mode', 'auto-compaction-retention', 'enable-v2', 'logger', 'log-level',
    'log-outputs', 'config-file', 'max-snapshots', 'max-wals', 'metrics', 'listen-metrics-urls',
    'grpc-keepalive-min-time', 'grpc-keepalive-interval', 'grpc-keepalive-timeout', 'strict-reconfig-check',
    'cert-file', 'key-file', 'client-cert-auth', 'trusted-ca-file', 'auto-tls', 'peer-cert-file',
    'peer-key-file', 'peer-client-cert-auth', 'peer-trusted-ca-file', 'peer-auto-tls', 'auth-token', 'bcrypt-cost',
  ];
  for (const name of supported) assert.equal(lookupFlag(name)?.supported, true, `--${name} supported`);
  for (const name of ['enable-pprof', 'experimental-initial-corrupt-check', 'discovery', 'proxy']) {
    assert.equal(typeof lookupFlag(name)?.supported, 'string', `--${name} unsupported`);
  }
});

test('env var and field names follow etcd and camelCase', () => {
  assert.equal(flagToEnv('listen-client-urls'), 'ETCD_LISTEN_CLIENT_URLS');
  assert.equal(flagToEnv('name'), 'ETCD_NAME');
  assert.equal(flagField('listen-client-urls'), 'listenClientUrls');
  assert.equal(flagField('enable-v2'), 'enableV2');
  assert.equal(flagField('auth-token-ttl'), 'authTokenTtl');
  assert.equal(flagField('logger'), 'loggerType', 'not `logger`, the embedding API\'s Logger option');
});
