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

export const PERF_MODELS: Readonly<Record<string, PerfConfig>> = {
  s: { limit: 150, clients: 50, duration: 60 },
  m: { limit: 1000, clients: 200, duration: 60 },
  l: { limit: 8000, clients: 500, duration: 60 },
  xl: { limit: 15000, clients: 1000, duration: 60 },
};

const LOAD_ALIASES: Readonly<Record<string, string>> = { s: 's', small: 's', m: 'm', medium: 'm', l: 'l', large: 'l', xl: 'xl', xLarge: 'xl' };
const PERF_KEY_SIZE = 256;
const PERF_VALUE_SIZE = 1024;
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

/**
 * Puts `limit` random keys a second under `prefix` for `duration` seconds through `clients`
 * (one request in flight each), drawing the bar, and returns pkg/report's statistics.
 */
export async function runPerfLoad(clients: readonly V3Client[], prefix: Buffer, cfg: PerfConfig, out: (s: string) => void, barWidth: number): Promise<PerfStats> {
  const queue = new RequestQueue<PutRequest>(cfg.clients);
  const value = Buffer.alloc(PERF_VALUE_SIZE);
  const lats: number[] = [];
  const errors = new Map<string, number>();
  const bar = new ProgressBar(cfg.duration, out, barWidth);
  const ticker = setInterval(() => bar.add(1), 1000);
  const started = performance.now();
  const workers = clients.map(async (c) => {
    for (let req = await queue.take(); req !== undefined; req = await queue.take()) {
      const st = performance.now();
      try {
        await c.unary('kv', 'put', req, { deadline: new Date(Date.now() + 2 ** 31) });
        lats.push((performance.now() - st) / 1000);
      } catch (err) {
        const text = errorText(err);
        errors.set(text, (errors.get(text) ?? 0) + 1);
      }
    }
  });
  // rate.Limiter with burst 1: the n-th request is due at n/limit seconds; none due after the end.
  const endAt = started + cfg.duration * 1000;
  for (let n = 0; ; n++) {
    const due = started + (n * 1000) / cfg.limit;
    if (due >= endAt) break;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    await queue.push({ key: randomKey(prefix, PERF_KEY_SIZE), value, lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false });
  }
  queue.close();
  await Promise.all(workers);
  const totalS = (performance.now() - started) / 1000;
  // The bar's own goroutine ticks `duration` times, then finishes.
  while (Math.round((performance.now() - started) / 1000) < cfg.duration) await sleep(50);
  clearInterval(ticker);
  bar.finish();
  return stats(lats, errors, totalS);
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

export const checkCommand: CommandSpec = {
  name: 'check',
  use: 'check <subcommand>',
  short: 'commands for checking properties of the etcd cluster',
  subcommands: [checkPerfCommand],
};
