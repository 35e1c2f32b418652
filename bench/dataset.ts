// The data-size workloads on one loaded server: bulk load N keys, then measure resident
// memory, snapshot save speed, defragmentation time and restart (recovery) time on that data.
import { credentials, Metadata } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { KVClient, MaintenanceClient, type SnapshotResponse } from '../src/proto/etcdserver/etcdserverpb/rpc.js';
import { sleep } from '../test/helpers/procs.js';
import { connect, unary } from '../test/helpers/grpc.js';
import { OWN_CONNECTION } from './grpc-conns.js';
import { unaryLoad } from './loads.js';
import { serverUse, type Measurement } from './measurement.js';
import { readProcStats } from './proc-stats.js';
import { ALL_KEYS, rangeRequest } from './requests.js';
import type { RowResult, RunContext } from './workloads.js';

const KEY_SIZE = 32;
const VALUE_SIZE = 256;
/** etcd's default --max-txn-ops. */
const PUTS_PER_TXN = 128;
const FILL_CLIENTS = 16;
const FILL_CONNS = 4;
const FILL_MAX_MS = 600_000;
/** Let the backends commit their last batch before RSS is read. */
const SETTLE_MS = 1_500;
const MAINTENANCE_DEADLINE_MS = 600_000;
const RECOVERY_POLL_MS = 10;
/**
 * One count of every key may take seconds on millions of keys (etcd's too); a short deadline
 * would give up on a count the server still computes and pile new ones behind it. While the
 * server is not up yet, connection errors come back at once, so the poll stays fast.
 */
const COUNT_DEADLINE_MS = 60_000;
const RECOVERY_TIMEOUT_MS = 300_000;

export async function runDataset(ctx: RunContext): Promise<RowResult[]> {
  const keys = ctx.datasetKeys;
  const txns = Math.ceil(keys / PUTS_PER_TXN);
  const server = ctx.server;
  const fill = await unaryLoad(
    ctx.generator,
    server.endpoint,
    {
      op: 'txn-fill',
      clients: FILL_CLIENTS,
      conns: FILL_CONNS,
      total: txns,
      maxDurationMs: FILL_MAX_MS,
      keySize: KEY_SIZE,
      valueSize: VALUE_SIZE,
      sequentialKeys: true,
      keySpace: 0,
      opsPerTxn: PUTS_PER_TXN,
    },
    server,
    'keys/s',
  );
  await sleep(SETTLE_MS);
  const loaded = readProcStats(server.pid());
  const memory: Measurement = {
    value: loaded.rssMiB,
    unit: 'MiB',
    better: 'lower',
    errors: 0,
    server: { rssMiB: loaded.rssMiB, rssAnonMiB: loaded.rssAnonMiB, cpuSeconds: 0 },
    extra: { rssAnonMiB: loaded.rssAnonMiB },
  };

  const c = connect(server.endpoint);
  let snapshot: Measurement;
  let defrag: Measurement;
  try {
    snapshot = await timeSnapshot(server.endpoint, () => readProcStats(server.pid()));
    const before = readProcStats(server.pid());
    const t0 = performance.now();
    await unary(c.maintenance, c.maintenance.defragment, {}, MAINTENANCE_DEADLINE_MS);
    const seconds = (performance.now() - t0) / 1000;
    defrag = { value: seconds, unit: 's', better: 'lower', errors: 0, server: serverUse(before, readProcStats(server.pid())) };
  } finally {
    c.close();
  }

  const restart = await timeRestart(ctx, keys);
  return [
    { row: `fill-${keys}`, measurement: fill },
    { row: `memory-${keys}`, measurement: memory },
    { row: 'snapshot-save', measurement: snapshot },
    { row: 'defrag', measurement: defrag },
    { row: `restart-${keys}`, measurement: restart },
  ];
}

/** Stream a snapshot and count its bytes: MB/s (10^6 bytes) from request to the last chunk. */
async function timeSnapshot(endpoint: string, stats: () => ReturnType<typeof readProcStats>): Promise<Measurement> {
  const client = new MaintenanceClient(endpoint, credentials.createInsecure(), OWN_CONNECTION);
  const before = stats();
  const t0 = performance.now();
  try {
    const bytes = await new Promise<number>((resolve, reject) => {
      let n = 0;
      const stream = client.snapshot({}, new Metadata(), { deadline: Date.now() + MAINTENANCE_DEADLINE_MS });
      stream.on('data', (r: SnapshotResponse) => (n += r.blob.length));
      stream.on('error', reject);
      stream.on('end', () => resolve(n));
    });
    const seconds = (performance.now() - t0) / 1000;
    return {
      value: bytes / 1e6 / seconds,
      unit: 'MB/s',
      better: 'higher',
      errors: 0,
      server: serverUse(before, stats()),
      extra: { dbMB: bytes / 1e6, seconds },
    };
  } finally {
    client.close();
  }
}

/**
 * Stop the server gracefully, start it on the same data, and time from the spawn to the first
 * linearizable range that counts every loaded key (polled with a fresh connection each time,
 * so gRPC's reconnect backoff does not add to the number).
 */
async function timeRestart(ctx: RunContext, keys: number): Promise<Measurement> {
  const server = ctx.server;
  await server.stop();
  const t0 = performance.now();
  const started = server.start();
  let failure: unknown;
  started.catch((err: unknown) => (failure = err));
  let seconds = Number.NaN;
  let lastError = '';
  while (failure === undefined && performance.now() - t0 < RECOVERY_TIMEOUT_MS) {
    const count = await countKeys(server.endpoint).catch((err: Error) => ((lastError = err.message), -1));
    if (count >= keys) {
      seconds = (performance.now() - t0) / 1000;
      break;
    }
    if (count >= 0) lastError = `only ${count} of ${keys} keys after restart`;
    await sleep(RECOVERY_POLL_MS);
  }
  await started;
  const after = readProcStats(server.pid());
  const ok = !Number.isNaN(seconds);
  return {
    value: seconds,
    unit: 's',
    better: 'lower',
    errors: ok ? 0 : 1,
    firstError: ok ? undefined : lastError,
    server: { rssMiB: after.rssMiB, rssAnonMiB: after.rssAnonMiB, cpuSeconds: after.cpuSeconds },
  };
}

async function countKeys(endpoint: string): Promise<number> {
  const kv = new KVClient(endpoint, credentials.createInsecure(), OWN_CONNECTION);
  try {
    return await new Promise<number>((resolve, reject) =>
      kv.range(rangeRequest(ALL_KEYS, { rangeEnd: ALL_KEYS, countOnly: true }), new Metadata(), { deadline: Date.now() + COUNT_DEADLINE_MS }, (err, res) =>
        err ? reject(err) : resolve(Number(res.count)),
      ),
    );
  } finally {
    kv.close();
  }
}
