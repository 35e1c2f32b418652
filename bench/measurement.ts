// One measured number of one workload on one server, and how a generator's run becomes one.
import type { PoolRun } from './pool.js';
import type { ProcStats } from './proc-stats.js';
import { mergeSamples, summarise, type LatencySummary } from './stats.js';

export interface ServerUse {
  /** Resident memory at the end of the measurement. */
  readonly rssMiB: number;
  readonly rssAnonMiB: number;
  /** CPU seconds the server used during the measurement. */
  readonly cpuSeconds: number;
}

export interface Measurement {
  /** The headline number: throughput, a duration or a size, per `unit`. */
  readonly value: number;
  readonly unit: 'ops/s' | 'events/s' | 'keys/s' | 'MB/s' | 's' | 'MiB';
  readonly better: 'higher' | 'lower';
  readonly latency?: LatencySummary;
  readonly errors: number;
  readonly firstError?: string;
  readonly server?: ServerUse;
  /** Secondary numbers worth keeping (db size, anonymous RSS, ...). */
  readonly extra?: Readonly<Record<string, number>>;
}

export function serverUse(before: ProcStats, after: ProcStats): ServerUse {
  return { rssMiB: after.rssMiB, rssAnonMiB: after.rssAnonMiB, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}

/** Throughput and latency of a pool run: ops over the wall time from first start to last end. */
export function fromPoolRun(run: PoolRun, unit: Measurement['unit'], server?: ServerUse, opsPerRequest = 1): Measurement {
  const ops = run.results.reduce((n, r) => n + r.ops, 0);
  const errors = run.results.reduce((n, r) => n + r.errors, 0);
  return {
    value: (ops * opsPerRequest) / run.wallSeconds,
    unit,
    better: 'higher',
    latency: summarise(mergeSamples(run.results.map((r) => r.samplesUs))),
    errors,
    firstError: run.results.find((r) => r.firstError)?.firstError,
    server,
    extra: { requests: ops, seconds: run.wallSeconds, generatorCpuSeconds: run.results.reduce((n, r) => n + r.cpuSeconds, 0) },
  };
}

/** A share of n for part i of parts, the remainder going to the first parts. */
export function share(n: number, i: number, parts: number): number {
  return Math.floor(n / parts) + (i < n % parts ? 1 : 0);
}
