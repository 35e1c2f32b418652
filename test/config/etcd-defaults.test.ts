// The real etcd 3.4 logs its effective configuration when it starts ("starting an etcd server").
// Starting it with only --name and unix-socket listeners (no TCP ports) and comparing that line
// with tetcd's parse of the same command line pins tetcd's defaults to etcd's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerConfig } from '../../src/config/parse.js';
import type { ServerConfig } from '../../src/config/server-config.js';
import { ETCD_BIN, etcdMissing } from './etcd-reference.js';

const START_TIMEOUT_MS = 10_000;

/** Starts etcd in `cwd`, returns the fields of its "starting an etcd server" log line, stops it. */
function etcdStartupConfig(args: string[], cwd: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(ETCD_BIN, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let buffered = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const finish = (err: Error | undefined, fields?: Record<string, unknown>) => {
      clearTimeout(timer);
      child.stderr.removeAllListeners('data');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      void exited.then(() => (err ? reject(err) : resolve(fields!)));
    };
    const timer = setTimeout(() => finish(new Error(`etcd did not log its configuration within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.includes('"msg":"starting an etcd server"'));
      if (line) finish(undefined, JSON.parse(line) as Record<string, unknown>);
    });
    // A process that could not be spawned never emits 'exit'.
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

test("tetcd's defaults are the ones the real etcd 3.4 starts with", async (t) => {
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-etcd-defaults-'));
  try {
    // unix://localhost:N makes etcd listen on a socket file named localhost:N in its cwd.
    const args = [
      '--name', 'infra0',
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', 'unix://localhost:12379',
      '--advertise-client-urls', 'unix://localhost:12379',
      '--listen-peer-urls', 'unix://localhost:12380',
    ];
    const etcd = await etcdStartupConfig(['--logger', 'zap', ...args], dir);
    const ours = parseServerConfig(args, {}) as ServerConfig;
    const ms = (v: number) => (v % 1000 === 0 ? `${v / 1000}s` : `${v}ms`);
    const texts = (urls: URL[]) => urls.map((u) => u.href.replace(/\/$/, ''));
    assert.deepEqual(
      {
        name: ours.name,
        'wal-dir': ours.walDir,
        'force-new-cluster': ours.forceNewCluster,
        'heartbeat-interval': ms(ours.heartbeatInterval),
        'election-timeout': ms(ours.electionTimeout),
        'initial-election-tick-advance': ours.initialElectionTickAdvance,
        'snapshot-count': ours.snapshotCount,
        'max-wals': ours.maxWals,
        'max-snapshots': ours.maxSnapshots,
        'initial-advertise-peer-urls': texts(ours.initialAdvertisePeerUrls),
        'listen-metrics-urls': texts(ours.listenMetricsUrls),
        cors: ours.cors,
        'host-whitelist': ours.hostWhitelist,
        'initial-cluster': [...ours.initialCluster].flatMap(([n, us]) => texts(us).map((u) => `${n}=${u}`)).join(','),
        'initial-cluster-state': ours.initialClusterState,
        'initial-cluster-token': ours.initialClusterToken,
        'max-request-bytes': ours.maxRequestBytes,
        'max-concurrent-streams': ours.maxConcurrentStreams,
        'pre-vote': ours.preVote,
        'initial-corrupt-check': ours.experimentalInitialCorruptCheck,
        'corrupt-check-time-interval': `${ours.experimentalCorruptCheckTime}s`,
        'auto-compaction-mode': ours.autoCompactionMode,
        'discovery-url': ours.discovery,
        'discovery-proxy': ours.discoveryProxy,
      },
      {
        name: etcd.name,
        'wal-dir': etcd['wal-dir'],
        'force-new-cluster': etcd['force-new-cluster'],
        'heartbeat-interval': etcd['heartbeat-interval'],
        'election-timeout': etcd['election-timeout'],
        'initial-election-tick-advance': etcd['initial-election-tick-advance'],
        'snapshot-count': etcd['snapshot-count'],
        'max-wals': etcd['max-wals'],
        'max-snapshots': etcd['max-snapshots'],
        'initial-advertise-peer-urls': etcd['initial-advertise-peer-urls'],
        'listen-metrics-urls': etcd['listen-metrics-urls'],
        cors: etcd.cors,
        'host-whitelist': etcd['host-whitelist'],
        'initial-cluster': etcd['initial-cluster'],
        'initial-cluster-state': etcd['initial-cluster-state'],
        'initial-cluster-token': etcd['initial-cluster-token'],
        'max-request-bytes': etcd['max-request-bytes'],
        'max-concurrent-streams': etcd['max-concurrent-streams'],
        'pre-vote': etcd['pre-vote'],
        'initial-corrupt-check': etcd['initial-corrupt-check'],
        'corrupt-check-time-interval': etcd['corrupt-check-time-interval'],
        'auto-compaction-mode': etcd['auto-compaction-mode'],
        'discovery-url': etcd['discovery-url'],
        'discovery-proxy': etcd['discovery-proxy'],
      },
    );
    assert.equal(etcd['quota-backend-bytes'], 2 * 1024 ** 3, 'etcd reports the effective quota; tetcd keeps 0 = that default');
    assert.equal(ours.quotaBackendBytes, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
