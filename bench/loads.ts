// Splitting a load into the generator's jobs and measuring it against one server.
import type { LoadGenerator } from './generator.js';
import { readProcStats, type ProcStats } from './proc-stats.js';
import type { BenchServer } from './servers.js';
import { fromPoolRun, serverUse, share, type Measurement } from './measurement.js';
import type { KeepAliveJob, UnaryJob, UnaryOp, V2Job, WatchJob } from './protocol.js';

/** Sequential keys of different workers start this far apart, so they never collide. */
const WORKER_KEY_STRIDE = 10_000_000;

export interface UnarySpec {
  readonly op: UnaryOp;
  readonly clients: number;
  readonly conns: number;
  readonly total: number;
  readonly maxDurationMs: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly sequentialKeys: boolean;
  readonly keySpace: number;
  readonly opsPerTxn?: number;
  readonly rangeKey?: string;
}

/** Run a closed-loop unary load from all workers against `endpoint`; server stats from `pid` if given. */
export async function unaryLoad(
  generator: LoadGenerator,
  endpoint: string,
  spec: UnarySpec,
  server?: BenchServer,
  unit: Measurement['unit'] = 'ops/s',
): Promise<Measurement> {
  const parts = Math.min(generator.size, spec.clients);
  const opsPerTxn = spec.opsPerTxn ?? 1;
  let keyOffset = 0;
  const jobs: UnaryJob[] = [];
  for (let w = 0; w < parts; w++) {
    const total = share(spec.total, w, parts);
    jobs.push({
      kind: 'unary',
      endpoint,
      op: spec.op,
      clients: share(spec.clients, w, parts),
      conns: Math.max(1, share(spec.conns, w, parts)),
      total,
      maxDurationMs: spec.maxDurationMs,
      keySize: spec.keySize,
      valueSize: spec.valueSize,
      sequentialKeys: spec.sequentialKeys,
      keySpace: spec.keySpace,
      keyOffset: spec.op === 'txn-fill' ? keyOffset : w * WORKER_KEY_STRIDE,
      opsPerTxn,
      rangeKey: spec.rangeKey ?? 'foo',
    });
    keyOffset += total * opsPerTxn;
  }
  return measured(server, async (beforeGo) => {
    const run = await generator.run(jobs, spec.maxDurationMs, beforeGo);
    return (use) => fromPoolRun(run, unit, use, spec.op === 'txn-fill' ? opsPerTxn : 1);
  });
}

export interface WatchSpec {
  readonly conns: number;
  readonly streams: number;
  readonly watchersPerStream: number;
  readonly puts: number;
  readonly putsPerSec: number;
  readonly valueSize: number;
  readonly maxDurationMs: number;
}

export async function watchLoad(generator: LoadGenerator, server: BenchServer, spec: WatchSpec): Promise<Measurement> {
  const parts = Math.min(generator.size, spec.streams);
  const jobs: WatchJob[] = Array.from({ length: parts }, (_, w) => ({
    kind: 'watch',
    endpoint: server.endpoint,
    conns: Math.max(1, share(spec.conns, w, parts)),
    streams: share(spec.streams, w, parts),
    watchersPerStream: spec.watchersPerStream,
    key: 'watched-key',
    puts: spec.puts,
    putter: w === 0 ? { ratePerSec: spec.putsPerSec, valueSize: spec.valueSize } : undefined,
    maxDurationMs: spec.maxDurationMs,
  }));
  return measured(server, async (beforeGo) => {
    const run = await generator.run(jobs, spec.maxDurationMs, beforeGo);
    return (use) => fromPoolRun(run, 'events/s', use);
  });
}

export interface KeepAliveSpec {
  readonly conns: number;
  readonly streams: number;
  readonly leases: number;
  readonly rounds: number;
  readonly maxDurationMs: number;
}

export async function keepAliveLoad(generator: LoadGenerator, server: BenchServer, spec: KeepAliveSpec): Promise<Measurement> {
  const parts = Math.min(generator.size, spec.streams);
  const jobs: KeepAliveJob[] = Array.from({ length: parts }, (_, w) => ({
    kind: 'keepalive',
    endpoint: server.endpoint,
    conns: Math.max(1, share(spec.conns, w, parts)),
    streams: share(spec.streams, w, parts),
    leases: share(spec.leases, w, parts),
    rounds: spec.rounds,
    maxDurationMs: spec.maxDurationMs,
  }));
  return measured(server, async (beforeGo) => {
    const run = await generator.run(jobs, spec.maxDurationMs, beforeGo);
    return (use) => fromPoolRun(run, 'ops/s', use);
  });
}

export interface V2Spec {
  readonly clients: number;
  readonly total: number;
  readonly maxDurationMs: number;
  readonly keySize: number;
  readonly valueSize: number;
}

export async function v2Load(generator: LoadGenerator, server: BenchServer, spec: V2Spec): Promise<Measurement> {
  const parts = Math.min(generator.size, spec.clients);
  const jobs: V2Job[] = Array.from({ length: parts }, (_, w) => ({
    kind: 'v2',
    endpoint: server.clientUrl,
    clients: share(spec.clients, w, parts),
    // Whole set+get pairs per part.
    total: 2 * share(Math.floor(spec.total / 2), w, parts),
    maxDurationMs: spec.maxDurationMs,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    keyOffset: w * WORKER_KEY_STRIDE,
  }));
  return measured(server, async (beforeGo) => {
    const run = await generator.run(jobs, spec.maxDurationMs, beforeGo);
    return (use) => fromPoolRun(run, 'ops/s', use);
  });
}

/**
 * Run `body` with a beforeGo hook that records the server's stats; the stats after the run
 * complete the measurement. Without a server (the echo baseline) there are no stats.
 */
async function measured(
  server: BenchServer | undefined,
  body: (beforeGo: () => void) => Promise<(use: ReturnType<typeof serverUse> | undefined) => Measurement>,
): Promise<Measurement> {
  let before: ProcStats | undefined;
  const finish = await body(() => {
    if (server) before = readProcStats(server.pid());
  });
  return finish(server && before ? serverUse(before, readProcStats(server.pid())) : undefined);
}
