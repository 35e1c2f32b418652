// `tetcd-backup schedule`: a daemon taking a backup set at every cron time (see schedule.ts),
// then verifying it (optional) and applying retention, with Prometheus metrics and one JSON log
// object per line on stderr. Exit codes: 2 for a bad configuration, found before anything runs;
// with --max-runs, 0 when the last run succeeded and 1 when it failed; 0 after SIGTERM/SIGINT,
// which end the daemon once the run in progress is done (bounded by --stop-timeout).
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { addRunOptions, runOptionsFrom } from './cli-run.js';
import { EXIT_FAILED, UsageError, type CliIo } from './cli-common.js';
import { decryptKeys, type DecryptKeys } from './keys.js';
import { ScheduleMetrics, serveMetrics, type MetricsServer } from './metrics.js';
import { prune, type Retention } from './prune.js';
import { runBackup, type RunOptions } from './run.js';
import { cronSchedule, Scheduler, type NextFire, type RunOutcome, type ScheduleSummary } from './schedule.js';
import { verifySet } from './verify.js';

const DEFAULT_STOP_TIMEOUT_S = 300;
/** setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); a week is plenty. */
export const MAX_STOP_TIMEOUT_S = 7 * 24 * 3600;
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface BackupOutcome extends RunOutcome {
  set?: string;
  /** Stored bytes of the set's files. */
  bytes?: number;
  removed?: string[];
  /** Which step failed, and why. */
  stage?: 'backup' | 'verify' | 'retention';
  error?: string;
}

/** Everything `schedule` needs, validated before anything runs. */
export interface ScheduleConfig {
  cron: string;
  tz: string | undefined;
  next: NextFire;
  run: RunOptions;
  retention: Retention | undefined;
  /** Decrypt keys for verifying each new set; undefined without --verify. */
  verify: { keys: DecryptKeys; restoreTest: boolean } | undefined;
  metricsListen: string | undefined;
  runNow: boolean;
  maxRuns: number | undefined;
  stopTimeoutMs: number;
}

/** `schedule`'s options: every option of `run`, then the schedule's own. */
export function addScheduleOptions(c: Command): Command {
  return addRunOptions(c)
    .option('--cron <expr>', 'when to run: 5 cron fields, or 6 with seconds first, or an @alias (@hourly, @daily...)')
    .option('--tz <zone>', 'IANA time zone the cron expression is read in (default UTC)')
    .option('--keep-last <n>', 'after each successful run, keep the newest N sets', '0')
    .option('--keep-daily <n>', 'after each successful run, keep the newest set of each of the last N days', '0')
    .option('--keep-weekly <n>', 'after each successful run, keep the newest set of each of the last N ISO weeks', '0')
    .option('--verify', 'verify each new set (every file checked and decrypted) before retention')
    .option('--verify-restore-test', 'with --verify, also restore the snapshot into a scratch member')
    .option('--identity-file <file>', 'age identities for --verify of sets encrypted to recipients')
    .option('--metrics-listen <host:port>', 'serve Prometheus /metrics and /healthz here, e.g. 127.0.0.1:9479')
    .option('--run-now', 'run once at start, then follow the cron expression')
    .option('--max-runs <n>', 'exit after N runs: 0 if the last succeeded, 1 if not (for cron and systemd timers)')
    .option('--stop-timeout <seconds>', 'on SIGTERM/SIGINT, how long the run in progress may still take', String(DEFAULT_STOP_TIMEOUT_S));
}

function count(v: string, flag: string, min: number): number {
  if (!/^\d+$/.test(String(v)) || Number(v) < min) throw new UsageError(`${flag} wants a whole number of at least ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

function stopTimeoutS(v: string): number {
  const s = count(v, '--stop-timeout', 1);
  if (s > MAX_STOP_TIMEOUT_S) throw new UsageError(`--stop-timeout wants at most ${MAX_STOP_TIMEOUT_S} seconds (one week), got ${v}`);
  return s;
}

/** Parsed options to a ScheduleConfig; every problem is a UsageError (exit 2). */
export function scheduleConfigFrom(o: any, io: CliIo): ScheduleConfig {
  if (!o.cron) throw new UsageError('--cron is required, e.g. --cron "0 3 * * *" for 03:00 UTC daily');
  let next: NextFire;
  let run: RunOptions;
  try {
    next = cronSchedule(o.cron, o.tz);
    run = runOptionsFrom(o, io);
  } catch (err) {
    // a missing key file or pod manifest is as fatal to a daemon as a typo in the cron expression
    throw err instanceof UsageError ? err : new UsageError((err as Error).message);
  }
  // runBackup checks these at every run; a daemon should refuse to start rather than fail each time
  // remote dirs (read over SSH) are not on this disk: they are checked at each run
  for (const cfg of run.configs) if (!cfg.remote && (!existsSync(cfg.dir) || !statSync(cfg.dir).isDirectory())) throw new UsageError(`config dir ${cfg.dir} not found (give --config-dir, --member or --no-config)`);
  const keep = { keepLast: count(o.keepLast, '--keep-last', 0), keepDaily: count(o.keepDaily, '--keep-daily', 0), keepWeekly: count(o.keepWeekly, '--keep-weekly', 0) };
  const retention = keep.keepLast + keep.keepDaily + keep.keepWeekly > 0 ? keep : undefined;
  if (o.verifyRestoreTest && !o.verify) throw new UsageError('--verify-restore-test goes with --verify');
  let verify: ScheduleConfig['verify'];
  if (o.verify) {
    const mode = run.encoding.keys.mode;
    if (mode === 'recipients' && !o.identityFile) throw new UsageError('--verify of sets encrypted to recipients needs --identity-file');
    try {
      verify = { keys: decryptKeys({ identityFile: o.identityFile, passphraseFile: o.passphraseFile }, io.env), restoreTest: !!o.verifyRestoreTest };
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return {
    cron: o.cron,
    tz: o.tz,
    next,
    run,
    retention,
    verify,
    metricsListen: o.metricsListen,
    runNow: !!o.runNow,
    maxRuns: o.maxRuns === undefined ? undefined : count(o.maxRuns, '--max-runs', 1),
    stopTimeoutMs: stopTimeoutS(o.stopTimeout) * 1000,
  };
}

/** One JSON object per line through io.stderr; pino writes to a plain sink synchronously, so lines are never lost at exit. */
function jsonLogger(io: CliIo): Logger {
  return pino(
    { base: undefined, messageKey: 'msg', timestamp: () => `,"ts":"${new Date().toISOString()}"`, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => io.stderr(line) },
  );
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A running schedule: its metrics server is up from open() until close(). */
export class ScheduleDaemon {
  readonly metrics = new ScheduleMetrics();
  readonly log: Logger;
  private server: MetricsServer | undefined;
  private scheduler: Scheduler<BackupOutcome> | undefined;
  private health: { runs: number; last?: 'success' | 'failure'; lastSuccess?: string; nextRun?: string } = { runs: 0 };

  private constructor(
    readonly config: ScheduleConfig,
    io: CliIo,
  ) {
    this.log = jsonLogger(io);
  }

  /** Validated config in, metrics server listening; throws UsageError (exit 2) on any config problem. */
  static async open(config: ScheduleConfig, io: CliIo): Promise<ScheduleDaemon> {
    const d = new ScheduleDaemon(config, io);
    if (config.metricsListen !== undefined) {
      try {
        d.server = await serveMetrics(config.metricsListen, d.metrics, () => ({ status: 'ok', stopping: d.scheduler?.stopping ?? false, ...d.health }));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      d.log.info({ address: d.server.address }, 'serving metrics on /metrics and health on /healthz');
    }
    return d;
  }

  /** host:port of /metrics, when --metrics-listen was given. */
  get metricsAddress(): string | undefined {
    return this.server?.address;
  }

  /** Runs until --max-runs runs are done or stop() (or a signal when `signals`) ends it. */
  async run(signals = true): Promise<ScheduleSummary<BackupOutcome>> {
    const c = this.config;
    const s = (this.scheduler = new Scheduler<BackupOutcome>({
      next: c.next,
      runNow: c.runNow,
      maxRuns: c.maxRuns,
      run: (at, n) => this.backup(at, n),
      events: {
        waiting: (run, at) => {
          this.metrics.nextRunAt(at);
          this.health.nextRun = iso(at);
          this.log.info({ run, at: iso(at) }, 'next run');
        },
        started: (run, at) => this.log.info({ run, at: iso(at) }, 'run started'),
        finished: (run, r, durationMs) => this.finished(run, r, durationMs),
        skipped: (n, firstDue) => {
          this.metrics.skipped(n);
          this.log.warn({ count: n, firstDue: iso(firstDue) }, 'cron times skipped: the previous run was still going');
        },
      },
    }));
    this.log.info({ cron: c.cron, tz: c.tz ?? 'UTC', target: c.run.target.description, endpoints: c.run.endpoints, retention: c.retention ?? null, verify: !!c.verify, maxRuns: c.maxRuns ?? null }, 'schedule started');
    const unhook = signals ? this.onSignals() : () => undefined;
    try {
      const summary = await s.loop();
      this.log.info({ runs: summary.runs, skipped: summary.skipped, reason: summary.stopped ? 'stopped' : 'max runs', lastResult: summary.last ? (summary.last.ok ? 'success' : 'failure') : null }, 'schedule ended');
      return summary;
    } finally {
      unhook();
    }
  }

  /** Ends the schedule: at once while waiting, after the run in progress otherwise. */
  stop(): void {
    this.scheduler?.stop();
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  /**
   * SIGTERM/SIGINT stop the schedule after the run in progress. A run cannot be cancelled half
   * way (its set would be left staged), so the process waits for it — up to --stop-timeout, or
   * until a second signal — and then exits 1 without it.
   */
  private onSignals(): () => void {
    let deadline: NodeJS.Timeout | undefined;
    const giveUp = (why: string) => {
      this.log.error({}, `${why}: exiting without the run in progress`);
      process.exit(EXIT_FAILED);
    };
    const handler = (signal: NodeJS.Signals) => {
      if (deadline !== undefined) giveUp(`second ${signal}`);
      this.log.info({ signal, stopTimeoutS: this.config.stopTimeoutMs / 1000 }, 'stopping after the run in progress');
      deadline = setTimeout(() => giveUp('stop timeout'), this.config.stopTimeoutMs).unref();
      this.stop();
    };
    for (const sig of STOP_SIGNALS) process.on(sig, handler);
    return () => {
      clearTimeout(deadline);
      for (const sig of STOP_SIGNALS) process.off(sig, handler);
    };
  }

  /** One scheduled run: backup, then verify of the new set, then retention, each only if the step before succeeded. */
  private async backup(at: Date, run: number): Promise<BackupOutcome> {
    const c = this.config;
    let set: string;
    let bytes: number;
    try {
      const m = await runBackup({ ...c.run, now: at, log: (line) => this.log.info({ run }, line) });
      set = m.name;
      bytes = m.files.reduce((sum, f) => sum + f.size, 0);
      this.metrics.setSize(bytes);
    } catch (err) {
      return { ok: false, stage: 'backup', error: (err as Error).message };
    }
    if (c.verify) {
      // a bad new set must not make retention remove older good ones: no prune after a failed verify
      try {
        const v = await verifySet(c.run.target, set, c.verify.keys, c.verify.restoreTest);
        if (!v.ok) return { ok: false, set, bytes, stage: 'verify', error: v.problems.map((p) => `${p.file}: ${p.problem}`).join('; ') };
        this.log.info({ run, set, restored: v.restored ?? null }, 'set verified');
      } catch (err) {
        return { ok: false, set, bytes, stage: 'verify', error: (err as Error).message };
      }
    }
    if (c.retention) {
      try {
        const removed = await prune(c.run.target, c.retention, false);
        this.metrics.pruned(removed.length);
        return { ok: true, set, bytes, removed };
      } catch (err) {
        return { ok: false, set, bytes, stage: 'retention', error: (err as Error).message };
      }
    }
    return { ok: true, set, bytes };
  }

  private finished(run: number, r: BackupOutcome, durationMs: number): void {
    this.health.runs = run;
    this.health.last = r.ok ? 'success' : 'failure';
    const fields = { run, set: r.set ?? null, bytes: r.bytes ?? null, durationMs, removed: r.removed ?? [] };
    if (r.ok) {
      this.metrics.success(Date.now(), durationMs, r.bytes ?? 0);
      this.health.lastSuccess = new Date().toISOString();
      this.log.info({ ...fields, result: 'success' }, 'run finished');
    } else {
      this.metrics.failure(durationMs);
      this.log.error({ ...fields, result: 'failure', stage: r.stage, error: r.error }, 'run failed');
    }
  }
}

export function registerSchedule(p: Command, io: CliIo): void {
  addScheduleOptions(p.command('schedule').description('take a backup set at every cron time, with retention, verify and Prometheus metrics')).action(async (o) => {
    const d = await ScheduleDaemon.open(scheduleConfigFrom(o, io), io);
    let summary: ScheduleSummary<BackupOutcome>;
    try {
      summary = await d.run();
    } finally {
      await d.close();
    }
    // a stop by signal is an orderly end (exit 0); after --max-runs the last run decides
    if (!summary.stopped && summary.last && !summary.last.ok) throw new Error(`last scheduled run failed (${summary.last.stage}): ${summary.last.error}`);
  });
}
