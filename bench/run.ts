// `npm run bench`: tetcd and the real etcd 3.4 side by side under the same load generator.
// Writes results.json, results.md and chart.svg (default docs/bench/). See docs/bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toSvg } from './chart.js';
import { measureLimits, type Limits } from './limits.js';
import type { Measurement } from './measurement.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { startGenerator, type LoadGenerator } from './generator.js';
import { aggregate, ratioOf, toMarkdown, type Report, type Row } from './report.js';
import { selfTest } from './self-test.js';
import { ETCD_BIN } from '../test/helpers/etcd.js';
import { missingBinary, startBenchServer, type ServerKind } from './servers.js';
import { selectWorkloads, WORKLOADS, type Workload } from './workloads.js';

/** The repository root: run.js is at <root>/dist/bench/ or <root>/build/bench/bench/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), join(repoRoot(), 'docs', 'bench'));
  if (opts.help) return void console.log(USAGE);
  if (opts.list) {
    for (const w of WORKLOADS) console.log(`${w.name.padEnd(24)} ${w.what}`);
    return;
  }
  if (opts.selfTest) {
    selfTest();
    return void console.log('self-test passed');
  }
  const workloads = selectWorkloads(opts.only);
  for (const kind of opts.servers) {
    const missing = missingBinary(kind);
    if (missing) throw new Error(missing);
  }
  const buildDir = join(repoRoot(), 'build', 'loadgen');
  await mkdir(buildDir, { recursive: true });
  const generator = startGenerator(opts.generator, opts.workers, buildDir, log);
  log(`load generator: ${generator.kind === 'go' ? 'Go (bench/go/loadgen, etcd clientv3)' : `Node (${opts.workers} worker processes, grpc-js)`}`);
  const began = Date.now();
  try {
    log(`measuring physical limits`);
    const limits = await measureLimits(generator, opts.dataRoot, opts.quick);
    logLimits(limits);
    const rows: Row[] = [];
    for (const [i, w] of workloads.entries()) rows.push(...(await runWorkload(w, i, opts, generator)));
    const report = buildReport(opts, generator, limits, rows);
    await mkdir(opts.outDir, { recursive: true });
    await writeFile(join(opts.outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    await writeFile(join(opts.outDir, 'results.md'), toMarkdown(report));
    await writeFile(join(opts.outDir, 'chart.svg'), toSvg(report));
    log(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; results in ${resolve(opts.outDir)}`);
  } finally {
    generator.close();
  }
}

/** Every repetition of one workload, the servers' order alternating from run to run. */
async function runWorkload(w: Workload, index: number, opts: BenchOptions, generator: LoadGenerator): Promise<Row[]> {
  const settings = w.settings(opts.quick, opts.datasetKeys);
  const rowInfo = w.rows(opts.datasetKeys);
  if (w.notRun) return rowInfo.map((r) => ({ row: r.row, workload: w.name, what: r.what, settings, notRun: w.notRun, servers: {} }));
  const runs = new Map<string, Map<ServerKind, Measurement[]>>(rowInfo.map((r) => [r.row, new Map()]));
  const reps = w.once ? 1 : opts.reps;
  for (let rep = 0; rep < reps; rep++) {
    const order = (index + rep) % 2 === 0 ? opts.servers : [...opts.servers].reverse();
    for (const kind of order) {
      const workDir = await mkdtemp(join(opts.dataRoot, `tetcd-bench-${kind}-`));
      const tetcdNodeArgs = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
      let results: { row: string; measurement: Measurement }[];
      try {
        const server = await startBenchServer({ kind, workDir, tetcdNodeArgs, extraFlags: w.serverFlags });
        try {
          results = await w.run({ server, generator, quick: opts.quick, datasetKeys: opts.datasetKeys });
        } finally {
          await server.dispose();
        }
      } catch (err) {
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        log(`${w.name} ${kind} rep ${rep + 1}: FAILED ${message}`);
        results = rowInfo.map((r) => ({ row: r.row, measurement: failed(message) }));
      }
      for (const { row, measurement } of results) {
        const perServer = runs.get(row)!;
        perServer.set(kind, [...(perServer.get(kind) ?? []), measurement]);
        log(`${row.padEnd(24)} ${kind.padEnd(5)} rep ${rep + 1}/${reps}: ${describe(measurement)}`);
      }
    }
  }
  return rowInfo.map(({ row, what }) => {
    const servers = Object.fromEntries([...runs.get(row)!].map(([kind, ms]) => [kind, aggregate(ms)]));
    return {
      row,
      workload: w.name,
      what,
      settings,
      servers,
      ratio: ratioOf(servers.tetcd?.value, servers.etcd?.value),
      p99Ratio: ratioOf(servers.tetcd?.p99Ms, servers.etcd?.p99Ms),
    };
  });
}

function failed(message: string): Measurement {
  return { value: Number.NaN, unit: 'ops/s', better: 'higher', errors: 1, firstError: message };
}

function describe(m: Measurement): string {
  const l = m.latency;
  const lat = l ? ` p50 ${l.p50Ms.toFixed(2)} p99 ${l.p99Ms.toFixed(2)} max ${l.maxMs.toFixed(1)} ms` : '';
  const srv = m.server ? ` rss ${m.server.rssMiB.toFixed(0)} MiB cpu ${m.server.cpuSeconds.toFixed(2)} s` : '';
  const err = m.errors > 0 ? ` errors ${m.errors} (${m.firstError ?? ''})` : '';
  return `${m.value.toFixed(m.value < 100 ? 2 : 0)} ${m.unit}${lat}${srv}${err}`;
}

function logLimits(l: Limits): void {
  log(`fdatasync 4 KiB: p50 ${l.fdatasync.p50Ms.toFixed(3)} p99 ${l.fdatasync.p99Ms.toFixed(3)} ms`);
  log(`gRPC round trip: ${describe(l.grpcRoundTrip)}`);
  log(`generator ceiling (64 clients, no-op server): ${describe(l.generatorCeiling)}`);
}

function buildReport(opts: BenchOptions, generator: LoadGenerator, limits: Limits, rows: Row[]): Report {
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      os: `${type()} ${release()}`,
    },
    settings: {
      mode: opts.quick ? 'quick' : 'full',
      command: ['node dist/bench/run.js', ...process.argv.slice(2)].join(' '),
      reps: opts.reps,
      generator: generator.kind,
      workers: generator.kind === 'node' ? opts.workers : undefined,
      datasetKeys: opts.datasetKeys,
      datasetDbGb: opts.datasetDbGb,
      dataRoot: opts.dataRoot,
      servers: opts.servers,
      etcdVersion: etcdVersion(),
      snapshotCount: 100_000,
      valueSize: 256,
    },
    limits,
    rows,
  };
}

function etcdVersion(): string {
  try {
    return /etcd Version: (\S+)/.exec(execFileSync(ETCD_BIN, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function log(msg: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
