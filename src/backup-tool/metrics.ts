// Prometheus metrics of `tetcd-backup schedule` and the small HTTP server that exposes them
// (/metrics, /healthz). The metrics live in their own Registry, not prom-client's global one, so
// two daemons in one process (tests) or a library user's own metrics never collide.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';

export const METRIC_PREFIX = 'tetcd_backup_';
export type RunResult = 'success' | 'failure' | 'skipped';
const RESULTS: RunResult[] = ['success', 'failure', 'skipped'];

export class ScheduleMetrics {
  readonly registry = new Registry();
  private readonly lastSuccess = this.gauge('last_success_timestamp_seconds', 'Unix time the last successful backup run ended');
  private readonly lastDuration = this.gauge('last_run_duration_seconds', 'Duration of the last backup run, successful or not');
  private readonly lastSetSize = this.gauge('last_set_size_bytes', 'Stored bytes of the files of the last backup set taken');
  private readonly lastPruneRemoved = this.gauge('last_prune_removed', 'Sets removed by retention after the last successful run');
  private readonly nextRun = this.gauge('next_run_timestamp_seconds', 'Unix time the next run is due');
  private readonly runs = new Counter({ name: `${METRIC_PREFIX}runs_total`, help: 'Scheduled runs by result (skipped: due while the previous run was still going)', labelNames: ['result'], registers: [this.registry] });
  private readonly failures = new Counter({ name: `${METRIC_PREFIX}failures_total`, help: 'Backup runs that failed (backup, verify or retention)', registers: [this.registry] });

  constructor() {
    // every result from the start, so rate() and alerts see 0 rather than no series
    for (const result of RESULTS) this.runs.inc({ result }, 0);
    this.failures.inc(0);
  }

  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name: METRIC_PREFIX + name, help, registers: [this.registry] });
  }

  success(endedAtMs: number, durationMs: number, setBytes: number): void {
    this.runs.inc({ result: 'success' });
    this.lastSuccess.set(endedAtMs / 1000);
    this.lastDuration.set(durationMs / 1000);
    this.lastSetSize.set(setBytes);
  }

  failure(durationMs: number): void {
    this.runs.inc({ result: 'failure' });
    this.failures.inc();
    this.lastDuration.set(durationMs / 1000);
  }

  skipped(count: number): void {
    this.runs.inc({ result: 'skipped' }, count);
  }

  /** A set was written even if the run failed later (verify, retention): its size is known. */
  setSize(bytes: number): void {
    this.lastSetSize.set(bytes);
  }

  pruned(removed: number): void {
    this.lastPruneRemoved.set(removed);
  }

  nextRunAt(atMs: number): void {
    this.nextRun.set(atMs / 1000);
  }
}

export class ListenError extends Error {}

/** host:port for --metrics-listen; the host is required so the daemon never listens on all interfaces by surprise. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+):(\d{1,5})$/.exec(s.trim());
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new ListenError(`bad --metrics-listen ${JSON.stringify(s)}: want host:port, e.g. 127.0.0.1:9479`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export interface MetricsServer {
  /** host:port actually bound (the port chosen when 0 was asked). */
  readonly address: string;
  close(): Promise<void>;
}

/** Serves GET /metrics (Prometheus text format) and GET /healthz (JSON from `health`). */
export async function serveMetrics(listen: string, metrics: ScheduleMetrics, health: () => object): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health()) + '\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(`cannot listen on ${listen} for metrics: ${err.code ?? err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // a scraper's keep-alive connection must not hold the daemon's exit
        server.closeAllConnections();
      }),
  };
}
