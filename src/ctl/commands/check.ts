// check perf / check datascale (check.go): a rate-limited put workload against the cluster
// with etcdctl's workload models, progress bar, PASS/FAIL thresholds and clean-up.
import { randomBytes } from 'node:crypto';
import { RangeRequest, type PutRequest } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { errorText, type V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { formatGoDuration } from '../cli/duration.js';
import { clientFor, endpointClient, endpointsOf, must } from '../globals.js';
import { prefixRangeEnd } from '../keys.js';

/** A perf workload: writes per second, concurrent clients, seconds (checkPerfCfgMap). */
export interface PerfConfig {
  readonly limit: number;
  readonly clients: number;
  readonly duration: number;
}

/** A datascale workload: keys to put, bytes per key-value, concurrent clients (checkDatascaleCfgMap). */
export interface DatascaleConfig {
  readonly limit: number;
  readonly kvSize: number;
  readonly clients: number;
}

export const DATASCALE_MODELS: Readonly<Record<string, DatascaleConfig>> = {
  s: { limit: 10_000, kvSize: 1024, clients: 50 },
  m: { limit: 100_000, kvSize: 1024, clients: 200 },
  l: { limit: 1_000_000, kvSize: 1024, clients: 500 },
  // xl aims at the upper bound: 3 versions of 1M objects.
  xl: { limit: 3_000_000, kvSize: 1024, clients: 1000 },
};

export const PERF_MODELS: Readonly<Record<string, PerfConfig>> = {
  s: { limit: 150, clients: 50, duration: 60 },
  m: { limit: 1000, clients: 200, duration: 60 },
  l: { limit: 8000, clients: 500, duration: 60 },
  xl: { limit: 15000, clients: 1000, duration: 60 },
};

const LOAD_ALIASES: Readonly<Record<string, string>> = { s: 's', small: 's', m: 'm', medium: 'm', l: 'l', large: 'l', xl: 'xl', xLarge: 'xl' };
const PERF_KEY_SIZE = 256;
const PERF_VALUE_SIZE = 1024;
const DATASCALE_KEY_SIZE = 512;
const DATASCALE_VALUE_SIZE = 512;
/** A deadline far enough away to mean none. */
const NO_DEADLINE_MS = 2 ** 31;
const CLEANUP_TIMEOUT_MS = 30_000;
const BAR_REFRESH_MS = 200;
/** The thresholds of check perf: throughput at least 90% of the model, slowest <= 0.5 s, stddev <= 0.1 s. */
const MIN_RATE_FRACTION = 0.9;
const MAX_SLOWEST_S = 0.5;
const MAX_STDDEV_S = 0.1;

/** pkg/report's statistics over the requests' results (latencies of the successful ones, in seconds). */
export interface PerfStats {
  readonly rps: number;
  readonly slowest: number;
  readonly stddev: number;
  readonly errors: ReadonlyMap<string, number>;
}

function stats(lats: number[], errors: Map<string, number>, totalS: number): PerfStats {
  const n = lats.length;
  const avg = lats.reduce((a, b) => a + b, 0) / n;
  const stddev = Math.sqrt(lats.reduce((a, l) => a + (l - avg) ** 2, 0) / n);
  return { rps: n / totalS, slowest: lats.reduce((a, b) => Math.max(a, b), 0), stddev, errors };
}

/** binary.PutVarint(k, v) into a zeroed key of `size` bytes, with v a random non-negative int63. */
function randomKey(prefix: Buffer, size: number): Buffer {
  const k = Buffer.alloc(size);
  const v = randomBytes(8).readBigUInt64BE() >> 1n;
  let ux = v << 1n; // zig-zag of a non-negative value
  let i = 0;
  while (ux >= 0x80n) {
    k[i++] = Number(ux & 0x7fn) | 0x80;
    ux >>= 7n;
  }
  k[i] = Number(ux);
  return Buffer.concat([prefix, k]);
}

/** cheggaaa/pb.v1 with Format("Bom !"), as etcdctl draws it on stdout ("\r" redraws, "\n" at the end). */
class ProgressBar {
  private current = 0;
  private readonly start = Date.now();
  private changed = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly total: number,
    private readonly out: (s: string) => void,
    private readonly width: number,
  ) {
    this.draw(false);
    this.timer = setInterval(() => this.draw(false), BAR_REFRESH_MS);
  }

  add(n: number): void {
    this.current += n;
    this.changed = Date.now();
  }

  finish(): void {
    clearInterval(this.timer);
    this.draw(true);
    this.out('\n');
  }

  private draw(final: boolean): void {
    const { current, total } = this;
    const counters = ` ${current} / ${total} `;
    const percent = ` ${(current / (total / 100)).toFixed(2).padStart(6)}%`;
    let time = '';
    if (final) time = ` ${formatGoDuration(Math.floor((Date.now() - this.start) / 1000) * 1000)}`;
    else if (current > 0) {
      const perEntry = (this.changed - this.start) / current;
      const left = Math.floor(((total - current) * perEntry - (Date.now() - this.changed)) / 1000);
      if (left > 0) time = ` ${String(Math.floor(left / 60)).padStart(2, '0')}m${String(left % 60).padStart(2, '0')}s`;
    }
    let bar = '';
    const size = this.width - (counters.length + 2 + percent.length + time.length);
    if (size > 0) {
      const cur = Math.min(Math.ceil((current / total) * size), size);
      const empty = Math.max(size - cur, 0);
      bar = 'B' + (empty <= 0 ? 'o'.repeat(cur) : cur > 0 ? 'o'.repeat(cur - 1) + 'm' : '') + ' '.repeat(empty) + '!';
    }
    const line = counters + bar + percent + time;
    this.out('\r' + line + ' '.repeat(Math.max(this.width - line.length, 0)));
  }
}

/** A bounded hand-off between the rate-limited producer and the clients (Go's buffered channel). */
class RequestQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private readonly takers: ((v: T | undefined) => void)[] = [];
  private readonly putters: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async push(v: T): Promise<void> {
    const taker = this.takers.shift();
    if (taker) return taker(v);
    while (this.items.length >= this.capacity) await new Promise<void>((r) => this.putters.push(r));
    this.items.push(v);
  }

  take(): Promise<T | undefined> {
    const v = this.items.shift();
    if (v !== undefined) {
      this.putters.shift()?.();
      return Promise.resolve(v);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => this.takers.push(r));
  }

  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t(undefined);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the requests `produce` pushes through `clients` (one request in flight each) and gathers pkg/report's statistics. */
async function drive(clients: readonly V3Client[], produce: (push: (req: PutRequest) => Promise<void>) => Promise<void>, onResult: () => void): Promise<PerfStats> {
  const queue = new RequestQueue<PutRequest>(clients.length);
  const lats: number[] = [];
  const errors = new Map<string, number>();
  const started = performance.now();
  const workers = clients.map(async (c) => {
    for (let req = await queue.take(); req !== undefined; req = await queue.take()) {
      const st = performance.now();
      try {
        // clientv3's Do with context.Background(): no deadline.
        await c.unary('kv', 'put', req, { deadline: new Date(Date.now() + NO_DEADLINE_MS) });
        lats.push((performance.now() - st) / 1000);
      } catch (err) {
        const text = errorText(err);
        errors.set(text, (errors.get(text) ?? 0) + 1);
      }
      onResult();
    }
  });
  await produce((req) => queue.push(req));
  queue.close();
  await Promise.all(workers);
  return stats(lats, errors, (performance.now() - started) / 1000);
}

function putOf(key: Buffer, value: Buffer): PutRequest {
  return { key, value, lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false };
}

/**
 * Puts `limit` random keys a second under `prefix` for `duration` seconds through `clients`,
 * drawing the bar (one step a second), and returns pkg/report's statistics.
 */
export async function runPerfLoad(clients: readonly V3Client[], prefix: Buffer, cfg: PerfConfig, out: (s: string) => void, barWidth: number): Promise<PerfStats> {
  const value = Buffer.alloc(PERF_VALUE_SIZE);
  const bar = new ProgressBar(cfg.duration, out, barWidth);
  // The bar's own clock: one step a second, `duration` steps, then it finishes (its goroutine in etcdctl).
  let ticks = 0;
  const barDone = new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      bar.add(1);
      if (++ticks >= cfg.duration) {
        clearInterval(ticker);
        resolve();
      }
    }, 1000);
  });
  const started = performance.now();
  const endAt = started + cfg.duration * 1000;
  const s = await drive(
    clients,
    async (push) => {
      // rate.Limiter with burst 1: the n-th request is due at n/limit seconds; none due after the end.
      for (let n = 0; ; n++) {
        const due = started + (n * 1000) / cfg.limit;
        if (due >= endAt) return;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        await push(putOf(randomKey(prefix, PERF_KEY_SIZE), value));
      }
    },
    () => undefined,
  );
  await barDone;
  bar.finish();
  return s;
}

/** Puts `limit` random keys of the datascale model as fast as `clients` go, the bar counting requests. */
export async function runDatascaleLoad(clients: readonly V3Client[], prefix: Buffer, limit: number, out: (s: string) => void, barWidth: number): Promise<PerfStats> {
  const value = Buffer.alloc(DATASCALE_VALUE_SIZE);
  const bar = new ProgressBar(limit, out, barWidth);
  const s = await drive(
    clients,
    async (push) => {
      for (let i = 0; i < limit; i++) await push(putOf(randomKey(prefix, DATASCALE_KEY_SIZE), value));
    },
    () => bar.add(1),
  );
  bar.finish();
  return s;
}

/** check perf's verdict lines; true when every threshold passes. */
export function perfVerdict(s: PerfStats, cfg: PerfConfig, line: (s: string) => void): boolean {
  let ok = true;
  if (s.errors.size !== 0) {
    line('FAIL: too many errors');
    for (const [k, v] of s.errors) line(`FAIL: ERROR(${k}) -> ${v}`);
    ok = false;
  }
  if (s.rps / cfg.limit <= MIN_RATE_FRACTION) {
    line(`FAIL: Throughput too low: ${Math.trunc(s.rps) + 1} writes/s`);
    ok = false;
  } else line(`PASS: Throughput is ${Math.trunc(s.rps) + 1} writes/s`);
  if (s.slowest > MAX_SLOWEST_S) {
    line(`Slowest request took too long: ${s.slowest.toFixed(6)}s`);
    ok = false;
  } else line(`PASS: Slowest request took ${s.slowest.toFixed(6)}s`);
  if (s.stddev > MAX_STDDEV_S) {
    line(`Stddev too high: ${s.stddev.toFixed(6)}s`);
    ok = false;
  } else line(`PASS: Stddev is ${s.stddev.toFixed(6)}s`);
  line(ok ? 'PASS' : 'FAIL');
  return ok;
}

function model(ctx: RunContext): string {
  const load = ctx.flags.str('load');
  const m = LOAD_ALIASES[load];
  if (!m) throw new CtlError(`unknown load option ${load}`, ExitCode.badFeature);
  return m;
}

/** Fails when the prefix already holds keys, as etcdctl refuses to mix its keys with others. */
async function ensureEmptyPrefix(c: V3Client, prefix: string, timeoutMs: number): Promise<void> {
  const key = Buffer.from(prefix);
  const resp = await must(c.unary('kv', 'range', RangeRequest.fromPartial({ key, range_end: prefixRangeEnd(key), limit: 1n }), { deadline: new Date(Date.now() + timeoutMs) }));
  if (resp.kvs.length > 0) throw new CtlError(`prefix ${JSON.stringify(prefix)} has keys. Delete with etcdctl del --prefix ${prefix} first`, ExitCode.invalidInput);
}

/** Deletes the workload's keys, then --auto-compact / --auto-defrag as etcdctl's compact()/defrag(). */
async function cleanUp(ctx: RunContext, c: V3Client, prefix: string): Promise<void> {
  const key = Buffer.from(prefix);
  const deadline = () => new Date(Date.now() + CLEANUP_TIMEOUT_MS);
  const d = await must(c.unary('kv', 'deleteRange', { key, range_end: prefixRangeEnd(key), prev_kv: false }, { deadline: deadline() }));
  const line = (s: string) => ctx.io.stdout(s + '\n');
  if (ctx.flags.bool('auto-compact')) {
    const rev = d.header!.revision;
    line(`Compacting with revision ${rev}`);
    await must(c.unary('kv', 'compact', { revision: rev, physical: true }, { deadline: deadline() }));
    line(`Compacted with revision ${rev}`);
  }
  if (ctx.flags.bool('auto-defrag')) {
    for (let i = 0; i < c.endpoints.length; i++) {
      line(`Defragmenting ${JSON.stringify(c.endpoints[i])}`);
      await must(c.unary('maintenance', 'defragment', {}, { deadline: deadline(), endpoint: i }));
      line(`Defragmented ${JSON.stringify(c.endpoints[i])}`);
    }
  }
}

/** `cfg.clients` clients with the command's configuration (etcdctl dials one per simulated client). */
async function dialClients(ctx: RunContext, n: number): Promise<V3Client[]> {
  const first = await clientFor(ctx);
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => endpointClient(ctx, endpointsOf(ctx))));
  return [first, ...rest];
}

const CLEANUP_FLAGS = [
  { name: 'auto-compact', kind: 'bool', usage: 'Compact storage with last revision after test is finished.' },
  { name: 'auto-defrag', kind: 'bool', usage: 'Defragment storage after test is finished.' },
] as const;

const checkPerfCommand: CommandSpec = {
  name: 'perf',
  use: 'perf [options]',
  short: 'Check the performance of the etcd cluster',
  flags: [
    { name: 'load', kind: 'string', def: 's', usage: "The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)" },
    { name: 'prefix', kind: 'string', def: '/etcdctl-check-perf/', usage: "The prefix for writing the performance check's keys." },
    ...CLEANUP_FLAGS,
  ],
  async run(ctx) {
    const cfg = PERF_MODELS[model(ctx)]!;
    const prefix = ctx.flags.str('prefix');
    const clients = await dialClients(ctx, cfg.clients);
    try {
      await ensureEmptyPrefix(clients[0]!, prefix, cfg.duration * 1000);
      const s = await runPerfLoad(clients, Buffer.from(prefix), cfg, (t) => ctx.io.stdout(t), 0);
      await cleanUp(ctx, clients[0]!, prefix);
      if (!perfVerdict(s, cfg, (t) => ctx.io.stdout(t + '\n'))) throw new CtlError('', ExitCode.error, true);
    } finally {
      for (const c of clients) c.close();
    }
  },
};

const MEMORY_METRIC = 'process_resident_memory_bytes';

/**
 * The member's resident memory from its /metrics (etcdctl's endpointMemoryMetrics): 0 after
 * printing why when it cannot be read.
 */
export async function endpointMemoryMetrics(host: string, line: (s: string) => void): Promise<number> {
  const base = host.startsWith('http://') || host.startsWith('https://') ? host : `http://${host}`;
  const url = `${base}/metrics`;
  let text: string;
  try {
    text = await (await fetch(url)).text();
  } catch (err) {
    line(`fetch error: Get ${JSON.stringify(url)}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 0;
  }
  const found = text.split('\n').find((l) => l.startsWith(MEMORY_METRIC));
  if (found === undefined) {
    line(`could not find: ${MEMORY_METRIC}`);
    return 0;
  }
  const value = Number(found.slice(MEMORY_METRIC.length).trim());
  if (Number.isNaN(value)) {
    line(`parse error: strconv.ParseFloat: parsing ${JSON.stringify(found.slice(MEMORY_METRIC.length).trim())}: invalid syntax`);
    return 0;
  }
  return value;
}

const checkDatascaleCommand: CommandSpec = {
  name: 'datascale',
  use: 'datascale [options]',
  short: 'Check the memory usage of holding data for different workloads on a given server endpoint.',
  long: 'If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.',
  flags: [
    { name: 'load', kind: 'string', def: 's', usage: "The datascale check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)" },
    { name: 'prefix', kind: 'string', def: '/etcdctl-check-datascale/', usage: "The prefix for writing the datascale check's keys." },
    ...CLEANUP_FLAGS,
  ],
  async run(ctx) {
    const cfg = DATASCALE_MODELS[model(ctx)]!;
    const prefix = ctx.flags.str('prefix');
    const line = (t: string) => ctx.io.stdout(t + '\n');
    const fail = (t: string): never => {
      line(t);
      throw new CtlError('', ExitCode.error, true);
    };
    const clients = await dialClients(ctx, cfg.clients);
    try {
      const ep = endpointsOf(ctx)[0]!;
      await ensureEmptyPrefix(clients[0]!, prefix, NO_DEADLINE_MS);
      const before = await endpointMemoryMetrics(ep, line);
      if (before === 0) fail('FAIL: Could not read process_resident_memory_bytes before the put operations.');
      line(`Start data scale check for work load [${cfg.limit} key-value pairs, ${cfg.kvSize} bytes per key-value, ${cfg.clients} concurrent clients].`);
      const s = await runDatascaleLoad(clients, Buffer.from(prefix), cfg.limit, (t) => ctx.io.stdout(t), 0);
      const afterBytes = await endpointMemoryMetrics(ep, line);
      if (afterBytes === 0) fail('FAIL: Could not read process_resident_memory_bytes after the put operations.');
      await cleanUp(ctx, clients[0]!, prefix);
      if (s.errors.size !== 0) {
        line('FAIL: too many errors');
        for (const [k, v] of s.errors) line(`FAIL: ERROR(${k}) -> ${v}`);
        throw new CtlError('', ExitCode.error, true);
      }
      line(`PASS: Approximate system memory used : ${((afterBytes - before) / (1024 * 1024)).toFixed(2)} MB.`);
    } finally {
      for (const c of clients) c.close();
    }
  },
};

export const checkCommand: CommandSpec = {
  name: 'check',
  use: 'check <subcommand>',
  short: 'commands for checking properties of the etcd cluster',
  subcommands: [checkPerfCommand, checkDatascaleCommand],
};
