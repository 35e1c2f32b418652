// The loop behind `tetcd-backup schedule`: wait for the next cron time, run one backup, repeat.
// Runs never overlap. A run still going when later cron times fall due does not queue them: they
// are skipped and counted, and the next run is the first cron time after the run ended; queueing
// would make a backup that outgrows its interval run back to back for ever. Time and the job are
// injected, so the loop is tested with a manual clock and no real waiting.
import { CronExpressionParser } from 'cron-parser';

/** Epoch milliseconds now, and a sleep that a stop cuts short. */
export interface Clock {
  now(): number;
  /** Resolves once `at` (epoch ms) has come, or as soon as `signal` aborts. */
  sleepUntil(at: number, signal: AbortSignal): Promise<void>;
}

/** setTimeout's longest delay (2^31-1 ms); a longer wait is slept in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  async sleepUntil(at, signal) {
    // timers may fire a little early or late: loop until the wall clock really is at `at`
    while (!signal.aborted && Date.now() < at) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(at - Date.now(), MAX_TIMER_MS));
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  },
};

/** The next fire time strictly after `after` (epoch ms). */
export type NextFire = (after: number) => number;

export class CronError extends Error {}

const CRON_ALIAS = /^@(yearly|annually|monthly|weekly|daily|hourly|minutely|secondly|weekdays|weekends)$/;

/**
 * A cron expression (5 fields, or 6 with seconds first, or an @alias) as a NextFire, optionally
 * in time zone `tz` (default UTC). Throws CronError with cron-parser's reason when it is not one.
 */
export function cronSchedule(expr: string, tz?: string): NextFire {
  const fields = expr.trim().split(/\s+/).filter((f) => f !== '');
  // cron-parser fills in missing fields ('* * *' and even '' parse); a typo must not run every minute
  if (!CRON_ALIAS.test(expr.trim()) && fields.length !== 5 && fields.length !== 6) {
    throw new CronError(`bad --cron ${JSON.stringify(expr)}: want 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or an @alias`);
  }
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw new CronError(`bad --tz ${JSON.stringify(tz)}: not an IANA time zone`);
    }
  }
  const next: NextFire = (after) => {
    try {
      return CronExpressionParser.parse(expr, { currentDate: new Date(after), tz: tz ?? 'UTC' }).next().getTime();
    } catch (err) {
      throw new CronError(`bad --cron ${JSON.stringify(expr)}: ${(err as Error).message}`);
    }
  };
  next(Date.now()); // an expression that never fires fails here, at startup
  return next;
}

export interface RunOutcome {
  ok: boolean;
}

export interface ScheduleEvents<R extends RunOutcome> {
  /** The wait for run number `run` (1-based) begins; it starts at `at` unless stopped first. */
  waiting?(run: number, at: number): void;
  started?(run: number, at: number): void;
  finished?(run: number, outcome: R, durationMs: number): void;
  /** `count` cron times fell due while a run was still going; the first is `firstDue`. */
  skipped?(count: number, firstDue: number): void;
}

export interface SchedulerOptions<R extends RunOutcome> {
  next: NextFire;
  /** Run number `n` (1-based); it reports failure through its outcome, a throw is a bug and ends the loop. */
  run(at: Date, n: number): Promise<R>;
  /** Run once at start instead of waiting for the first cron time. */
  runNow?: boolean;
  /** Stop after this many runs (skipped times are not runs). */
  maxRuns?: number;
  clock?: Clock;
  events?: ScheduleEvents<R>;
}

export interface ScheduleSummary<R extends RunOutcome> {
  runs: number;
  skipped: number;
  last: R | undefined;
  /** True when stop() ended the loop, false when maxRuns did. */
  stopped: boolean;
}

/** Past this many, skipped cron times are not counted one by one (a per-second cron and a week-long hang). */
const MAX_SKIPS_COUNTED = 100_000;

export class Scheduler<R extends RunOutcome> {
  private readonly stopSignal = new AbortController();
  private readonly clock: Clock;

  constructor(private readonly opts: SchedulerOptions<R>) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Ends the loop: at once while waiting, after the run in progress otherwise. */
  stop(): void {
    this.stopSignal.abort();
  }

  get stopping(): boolean {
    return this.stopSignal.signal.aborted;
  }

  /** Runs until maxRuns runs are done or stop() is called. */
  async loop(): Promise<ScheduleSummary<R>> {
    const { next, maxRuns = Infinity } = this.opts;
    const ev = this.opts.events ?? {};
    const summary: ScheduleSummary<R> = { runs: 0, skipped: 0, last: undefined, stopped: false };
    let due = this.opts.runNow ? this.clock.now() : next(this.clock.now());
    while (summary.runs < maxRuns) {
      ev.waiting?.(summary.runs + 1, due);
      await this.clock.sleepUntil(due, this.stopSignal.signal);
      if (this.stopping) break;
      const start = this.clock.now();
      summary.runs++;
      ev.started?.(summary.runs, start);
      summary.last = await this.opts.run(new Date(start), summary.runs);
      const end = this.clock.now();
      ev.finished?.(summary.runs, summary.last, end - start);
      if (this.stopping) break;

      let skipped = 0;
      let upcoming = next(due);
      const firstMissed = upcoming;
      while (upcoming < end && skipped < MAX_SKIPS_COUNTED) {
        skipped++;
        upcoming = next(upcoming);
      }
      if (upcoming < end) upcoming = next(end);
      if (skipped > 0) {
        summary.skipped += skipped;
        ev.skipped?.(skipped, firstMissed);
      }
      due = upcoming;
    }
    summary.stopped = this.stopping;
    return summary;
  }
}
