// What the coordinator and the load-generating worker processes say to each other.
// A run has two phases so that setup never counts as load: `prepare` (connect, create
// watchers, grant leases) answered by `ready`, then `go` answered by `done`.

/** Request shapes the unary load loop can send. */
export type UnaryOp = 'put' | 'range-linearizable' | 'range-serializable' | 'txn-put' | 'txn-fill';

export interface UnaryJob {
  readonly kind: 'unary';
  readonly endpoint: string;
  readonly conns: number;
  /** Concurrent in-flight requests (etcd's --clients), spread round-robin over the conns. */
  readonly clients: number;
  /** Requests this worker sends in all. */
  readonly total: number;
  /** Stop early after this long, so a slow server cannot stall the whole benchmark. */
  readonly maxDurationMs: number;
  readonly op: UnaryOp;
  readonly keySize: number;
  readonly valueSize: number;
  /** Sequential keys count up from keyOffset; otherwise keys are uniform in [0, keySpace). */
  readonly sequentialKeys: boolean;
  readonly keySpace: number;
  readonly keyOffset: number;
  /** Puts per transaction for txn-fill (bulk loading). */
  readonly opsPerTxn: number;
  /** The key that range requests read. */
  readonly rangeKey: string;
}

export interface WatchJob {
  readonly kind: 'watch';
  readonly endpoint: string;
  readonly conns: number;
  readonly streams: number;
  readonly watchersPerStream: number;
  readonly key: string;
  /** Puts the whole benchmark makes on the key: each watcher expects one event per put. */
  readonly puts: number;
  /** Set on exactly one worker: it makes the puts, at this rate. */
  readonly putter?: { readonly ratePerSec: number; readonly valueSize: number };
  readonly maxDurationMs: number;
}

export interface KeepAliveJob {
  readonly kind: 'keepalive';
  readonly endpoint: string;
  readonly conns: number;
  /** Leases this worker grants in prepare (TTL long enough not to expire during the run). */
  readonly leases: number;
  /** Concurrent LeaseKeepAlive streams; each renews its share of the leases one at a time. */
  readonly streams: number;
  /** Keep-alives per lease. */
  readonly rounds: number;
  readonly maxDurationMs: number;
}

/** v2-set-get: each client sets a key (PUT /v2/keys/bench/<key>) then gets it, over its own keep-alive connection. */
export interface V2Job {
  readonly kind: 'v2';
  /** http://host:port */
  readonly endpoint: string;
  readonly clients: number;
  /** Requests this worker sends in all (sets and gets, one each per key). */
  readonly total: number;
  readonly maxDurationMs: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** Keys count up from here. */
  readonly keyOffset: number;
}

export type Job = UnaryJob | WatchJob | KeepAliveJob | V2Job;

/** One worker's outcome; times are monotonic microseconds (process.hrtime, shared by all processes). */
export interface WorkerResult {
  readonly samplesUs: Float64Array;
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly startUs: number;
  readonly endUs: number;
  /** CPU the worker process used during the run (user + system), to show the generator's own cost. */
  readonly cpuSeconds: number;
}

/** What a load reports; the worker adds its CPU time. */
export type LoadResult = Omit<WorkerResult, 'cpuSeconds'>;

export type ToWorker = { readonly type: 'prepare'; readonly job: Job } | { readonly type: 'go' } | { readonly type: 'exit' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly result: WorkerResult }
  | { readonly type: 'failed'; readonly message: string };

/** Monotonic time in microseconds, comparable between processes on one machine. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
