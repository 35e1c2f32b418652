// The benchmark's workloads: what each measures and with which sizes (full / --quick). Loads
// follow etcd's tools/benchmark (clients × conns, 8-byte keys, 256-byte values).
import { connect, unary } from '../test/helpers/grpc.js';
import { runDataset } from './dataset.js';
import { keepAliveLoad, unaryLoad, v2Load, watchLoad, type UnarySpec } from './loads.js';
import type { Measurement } from './measurement.js';
import type { LoadGenerator } from './generator.js';
import { putRequest, valueOf } from './requests.js';
import type { BenchServer } from './servers.js';

export const VALUE_SIZE = 256;
const KEY_SIZE = 8;
/** Unmeasured requests sent before each unary workload (see unaryWorkload). */
const WARMUP_REQUESTS = 2000;
const WARMUP_MAX_MS = 6000;
/** Random keys (txn-put) fall in this many distinct keys. */
const RANDOM_KEY_SPACE = 100_000;

export interface RunContext {
  readonly server: BenchServer;
  readonly generator: LoadGenerator;
  readonly quick: boolean;
  readonly datasetKeys: number;
}

export interface RowResult {
  readonly row: string;
  readonly measurement: Measurement;
}

export interface Workload {
  readonly name: string;
  /** What it measures, for the report. */
  readonly what: string;
  settings(quick: boolean, datasetKeys: number): string;
  /** Heavy workloads run once per server whatever --reps says. */
  readonly once?: boolean;
  /** Set when the workload cannot run yet: the reason is reported instead of numbers. */
  readonly notRun?: string;
  /** Server flags this workload needs, given to both servers alike (e.g. --enable-v2). */
  readonly serverFlags?: readonly string[];
  /** Row names this workload reports (one, or several for the dataset workload). */
  rows(datasetKeys: number): readonly { readonly row: string; readonly what: string }[];
  run(ctx: RunContext): Promise<RowResult[]>;
}

/** Sizes of a closed-loop unary workload in the two modes. */
interface UnarySizes {
  readonly clients: number;
  readonly conns: number;
  readonly total: { readonly quick: number; readonly full: number };
  readonly maxSeconds: { readonly quick: number; readonly full: number };
}

function unaryWorkload(name: string, what: string, op: UnarySpec['op'], sizes: UnarySizes, sequentialKeys: boolean): Workload {
  const total = (quick: boolean) => (quick ? sizes.total.quick : sizes.total.full);
  return {
    name,
    what,
    settings: (quick) =>
      `${sizes.clients} clients / ${sizes.conns} conns, ${total(quick)} requests (at most ${quick ? sizes.maxSeconds.quick : sizes.maxSeconds.full} s) after ${WARMUP_REQUESTS} unmeasured, ` +
      `key ${KEY_SIZE} B ${sequentialKeys ? 'sequential' : `random in ${RANDOM_KEY_SPACE}`}, value ${VALUE_SIZE} B`,
    rows: () => [{ row: name, what }],
    async run(ctx) {
      if (op.startsWith('range')) await seedRangeKey(ctx.server.endpoint);
      const spec = (n: number, maxMs: number) => ({
        op,
        clients: sizes.clients,
        conns: sizes.conns,
        total: n,
        maxDurationMs: maxMs,
        keySize: KEY_SIZE,
        valueSize: VALUE_SIZE,
        sequentialKeys,
        keySpace: RANDOM_KEY_SPACE,
        rangeKey: 'foo',
      });
      // Unmeasured warm-up of the same kind, for both servers alike: a fresh Node process runs
      // its first thousand requests through the JIT (2-3x the CPU of a warm one); a server in
      // service is warm, and that is what the row measures.
      await unaryLoad(ctx.generator, ctx.server.endpoint, spec(WARMUP_REQUESTS, WARMUP_MAX_MS), ctx.server);
      const measurement = await unaryLoad(
        ctx.generator,
        ctx.server.endpoint,
        {
          op,
          clients: sizes.clients,
          conns: sizes.conns,
          total: total(ctx.quick),
          maxDurationMs: (ctx.quick ? sizes.maxSeconds.quick : sizes.maxSeconds.full) * 1000,
          keySize: KEY_SIZE,
          valueSize: VALUE_SIZE,
          sequentialKeys,
          keySpace: RANDOM_KEY_SPACE,
          rangeKey: 'foo',
        },
        ctx.server,
      );
      return [{ row: name, measurement }];
    },
  };
}

/** The single key the range workloads read (as etcd's `benchmark range foo`). */
async function seedRangeKey(endpoint: string): Promise<void> {
  const c = connect(endpoint);
  try {
    await unary(c.kv, c.kv.put, putRequest(Buffer.from('foo'), valueOf(VALUE_SIZE)));
  } finally {
    c.close();
  }
}

// Full-mode sizes keep `npm run bench` near ten minutes on a 2-core machine; the caps bound a slow server.
const puts = { quick: 5_000, full: 15_000 };
const reads = { quick: 10_000, full: 30_000 };
const cap = { quick: 8, full: 12 };

const WATCH_LATENCY = { streams: 100, watchersPerStream: 10, conns: 10, putsPerSec: 10, puts: { quick: 20, full: 50 } };
const WATCH_FANOUT = { streams: 100, watchersPerStream: 100, conns: 10, putsPerSec: 2, puts: { quick: 4, full: 10 } };
const V2 = { clients: 64, requests: { quick: 10_000, full: 30_000 } };
const KEEPALIVE = { streams: 64, conns: 8, leases: { quick: 2_000, full: 10_000 }, rounds: 2 };

export const WORKLOADS: readonly Workload[] = [
  unaryWorkload('put-1', 'put, one client: latency-bound (one fsync per request)', 'put', { clients: 1, conns: 1, total: { quick: 300, full: 2_000 }, maxSeconds: cap }, true),
  unaryWorkload('put-64', 'put, 64 clients over 8 connections', 'put', { clients: 64, conns: 8, total: puts, maxSeconds: cap }, true),
  unaryWorkload('put-256', 'put, 256 clients over 16 connections', 'put', { clients: 256, conns: 16, total: puts, maxSeconds: cap }, true),
  unaryWorkload('range-linearizable-64', 'range of one key, linearizable (ReadIndex per request)', 'range-linearizable', { clients: 64, conns: 8, total: reads, maxSeconds: cap }, true),
  unaryWorkload('range-serializable-64', 'range of one key, serializable (member-local)', 'range-serializable', { clients: 64, conns: 8, total: reads, maxSeconds: cap }, true),
  unaryWorkload('txn-put-64', 'txn with one put, 64 clients over 8 connections', 'txn-put', { clients: 64, conns: 8, total: puts, maxSeconds: cap }, false),
  {
    name: 'watch-latency-1000',
    what: 'time from sending a put to each of 1,000 watchers of the key receiving the event',
    settings: (quick) =>
      `${WATCH_LATENCY.streams} streams × ${WATCH_LATENCY.watchersPerStream} watchers / ${WATCH_LATENCY.conns} conns, ` +
      `${quick ? WATCH_LATENCY.puts.quick : WATCH_LATENCY.puts.full} puts at ${WATCH_LATENCY.putsPerSec}/s`,
    rows: () => [{ row: 'watch-latency-1000', what: 'events delivered per second; latency put-sent → event-received' }],
    async run(ctx) {
      const puts = ctx.quick ? WATCH_LATENCY.puts.quick : WATCH_LATENCY.puts.full;
      const measurement = await watchLoad(ctx.generator, ctx.server, {
        ...WATCH_LATENCY,
        puts,
        valueSize: VALUE_SIZE,
        maxDurationMs: (puts / WATCH_LATENCY.putsPerSec) * 1000 + 20_000,
      });
      return [{ row: 'watch-latency-1000', measurement }];
    },
  },
  {
    name: 'watch-fanout-10000',
    what: 'one put fanned out to 10,000 watchers of one key',
    settings: (quick) =>
      `${WATCH_FANOUT.streams} streams × ${WATCH_FANOUT.watchersPerStream} watchers / ${WATCH_FANOUT.conns} conns, ` +
      `${quick ? WATCH_FANOUT.puts.quick : WATCH_FANOUT.puts.full} puts at ${WATCH_FANOUT.putsPerSec}/s`,
    rows: () => [{ row: 'watch-fanout-10000', what: 'events delivered per second; latency put-sent → event-received' }],
    async run(ctx) {
      const puts = ctx.quick ? WATCH_FANOUT.puts.quick : WATCH_FANOUT.puts.full;
      const measurement = await watchLoad(ctx.generator, ctx.server, {
        ...WATCH_FANOUT,
        puts,
        valueSize: VALUE_SIZE,
        maxDurationMs: (puts / WATCH_FANOUT.putsPerSec) * 1000 + 30_000,
      });
      return [{ row: 'watch-fanout-10000', measurement }];
    },
  },
  {
    name: 'lease-keepalive',
    what: 'keep-alive round trips over many leases (leases granted beforehand, not timed)',
    settings: (quick) =>
      `${quick ? KEEPALIVE.leases.quick : KEEPALIVE.leases.full} leases, ${KEEPALIVE.streams} keep-alive streams / ${KEEPALIVE.conns} conns, ` +
      `${KEEPALIVE.rounds} keep-alives per lease`,
    rows: () => [{ row: 'lease-keepalive', what: 'keep-alives per second' }],
    async run(ctx) {
      const measurement = await keepAliveLoad(ctx.generator, ctx.server, {
        ...KEEPALIVE,
        leases: ctx.quick ? KEEPALIVE.leases.quick : KEEPALIVE.leases.full,
        maxDurationMs: (ctx.quick ? cap.quick : cap.full) * 1000,
      });
      return [{ row: 'lease-keepalive', measurement }];
    },
  },
  {
    name: 'dataset',
    what: 'N keys of 256 B loaded with 128-put transactions; then memory, snapshot, defrag and restart on that data',
    once: true,
    settings: (_quick, keys) => `${keys} keys (32 B keys, 256 B values), loaded by 16 clients / 4 conns in txns of 128 puts`,
    rows: (keys) => [
      { row: `fill-${keys}`, what: 'bulk load rate (keys/s) with 128-put txns' },
      { row: `memory-${keys}`, what: 'server VmRSS after the load (RssAnon beside it)' },
      { row: 'snapshot-save', what: `Maintenance.Snapshot stream of the ${keys}-key db (its size beside the result), MB/s of db bytes received` },
      { row: 'defrag', what: 'Maintenance.Defragment duration' },
      { row: `restart-${keys}`, what: 'SIGTERM, start again: time from spawn to the first linearizable read counting all keys' },
    ],
    run: (ctx) => runDataset(ctx),
  },
  {
    name: 'v2-set-get-64',
    what: 'v2 API: set a key then get it (PUT and GET /v2/keys), 64 clients on their own HTTP/1.1 keep-alive connections',
    serverFlags: ['--enable-v2'],
    settings: (quick) =>
      `${V2.clients} clients / ${V2.clients} HTTP keep-alive conns, ${quick ? V2.requests.quick : V2.requests.full} requests (half sets, half gets; at most ${quick ? cap.quick : cap.full} s), ` +
      `key ${KEY_SIZE} B sequential under /v2/keys/bench/, value ${VALUE_SIZE} B (letters and digits), both servers with --enable-v2`,
    rows: () => [{ row: 'v2-set-get-64', what: 'v2 requests per second (sets and gets), latency per request' }],
    async run(ctx) {
      const measurement = await v2Load(ctx.generator, ctx.server, {
        clients: V2.clients,
        total: ctx.quick ? V2.requests.quick : V2.requests.full,
        maxDurationMs: (ctx.quick ? cap.quick : cap.full) * 1000,
        keySize: KEY_SIZE,
        valueSize: VALUE_SIZE,
      });
      return [{ row: 'v2-set-get-64', measurement }];
    },
  },
];

/** The workloads `only` selects (exact names or prefixes); all when empty. */
export function selectWorkloads(only: readonly string[]): Workload[] {
  if (only.length === 0) return [...WORKLOADS];
  // An exact name selects that workload alone; otherwise the entry is a prefix ("put", "range").
  const matches = (o: string, w: Workload) => (WORKLOADS.some((x) => x.name === o) ? w.name === o : w.name.startsWith(o));
  const chosen = WORKLOADS.filter((w) => only.some((o) => matches(o, w)));
  const unmatched = only.filter((o) => !WORKLOADS.some((w) => matches(o, w)));
  if (unmatched.length > 0) throw new Error(`no workload named ${unmatched.join(', ')}; try --list`);
  return chosen;
}
