// Options of the client listeners, apart from the code that serves them.
import type { Metrics } from './metrics.js';

/** The subset of pino's logger the API layer uses, so tests can pass any logger. */
export interface ApiLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ApiOptions {
  /** --max-request-bytes: gRPC accepts messages up to this plus GRPC_OVERHEAD_BYTES. */
  maxRequestBytes: number;
  /** --max-txn-ops (the member validates txns; kept here for the gateway's limits). */
  maxTxnOps: number;
  logger: ApiLogger;
  /** Counters for /metrics; a fresh registry is made when absent. */
  metrics?: Metrics;
  /** How often watchers with progress_notify get a progress response (etcd: 10 minutes). */
  progressNotifyIntervalMs?: number;
}

/** etcd's grpcOverheadBytes (v3rpc/grpc.go): room for the gRPC framing around a request. */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;
/** etcd's DefaultMaxRequestBytes (1.5 MiB). */
export const DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's defaultProgressNotifyInterval (v3rpc/watch.go). */
export const DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS = 10 * 60 * 1000;
