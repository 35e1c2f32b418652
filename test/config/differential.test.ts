// The same bad command lines given to the real etcd 3.4 and to tetcd: the same error text and
// the same class of exit (2 for flag syntax, 1 for invalid settings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { parseServerConfig } from '../../src/config/parse.js';
import { ETCD_BIN, etcdMissing } from './etcd-reference.js';

/** Every case must fail in etcd before it starts a server. */
const CASES: { argv: string[]; env?: Record<string, string> }[] = [
  { argv: ['--foo'] },
  { argv: ['-foo=1'] },
  { argv: ['---name', 'a'] },
  { argv: ['--enable-v2=maybe'] },
  { argv: ['--enable-v2', 'false'] },
  { argv: ['--heartbeat-interval', '1s'] },
  { argv: ['--snapshot-count', '-1'] },
  { argv: ['--max-concurrent-streams', '4294967296'] },
  { argv: ['--initial-cluster-state', 'bogus'] },
  { argv: ['--listen-client-urls', 'localhost:2379'] },
  { argv: ['--listen-client-urls', 'http://127.0.0.1:2379/x'] },
  { argv: ['--initial-advertise-peer-urls', 'http://a'] },
  { argv: ['--listen-client-urls', 'http://127.0.0.1:2379'] },
  { argv: ['--listen-peer-urls', 'http://example.com:2380'] },
  { argv: ['--advertise-client-urls', 'http://:2379'] },
  { argv: ['--heartbeat-interval', '0'] },
  { argv: ['--election-timeout', '400'] },
  { argv: ['--election-timeout', '50001', '--heartbeat-interval', '1000'] },
  { argv: ['--auto-compaction-mode', 'daily'] },
  { argv: ['--logger', 'glog'] },
  { argv: ['--log-outputs', 'stderr,stdout'] },
  { argv: ['extra'] },
  { argv: ['--name', 'cli'], env: { ETCD_NAME: 'env' } },
  { argv: [], env: { ETCD_HEARTBEAT_INTERVAL: '1s' } },
  { argv: [], env: { ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:2379' } },
];

/** etcd's error text: the flag package's first stderr line, or the message of its log line. */
function etcdError(argv: string[], env: Record<string, string>, cwd: string): { message: string; status: number | null } {
  const r = spawnSync(ETCD_BIN, argv, { encoding: 'utf8', timeout: 5000, cwd, env: { PATH: process.env.PATH ?? '', ...env } });
  const line = r.stderr.split('\n').find((l) => !l.startsWith('[WARNING]') && !l.includes(' I | ') && l.trim() !== '') ?? '';
  const logged = /(?:error verifying flags, (.*)\. See 'etcd --help'\.|C \| pkg\/flags: (.*))$/.exec(line);
  return { message: logged ? (logged[1] ?? logged[2])! : line, status: r.status };
}

test('tetcd reports bad command lines and environments exactly as etcd 3.4 does', (t) => {
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  const cwd = mkdtempSync(join(tmpdir(), 'tetcd-diff-'));
  try {
    for (const { argv, env = {} } of CASES) {
      const etcd = etcdError(argv, env, cwd);
      let ours: ConfigError | undefined;
      try {
        parseServerConfig(argv, env);
      } catch (err) {
        if (err instanceof ConfigError) ours = err;
        else throw err;
      }
      const label = `${JSON.stringify(env)} ${argv.join(' ')}`;
      assert.ok(ours, `tetcd refuses ${label}`);
      assert.equal(ours.message, etcd.message, label);
      assert.equal(ours.exitCode, etcd.status, `exit code for ${label}`);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
