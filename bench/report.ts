// The benchmark's results as data (results.json) and as a Markdown table (results.md).
import type { Limits } from './limits.js';
import type { Measurement } from './measurement.js';
import type { ServerKind } from './servers.js';
import { median } from './stats.js';

/** One server's repetitions of one row, reduced to medians. */
export interface Aggregate {
  readonly value: number;
  readonly unit: Measurement['unit'];
  readonly better: Measurement['better'];
  /** The headline value of every repetition, in run order. */
  readonly reps: readonly number[];
  readonly p50Ms?: number;
  readonly p90Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  readonly rssMiB?: number;
  readonly rssAnonMiB?: number;
  readonly cpuSeconds?: number;
  /** Server CPU per request, in microseconds (load rows only). */
  readonly cpuUsPerOp?: number;
  /** The load generator's CPU per request, in microseconds (load rows only). */
  readonly generatorCpuUsPerOp?: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly extra?: Readonly<Record<string, number>>;
}

export interface Row {
  readonly row: string;
  readonly workload: string;
  readonly what: string;
  readonly settings: string;
  readonly notRun?: string;
  readonly servers: Partial<Record<ServerKind, Aggregate>>;
  /** tetcd's headline value divided by etcd's (read with `better`: above 1 is better for throughput). */
  readonly ratio?: number;
  /** tetcd's p99 divided by etcd's. */
  readonly p99Ratio?: number;
}

export interface Report {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string; readonly os: string };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly limits?: Limits;
  readonly rows: readonly Row[];
}

export function aggregate(runs: readonly Measurement[]): Aggregate {
  const m = (f: (x: Measurement) => number | undefined) => {
    const v = runs.map(f).filter((x): x is number => x !== undefined);
    return v.length === 0 ? undefined : median(v);
  };
  const requests = m((x) => x.extra?.['requests']);
  const cpuSeconds = m((x) => x.server?.cpuSeconds);
  const generatorCpu = m((x) => x.extra?.['generatorCpuSeconds']);
  const extraKeys = [...new Set(runs.flatMap((r) => Object.keys(r.extra ?? {})))];
  return {
    value: median(runs.map((r) => r.value)),
    unit: runs[0]!.unit,
    better: runs[0]!.better,
    reps: runs.map((r) => r.value),
    p50Ms: m((x) => x.latency?.p50Ms),
    p90Ms: m((x) => x.latency?.p90Ms),
    p99Ms: m((x) => x.latency?.p99Ms),
    maxMs: m((x) => x.latency?.maxMs),
    rssMiB: m((x) => x.server?.rssMiB),
    rssAnonMiB: m((x) => x.server?.rssAnonMiB),
    cpuSeconds,
    cpuUsPerOp: requests && cpuSeconds !== undefined ? (cpuSeconds * 1e6) / requests : undefined,
    generatorCpuUsPerOp: requests && generatorCpu !== undefined ? (generatorCpu * 1e6) / requests : undefined,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    firstError: runs.find((r) => r.firstError)?.firstError,
    extra: Object.fromEntries(extraKeys.map((k) => [k, m((x) => x.extra?.[k]) ?? Number.NaN])),
  };
}

/** tetcd / etcd for a number both have; undefined otherwise. */
export function ratioOf(t: number | undefined, e: number | undefined): number | undefined {
  return t === undefined || e === undefined || !(e > 0) || Number.isNaN(t) ? undefined : t / e;
}

const fmt = (x: number | undefined, digits = 2): string => {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(digits);
};

export function toMarkdown(report: Report): string {
  const out: string[] = [];
  const s = report.settings;
  out.push(`# tetcd vs etcd ${String(s['etcdVersion'] ?? '')}: benchmark results`, '');
  out.push(
    `Run ${report.date} on ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB.toFixed(0)} GiB, ` +
      `${report.machine.os}, node ${report.machine.node}. Mode **${String(s['mode'])}**, ${String(s['reps'])} repetition(s) per workload ` +
      `(medians shown; the dataset workload runs once), ${generatorText(s)}, servers alternating, ` +
      `fresh data dirs under ${String(s['dataRoot'])}, fsync on for both. Command: \`${String(s['command'])}\`.`,
    '',
  );
  if (report.limits) {
    const l = report.limits;
    out.push('## Physical limits on this machine', '');
    out.push('| limit | p50 ms | p99 ms | max ms | throughput |', '|---|---|---|---|---|');
    out.push(`| write 4 KiB + fdatasync (data disk) | ${fmt(l.fdatasync.p50Ms, 3)} | ${fmt(l.fdatasync.p99Ms, 3)} | ${fmt(l.fdatasync.maxMs, 3)} | ${fmt(1000 / l.fdatasync.meanMs)} syncs/s |`);
    const rt = l.grpcRoundTrip.latency;
    out.push(`| gRPC loopback round trip, 1 client (no-op server) | ${fmt(rt?.p50Ms, 3)} | ${fmt(rt?.p99Ms, 3)} | ${fmt(rt?.maxMs, 3)} | ${fmt(l.grpcRoundTrip.value)} ops/s |`);
    const gc = l.generatorCeiling.latency;
    out.push(`| load generator ceiling, 64 clients / 8 conns (no-op server) | ${fmt(gc?.p50Ms, 3)} | ${fmt(gc?.p99Ms, 3)} | ${fmt(gc?.maxMs, 3)} | ${fmt(l.generatorCeiling.value)} ops/s |`);
    out.push('');
  }
  out.push('## Results', '');
  out.push(
    '| workload | server | result | p50 ms | p90 ms | p99 ms | max ms | server RSS MiB | server CPU s | server CPU µs/op | generator CPU µs/op | errors | tetcd/etcd |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of report.rows) {
    if (row.notRun) {
      out.push(`| ${row.row} | – | ${row.notRun} | | | | | | | | | | |`);
      continue;
    }
    for (const [kind, a] of Object.entries(row.servers) as [ServerKind, Aggregate][]) {
      const ratio = kind === 'tetcd' && row.ratio !== undefined ? `**${fmt(row.ratio)}×** (${a.better} is better)` : '';
      const spread = a.reps.length > 1 ? ` (${a.reps.map((v) => fmt(v)).join(' / ')})` : '';
      const db = a.extra?.['dbMB'] === undefined ? '' : ` of a ${fmt(a.extra['dbMB'])} MB db`;
      out.push(
        `| ${row.row} | ${kind} | ${fmt(a.value)} ${a.unit}${db}${spread} | ${fmt(a.p50Ms)} | ${fmt(a.p90Ms)} | ${fmt(a.p99Ms)} | ${fmt(a.maxMs)} | ` +
          `${fmt(a.rssMiB)} | ${fmt(a.cpuSeconds)} | ${fmt(a.cpuUsPerOp)} | ${fmt(a.generatorCpuUsPerOp)} | ${a.errors > 0 ? `${a.errors}: ${escape(a.firstError ?? '')}` : 0} | ${ratio} |`,
      );
    }
  }
  out.push('', '## Workloads', '', '| workload | measures | settings |', '|---|---|---|');
  for (const row of report.rows) out.push(`| ${row.row} | ${escape(row.what)} | ${escape(row.settings)} |`);
  out.push('', '![tetcd relative to etcd](chart.svg)', '');
  return out.join('\n');
}

/** Which load generator drove the servers (reports before it existed had Node workers only). */
function generatorText(s: Readonly<Record<string, unknown>>): string {
  return s['generator'] === 'go'
    ? 'the Go load generator (etcd clientv3, one process)'
    : `${String(s['workers'])} Node load-generator processes`;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 160);
}
